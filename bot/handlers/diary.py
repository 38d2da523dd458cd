"""The project diary: write an entry, list your own, read what others shared with you."""

from __future__ import annotations

from collections import Counter

from bot.commands import (
    DeleteDiaryEntry,
    EditDiaryEntry,
    ListDiary,
    OpenDiaryForm,
    ShowDiaryEntry,
    ShowTags,
    WriteDiary,
)
from bot.competences import CompetenceModel, ResolvedTags
from bot.domain import DiaryEntry, EntrySource, Person, Visibility
from bot.forms import diary_form_reply
from bot.handlers import people
from bot.handlers.context import Context, UserError
from bot.i18n import N_, _, ngettext, pgettext
from bot.ports import UnitOfWork
from bot.privacy import can_read, readable, rights, write
from bot.replies import Button, ButtonStyle, Reply, Section
from bot.wording import alternatives, pattern, together

LIST_LIMIT = 10
PREVIEW_CHARS = 500

# Who sees an entry shared with a circle, by name, and why no one does (whole sentences).
_CIRCLE = {
    Visibility.PARTNER: (
        N_("You and your learning partner {names} can see it."),
        N_("No one else sees it yet: you have no learning partner now. It stays yours."),
    ),
    Visibility.GROUP: (
        N_("You and your learning group ({names}) can see it."),
        N_("No one else sees it yet: you are in no learning group now. It stays yours."),
    ),
    Visibility.TUTOR: (
        N_("You and your tutor {names} can see it."),
        N_("No one else sees it yet: you have no tutor now. It stays yours."),
    ),
}
# An entry's time as its label shows it (a CLDR pattern; German's in the catalogue).
WHEN = N_("EEE dd MMM yyyy, HH:mm")


def visibility_word(visibility: Visibility) -> str:
    """Who an entry is for, in one word of the current language ("private", "privat")."""
    return {
        Visibility.PRIVATE: pgettext("visibility", "private"),
        Visibility.PARTNER: pgettext("visibility", "partner"),
        Visibility.GROUP: pgettext("visibility", "group"),
        Visibility.TUTOR: pgettext("visibility", "tutor"),
        Visibility.COMMUNITY: pgettext("visibility", "community"),
    }[visibility]


def who_sees(uow: UnitOfWork, entry: DiaryEntry) -> str:
    """The honest "who can see it" sentence for an entry just written: the people of its
    audience by name, or that no one else sees it yet."""
    if entry.visibility is Visibility.COMMUNITY:
        return _("You and the members of the community can see it.")
    if entry.visibility not in _CIRCLE:
        return _("Only you can see it.")
    seen, missing = _CIRCLE[entry.visibility]
    names = uow.people.get_many(r.person_id for r in entry.audience)
    shown = [names[r.person_id].display_name for r in entry.audience if r.person_id in names]
    if not shown:
        return _(missing)
    return _(seen).format(names=together(shown))


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
    detail = tags_note(resolved, ctx.policy.competences)
    saved = _("Saved to your diary.")
    return [Reply(text=f"{saved}{detail} {who_sees(ctx.uow, entry)}")]


def open_form(ctx: Context, command: OpenDiaryForm) -> list[Reply]:
    """`diary new`: the entry as a form (a modal where the platform has one)."""
    return [diary_form_reply()]


def tags(ctx: Context, command: ShowTags) -> list[Reply]:
    """Your #tags, most used first, with the competence each links to."""
    assert ctx.asker.id is not None
    entries = ctx.uow.diary.by_author(ctx.asker.id, Visibility, limit=None)
    counts = Counter(tag for entry in entries for tag in entry.tags)
    if not counts:
        return [
            Reply(text=_("No #tags in your diary yet: `/learn diary ran the retro #facilitation`."))
        ]
    model = ctx.policy.competences
    lines = []
    for tag, n in counts.most_common():
        name = model.name_of(tag) if model is not None else tag
        shown = model.tag_of(tag) if model is not None else tag  # `#kommunikation` in German
        lines.append(f"#{shown}" + (f" ({name})" if name != tag else "") + f": {n}")
    said = ngettext(
        "Your #tags (in your {n} entry):",
        "Your #tags and in how many of your {n} entries each is:",
        len(entries),
    ).format(n=len(entries))
    return [Reply(text=said, sections=(Section(text="\n".join(lines)),))]


def tags_note(resolved: ResolvedTags, model: CompetenceModel | None = None) -> str:
    """ " Tags: #communication." and, for tags the model does not know, that they are free.
    A competence is shown as its tag in the asker's language (`#kommunikation`)."""

    def shown(trait_id: str) -> str:
        return "#" + (model.tag_of(trait_id) if model is not None else trait_id)

    note = ""
    if resolved.competences:
        listed = " ".join(shown(t) for t in resolved.competences)
        note += " " + _("Tags: {tags}.").format(tags=listed)
    unclear = dict(resolved.ambiguous)
    unknown = [t for t in resolved.free if t not in unclear]
    if unknown:
        free = " ".join(f"#{t}" for t in unknown)
        note += " " + _("Kept as free tags (not in the competence model): {tags}.").format(
            tags=free
        )
    for tag, ids in unclear.items():
        could = alternatives(tuple(shown(i) for i in ids), quote="")
        note += " " + _(
            "#{tag} could be {choices}; kept as a free tag (edit the entry to pick one)."
        ).format(tag=tag, choices=could)
    return note


def list_entries(ctx: Context, command: ListDiary) -> list[Reply]:
    assert ctx.asker.id is not None
    if command.of is None:
        return [_own_page(ctx, command.page)]

    wanted = command.of.strip().removeprefix("@")
    if not wanted:
        raise UserError(_("Name someone after `--of`, e.g. `/learn diary --of @ana`."))
    author = people.find(ctx, wanted)
    if author is None:  # the same answer as for someone who shared nothing: no one is exposed
        return [Reply(text=_nothing_shared(wanted))]
    assert author.id is not None
    if author.id == ctx.asker.id:
        return [_own_page(ctx, command.page)]
    entries = _numbered(_shared(ctx, author))
    if not entries:
        # The same answer whether there are no entries or none shared: it reveals nothing.
        return [Reply(text=_nothing_shared(wanted))]
    pages = _pages(len(entries))
    if command.page > pages:
        raise UserError(_no_such_page(command.page, pages, f" --of @{wanted[:40]}"))
    first = (command.page - 1) * LIST_LIMIT
    title = _("Entries {name} shared with you").format(name=author.display_name)
    return [
        _entry_list(
            ctx,
            title,
            entries[first : first + LIST_LIMIT],
            show_visibility=False,
            page=command.page,
            pages=pages,
            of=f" --of @{wanted[:40]}",
        )
    ]


def show_entry(ctx: Context, command: ShowDiaryEntry) -> list[Reply]:
    """One entry in full: the asker's own by its number, or one shared with them (`--of`)
    by its number in that listing. Every way to a missing or unreadable one gets the same
    answer."""
    assert ctx.asker.id is not None
    n = command.number
    if command.of is None:
        return [_full(ctx, n, _own(ctx, n), ctx.asker)]
    wanted = command.of.strip().removeprefix("@")
    if not wanted:
        raise UserError(_("Name someone after `--of`, e.g. `/learn diary show 2 --of @ana`."))
    author = people.find(ctx, wanted)
    if author is not None and author.id == ctx.asker.id:
        return [_full(ctx, n, _own(ctx, n), ctx.asker)]
    entry = dict(_numbered(_shared(ctx, author))).get(n) if author is not None else None
    if author is None or entry is None:
        raise UserError(
            _("{name} has shared no diary entry {n} with you.").format(name=wanted[:40], n=n)
        )
    return [_full(ctx, n, entry, author)]


def edit_entry(ctx: Context, command: EditDiaryEntry) -> list[Reply]:
    """New text for one of the asker's own entries. Who sees it stays as it was."""
    entry = _own(ctx, command.number)
    resolved = ctx.policy.resolve_tags(command.tags)
    entry.text, entry.tags = command.text, resolved.all
    if not ctx.uow.diary.update_text(entry):  # text and tags only: the audience stays
        raise UserError(_missing(command.number))
    detail = tags_note(resolved, ctx.policy.competences)
    changed = _("Changed diary entry {n}.").format(n=command.number)
    return [Reply(text=f"{changed}{detail} {who_sees(ctx.uow, entry)}")]


def delete_entry(ctx: Context, command: DeleteDiaryEntry) -> list[Reply]:
    """Delete one of the asker's own entries; without `confirmed`, ask first (buttons)."""
    entry = _own(ctx, command.number)
    n = command.number
    if not command.confirmed:
        question = _("Delete diary entry {n} for good? It cannot be undone.").format(n=n)
        if entry.visibility is Visibility.COMMUNITY:
            question += " " + _("It also leaves the community's list of posts.")
        return [
            Reply(
                text=question,
                sections=(Section(title=_label(ctx, entry, True), text=_preview(entry.text)),),
                buttons=(
                    Button(
                        label=_("Delete entry {n}").format(n=n),
                        command=f"diary delete {n} confirm",
                        style=ButtonStyle.DANGER,
                    ),
                    Button(label=_("Keep it"), command=f"diary show {n}"),
                ),
            )
        ]
    if not ctx.uow.diary.delete(entry):
        raise UserError(_missing(n))
    return [Reply(text=_("Deleted diary entry {n}. Its number is not given again.").format(n=n))]


def _nothing_shared(wanted: str) -> str:
    return _("{name} has shared no diary entries with you.").format(name=wanted[:40])


def _missing(number: int) -> str:
    return _("You have no diary entry {n}. `/learn diary` lists yours with their numbers.").format(
        n=number
    )


def _own(ctx: Context, number: int) -> DiaryEntry:
    """The asker's entry `number`, or `UserError`: only ever the asker's own (numbers are
    per author, so another person's entry is as missing as one never written)."""
    assert ctx.asker.id is not None
    entry = ctx.uow.diary.by_number(ctx.asker.id, number)
    if entry is None or entry.author_id != ctx.asker.id:
        raise UserError(_missing(number))
    # The same check as every read path (the author reads all their own entries).
    if not can_read(ctx.asker.id, entry, rights(ctx.uow, ctx.asker.id)):
        raise UserError(_missing(number))
    return entry


def _shared(ctx: Context, author: Person) -> list[DiaryEntry]:
    """All of `author`'s entries that the asker may read, newest first: the trust-circles
    rule (an entry's fixed audience, while its circle stands), as every read path."""
    assert ctx.asker.id is not None and author.id is not None
    return readable(ctx.uow, ctx.asker.id, author.id, None)


def _numbered(newest_first: list[DiaryEntry]) -> list[tuple[int, DiaryEntry]]:
    """Someone else's entries numbered among those the asker may read (1 = the oldest),
    so a number says nothing of entries the asker cannot see."""
    count = len(newest_first)
    return [(count - i, entry) for i, entry in enumerate(newest_first)]


def _pages(count: int) -> int:
    return max(1, -(-count // LIST_LIMIT))


def _no_such_page(page: int, pages: int, of: str) -> str:
    if pages == 1:
        return _("There is only one page; `/learn diary{of}` shows it.").format(of=of)
    return _(
        "There are {pages} pages; pick one from 1 to {pages}: `/learn diary{of} --page {pages}`."
    ).format(pages=pages, of=of)


def _own_page(ctx: Context, page: int) -> Reply:
    assert ctx.asker.id is not None
    total = ctx.uow.diary.count_by_author(ctx.asker.id)
    if not total:
        return Reply(text=_("Your diary is empty. Write the first entry: `/learn diary <text>`."))
    pages = _pages(total)
    if page > pages:
        raise UserError(_no_such_page(page, pages, ""))
    entries = ctx.uow.diary.by_author(
        ctx.asker.id, Visibility, LIST_LIMIT, offset=(page - 1) * LIST_LIMIT
    )
    numbered = [(e.number or 0, e) for e in entries]
    title = _("Your latest diary entries") if page == 1 else _("Your diary entries")
    return _entry_list(ctx, title, numbered, show_visibility=True, page=page, pages=pages, of="")


def _label(ctx: Context, entry: DiaryEntry, show_visibility: bool) -> str:
    when = pattern(ctx.local(entry.created_at), WHEN)
    label = f"{when} · {visibility_word(entry.visibility)}" if show_visibility else when
    if entry.source is EntrySource.LATE_CHECK_IN:
        label += " · " + _("late check-in answer")
    return label


def _preview(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"


def _full(ctx: Context, number: int, entry: DiaryEntry, author: Person) -> Reply:
    own = author.id == ctx.asker.id
    title = (
        _("Diary entry {n}").format(n=number)
        if own
        else _("{name}'s diary entry {n}").format(name=author.display_name, n=number)
    )
    label = _label(ctx, entry, show_visibility=own)
    if entry.tags:
        label += " · " + " ".join(f"#{t}" for t in entry.tags)
    return Reply(text=title, sections=(Section(title=label, text=entry.text),))


def _entry_list(
    ctx: Context,
    title: str,
    entries: list[tuple[int, DiaryEntry]],
    *,
    show_visibility: bool,
    page: int,
    pages: int,
    of: str,
) -> Reply:
    sections = []
    for number, entry in entries:
        label = _("Entry {n}").format(n=number) + f" · {_label(ctx, entry, show_visibility)}"
        text = _preview(entry.text)
        if text != entry.text:
            text += " " + _("`/learn diary show {n}{of}` for all of it.").format(n=number, of=of)
        sections.append(Section(title=label, text=text))
    if page < pages:
        more = _("Page {page} of {pages}. `/learn diary{of} --page {next}` shows older entries.")
        sections.append(Section(text=more.format(page=page, pages=pages, of=of, next=page + 1)))
    elif pages > 1:
        last = _("Page {page} of {pages}, the oldest entries.").format(page=page, pages=pages)
        sections.append(Section(text=last))
    return Reply(text=title, sections=tuple(sections))
