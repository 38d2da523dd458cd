"""The project diary: write an entry, list your own, read what others shared with you."""

from __future__ import annotations

from bot.commands import ListDiary, WriteDiary
from bot.competences import ResolvedTags
from bot.domain import DiaryEntry, EntrySource, Visibility
from bot.handlers import people
from bot.handlers.context import Context, UserError
from bot.privacy import can_read, visibilities_for
from bot.replies import Reply, Section

LIST_LIMIT = 10
PREVIEW_CHARS = 500

WHO_SEES = {
    Visibility.PRIVATE: "Only you can see it.",
    Visibility.PARTNER: "You and your learning partner can see it.",
    Visibility.GROUP: "You and your learning group can see it.",
    Visibility.TUTOR: "You and your tutor can see it.",
    Visibility.COMMUNITY: "You and the members of the community can see it.",
}


def write_entry(ctx: Context, command: WriteDiary) -> list[Reply]:
    assert ctx.asker.id is not None
    resolved = ctx.policy.resolve_tags(command.tags)
    entry = ctx.uow.diary.add(
        DiaryEntry(
            author_id=ctx.asker.id,
            text=command.text,
            tags=resolved.all,
            visibility=command.share,
            source=EntrySource.COMMAND,
            created_at=ctx.now,
        )
    )
    detail = tags_note(resolved)
    return [Reply(text=f"Saved to your diary.{detail} {WHO_SEES[entry.visibility]}")]


def tags_note(resolved: ResolvedTags) -> str:
    """ " Tags: #communication." and, for tags the model does not know, that they are free."""
    note = ""
    if resolved.competences:
        note += " Tags: " + " ".join(f"#{t}" for t in resolved.competences) + "."
    if resolved.free:
        free = " ".join(f"#{t}" for t in resolved.free)
        note += f" Kept as free tags (not in the competence model): {free}."
    return note


def list_entries(ctx: Context, command: ListDiary) -> list[Reply]:
    assert ctx.asker.id is not None
    if command.of is None:
        entries = ctx.uow.diary.by_author(ctx.asker.id, Visibility, LIST_LIMIT)
        if not entries:
            return [
                Reply(text="Your diary is empty. Write the first entry: `/learn diary <text>`.")
            ]
        return [_entry_list(ctx, "Your latest diary entries", entries, show_visibility=True)]

    wanted = command.of.strip().removeprefix("@")
    if not wanted:
        raise UserError("Name someone after `--of`, e.g. `/learn diary --of @ana`.")
    author = people.find(ctx, wanted)
    if author is None:  # the same answer as for someone who shared nothing: no one is exposed
        return [Reply(text=f"{wanted[:40]} has shared no diary entries with you.")]
    assert author.id is not None
    relations = ctx.uow.cohorts.relations_of(author.id)
    allowed = visibilities_for(ctx.asker.id, author.id, relations)
    entries = ctx.uow.diary.by_author(author.id, allowed, LIST_LIMIT) if allowed else []
    # The query already filters; check each entry again so a storage bug cannot leak one.
    entries = [e for e in entries if can_read(ctx.asker.id, e, relations)]
    if not entries:
        # The same answer whether there are no entries or none shared: it reveals nothing.
        return [Reply(text=f"{wanted[:40]} has shared no diary entries with you.")]
    title = f"Entries {author.display_name} shared with you"
    return [_entry_list(ctx, title, entries, show_visibility=author.id == ctx.asker.id)]


def _entry_list(
    ctx: Context, title: str, entries: list[DiaryEntry], *, show_visibility: bool
) -> Reply:
    sections = []
    for entry in entries:
        when = ctx.local(entry.created_at).strftime("%a %d %b %Y, %H:%M")
        label = f"{when} · {entry.visibility.value}" if show_visibility else when
        text = entry.text if len(entry.text) <= PREVIEW_CHARS else entry.text[:PREVIEW_CHARS] + "…"
        sections.append(Section(title=label, text=text))
    return Reply(text=title, sections=tuple(sections))
