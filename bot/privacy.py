"""Who may read what. Every read path in the core asks here before it shows anything.

The rule (issue 13): an entry shared with the partner, the group or the tutor is written
for the people in that circle at that moment, its audience (`audience`, fixed by `write`
with the entry). A reader in that audience reads it while the same circle stands (the
same partnership not ended, their membership of that same group not ended, that same
tutor relation not ended) and while both they and the author are active in the cohort
and the cohort is open. Nobody who joins the circle later reads it; re-pairing with the
same person later is a new partnership and opens nothing old. A manager of the author
(anyone who agreed, declined or was asked to agree a practical task of theirs, or holds
a manager membership accompanying them in any cohort) reads nothing through any circle,
whenever that relation arose. The author reads all their own entries; an entry shared
with a community of practice is read by its present members. Managers and facilitators
never read a diary through their role.

The same standing circles decide who sees a learner's goals, ratings and plan now
(`relations`): a tutor only while both are active in the cohort and the relation stands.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

from bot.domain import (
    Circle,
    CohortStatus,
    DiaryEntry,
    EntrySource,
    Reader,
    Relations,
    Role,
    Visibility,
)
from bot.events import DiaryWritten
from bot.ports import UnitOfWork

CIRCLE_KINDS = (Visibility.PARTNER, Visibility.GROUP, Visibility.TUTOR)
# Entries a person wrote as diary entries (the others Tandem files for them: a
# milestone's reflection, an advice round's notes, a community post).
WRITTEN = frozenset(
    {EntrySource.COMMAND, EntrySource.CHECK_IN, EntrySource.LATE_CHECK_IN, EntrySource.THREAD}
)


@dataclass(frozen=True)
class Rights:
    """What holds now around one author: the circles that stand, as (kind, circle id,
    reader) for every other person in them, and the author's managers."""

    author_id: int
    standing: frozenset[tuple[Visibility, int, int]] = frozenset()
    managers: frozenset[int] = frozenset()


def managers_of(uow: UnitOfWork, person_id: int) -> frozenset[int]:
    """Everyone who is or was asked to be `person_id`'s manager: an agreement row of a
    practical task of theirs (any status), or a manager membership accompanying them in
    any cohort (any status)."""
    found = {a.manager_id for a in uow.agreements.for_learner(person_id)}
    for cohort_id in {m.cohort_id for m in uow.memberships.of(person_id)}:
        found.update(
            m.person_id
            for m in uow.memberships.members(cohort_id)
            if m.role is Role.MANAGER and m.accompanies == person_id
        )
    found.discard(person_id)
    return frozenset(found)


def standing_circles(uow: UnitOfWork, person_id: int) -> list[Circle]:
    """The circles around `person_id` that stand now, each with only the members who are
    active in its cohort, in open cohorts only, and only if `person_id` is active there."""
    found = []
    cohorts: dict[int, dict[int, set[Role]]] = {}
    for circle in uow.memberships.circles_of(person_id):
        if circle.cohort_id not in cohorts:
            cohort = uow.cohorts.get(circle.cohort_id)
            active: dict[int, set[Role]] = {}
            if cohort is not None and cohort.status is not CohortStatus.CLOSED:
                for m in uow.memberships.members(circle.cohort_id):
                    if m.standing:
                        active.setdefault(m.person_id, set()).add(m.role)
            cohorts[circle.cohort_id] = active
        active = cohorts[circle.cohort_id]
        if circle.kind is Visibility.TUTOR:
            learner = circle.learner_id
            if learner is None or Role.LEARNER not in active.get(learner, set()):
                continue
            tutor = next(iter(circle.members - {learner}), None)
            if tutor is None or Role.TUTOR not in active.get(tutor, set()):
                continue
            found.append(circle)
            continue
        members = frozenset(p for p in circle.members if Role.LEARNER in active.get(p, set()))
        if person_id in members:
            found.append(replace(circle, members=members))
    return found


def rights(uow: UnitOfWork, author_id: int) -> Rights:
    """Who may read `author_id`'s shared entries now, through which circle."""
    managers = managers_of(uow, author_id)
    standing = set()
    for circle in standing_circles(uow, author_id):
        if circle.kind is Visibility.TUTOR and circle.learner_id != author_id:
            continue  # the author is the tutor here: their learner reads nothing through it
        for reader in circle.members - {author_id}:
            standing.add((circle.kind, circle.id, reader))
    return Rights(author_id, frozenset(standing), managers)


def relations(uow: UnitOfWork, person_id: int) -> Relations:
    """Who is bound to `person_id` now, managers left out: their partners, group mates
    and tutors (who see their goals, ratings and plan as their roles allow), and the
    learners they accompany as a tutor."""
    partners: set[int] = set()
    mates: set[int] = set()
    tutors: set[int] = set()
    learners: set[int] = set()
    for circle in standing_circles(uow, person_id):
        others = circle.members - {person_id}
        if circle.kind is Visibility.PARTNER:
            partners |= others
        elif circle.kind is Visibility.GROUP:
            mates |= others
        elif circle.learner_id == person_id:
            tutors |= others
        elif circle.learner_id is not None and person_id not in managers_of(uow, circle.learner_id):
            learners.add(circle.learner_id)
    managers = managers_of(uow, person_id)
    return Relations(
        partners=frozenset(partners - managers),
        group_mates=frozenset(mates - managers),
        tutors=frozenset(tutors - managers),
        learners=frozenset(learners),
    )


def audience(
    uow: UnitOfWork, author_id: int, visibility: Visibility, group_id: int | None = None
) -> tuple[Reader, ...]:
    """The people an entry of `author_id` shared with `visibility` is written for: those
    in that circle now, managers left out. With `group_id` (an advice round's group),
    only that learning group counts."""
    if visibility not in CIRCLE_KINDS:
        return ()
    now = rights(uow, author_id)
    found = {
        reader: Reader(reader, kind, circle)
        for kind, circle, reader in sorted(now.standing)
        if kind is visibility
        and reader not in now.managers
        and (group_id is None or circle == group_id)
    }
    return tuple(found[r] for r in sorted(found))


def write(uow: UnitOfWork, entry: DiaryEntry, group_id: int | None = None) -> DiaryEntry:
    """Store a diary entry with the audience its circle has now: the one way entries are
    written, so who reads them is fixed when they are."""
    entry.audience = audience(uow, entry.author_id, entry.visibility, group_id)
    stored = uow.diary.add(entry)
    if stored.source in WRITTEN and stored.id is not None:  # not one Tandem filed
        uow.publish(DiaryWritten(stored.author_id, stored.id, tuple(stored.tags)))
    return stored


def visibilities_for(viewer_id: int, author_id: int, now: Rights) -> frozenset[Visibility]:
    """The visibilities of `author_id`'s entries that `viewer_id` could read at all: every
    one for the author; for anyone else the kinds of circle around the author they stand
    in now (which entries of those kinds they read is `can_read`'s question). Managers
    and facilitators get nothing here; community entries are never among them (whether
    someone reads one depends on the community it went to)."""
    if viewer_id == author_id:
        return frozenset(Visibility)
    if viewer_id in now.managers:
        return frozenset()
    return frozenset(kind for kind, _, reader in now.standing if reader == viewer_id)


def can_read(
    viewer_id: int,
    entry: DiaryEntry,
    now: Rights,
    community_members: Collection[int] = (),
) -> bool:
    """True if `viewer_id` may read `entry`: its author; for an entry shared with a
    community of practice, that community's present members; for one shared with a
    circle, a reader it was written for whose circle still stands (`now`, the rights
    around its author) and who is no manager of the author."""
    if viewer_id == entry.author_id:
        return True
    if entry.visibility is Visibility.COMMUNITY:
        return viewer_id in community_members
    if entry.visibility not in CIRCLE_KINDS or viewer_id in now.managers:
        return False
    if now.author_id != entry.author_id:
        return False
    return any(
        r.person_id == viewer_id
        and r.kind is entry.visibility
        and (r.kind, r.circle, viewer_id) in now.standing
        for r in entry.audience
    )


def readable(
    uow: UnitOfWork, viewer_id: int, author_id: int, limit: int | None
) -> list[DiaryEntry]:
    """`author_id`'s newest entries that `viewer_id` may read, at most `limit`."""
    now = rights(uow, author_id)
    allowed = visibilities_for(viewer_id, author_id, now)
    if not allowed:
        return []
    found = [
        e for e in uow.diary.by_author(author_id, allowed, None) if can_read(viewer_id, e, now)
    ]
    return found if limit is None else found[:limit]
