"""The project diary: write an entry, list your own, read what others shared with you."""

from __future__ import annotations

from bot.commands import ListDiary, WriteDiary
from bot.competences import ResolvedTags
from bot.domain import DiaryEntry, EntrySource, Visibility
from bot.handlers import people
from bot.handlers.context import Context, UserError
from bot.ports import UnitOfWork
from bot.privacy import readable, write
from bot.replies import Reply, Section

LIST_LIMIT = 10
PREVIEW_CHARS = 500

_CIRCLE = {
    Visibility.PARTNER: ("your learning partner", "you have no learning partner now"),
    Visibility.GROUP: ("your learning group", "you are in no learning group now"),
    Visibility.TUTOR: ("your tutor", "you have no tutor now"),
}


def who_sees(uow: UnitOfWork, entry: DiaryEntry) -> str:
    """The honest "who can see it" sentence for an entry just written: the people of its
    audience by name, or that no one else sees it yet."""
    if entry.visibility is Visibility.COMMUNITY:
        return "You and the members of the community can see it."
    if entry.visibility not in _CIRCLE:
        return "Only you can see it."
    circle, missing = _CIRCLE[entry.visibility]
    names = uow.people.get_many(r.person_id for r in entry.audience)
    shown = [names[r.person_id].display_name for r in entry.audience if r.person_id in names]
    if not shown:
        return f"No one else sees it yet: {missing}. It stays yours."
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    if entry.visibility is Visibility.GROUP:
        return f"You and {circle} ({listed}) can see it."
    return f"You and {circle} {listed} can see it."


def write_entry(ctx: Context, command: WriteDiary) -> list[Reply]:
    assert ctx.asker.id is not None
    resolved = ctx.policy.resolve_tags(command.tags)
    entry = write(
        ctx.uow,
        DiaryEntry(
            author_id=ctx.asker.id,
            text=command.text,
            tags=resolved.all,
            visibility=command.share,
            source=EntrySource.COMMAND,
            created_at=ctx.now,
        ),
    )
    detail = tags_note(resolved)
    return [Reply(text=f"Saved to your diary.{detail} {who_sees(ctx.uow, entry)}")]


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
    entries = readable(ctx.uow, ctx.asker.id, author.id, LIST_LIMIT)
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
