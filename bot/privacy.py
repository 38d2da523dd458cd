"""Who may read what. Every read path in the core asks here before it shows anything."""

from __future__ import annotations

from collections.abc import Collection

from bot.domain import DiaryEntry, Relations, Visibility


def visibilities_for(
    viewer_id: int, author_id: int, author_relations: Relations
) -> frozenset[Visibility]:
    """The visibilities of `author_id`'s entries that `viewer_id` may read.

    The author reads everything they wrote. Anyone else reads an entry only if it was
    shared with a circle they belong to: the author's partner, learning group or tutor.
    Managers and facilitators get nothing here: they never read a diary. An entry
    shared with a community of practice is not among them either: whether someone may
    read it depends on the community it went to (`can_read` with its members).
    """
    if viewer_id == author_id:
        return frozenset(Visibility)
    allowed: set[Visibility] = set()
    if viewer_id in author_relations.partners:
        allowed.add(Visibility.PARTNER)
    if viewer_id in author_relations.group_mates:
        allowed.add(Visibility.GROUP)
    if viewer_id in author_relations.tutors:
        allowed.add(Visibility.TUTOR)
    return frozenset(allowed)


def can_read(
    viewer_id: int,
    entry: DiaryEntry,
    author_relations: Relations,
    community_members: Collection[int] = (),
) -> bool:
    """True if `viewer_id` may read `entry`, given the relations of its author and, for
    an entry shared with a community of practice, that community's present members
    (someone who left reads no more; managers and facilitators only as members)."""
    if entry.visibility is Visibility.COMMUNITY:
        return viewer_id == entry.author_id or viewer_id in community_members
    return entry.visibility in visibilities_for(viewer_id, entry.author_id, author_relations)
