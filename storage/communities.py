"""Communities of practice, their members, and the experiences shared in them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select

from bot.domain import (
    Community,
    CommunityMember,
    CommunityPost,
    DiaryEntry,
    EntrySource,
    Visibility,
)
from storage.tables import communities, community_members, community_posts, diary_entries


def _post(row: Any) -> CommunityPost:
    return CommunityPost(
        id=row.id,
        community_id=row.community_id,
        entry_id=row.entry_id,
        author_id=row.author_id,
        title=row.title,
        created_at=row.created_at,
    )


def _member(row: Any) -> CommunityMember:
    return CommunityMember(row.community_id, row.person_id, row.joined_at)


class SqlCommunities:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, community: Community) -> Community:
        community.id = self._c.execute(
            insert(communities).returning(communities.c.id),
            {
                "name": community.name,
                "space": community.space,
                "created_at": community.created_at,
            },
        ).scalar_one()
        return community

    def all(self) -> list[Community]:
        rows = self._c.execute(select(communities).order_by(communities.c.id))
        return [Community(r.name, r.created_at, r.space, r.id) for r in rows]

    def members(self, community_id: int) -> list[CommunityMember]:
        rows = self._c.execute(
            select(community_members)
            .where(community_members.c.community_id == community_id)
            .order_by(community_members.c.joined_at, community_members.c.person_id)
        )
        return [_member(r) for r in rows]

    def memberships_of(self, person_id: int) -> list[CommunityMember]:
        rows = self._c.execute(
            select(community_members)
            .where(community_members.c.person_id == person_id)
            .order_by(community_members.c.community_id)
        )
        return [_member(r) for r in rows]

    def join(self, member: CommunityMember) -> None:
        self._c.execute(
            insert(community_members),
            {
                "community_id": member.community_id,
                "person_id": member.person_id,
                "joined_at": member.joined_at,
            },
        )

    def leave(self, community_id: int, person_id: int) -> bool:
        gone = self._c.execute(
            delete(community_members).where(
                community_members.c.community_id == community_id,
                community_members.c.person_id == person_id,
            )
        ).rowcount
        return gone > 0

    def add_post(self, post: CommunityPost) -> CommunityPost:
        post.id = self._c.execute(
            insert(community_posts).returning(community_posts.c.id),
            {
                "community_id": post.community_id,
                "entry_id": post.entry_id,
                "author_id": post.author_id,
                "title": post.title,
                "created_at": post.created_at,
            },
        ).scalar_one()
        return post

    def posts(self, community_id: int, limit: int | None) -> list[tuple[CommunityPost, DiaryEntry]]:
        query = (
            select(
                community_posts,
                diary_entries.c.text,
                diary_entries.c.tags,
                diary_entries.c.visibility,
                diary_entries.c.source,
                diary_entries.c.number,
                diary_entries.c.created_at.label("entry_created_at"),
            )
            .join(diary_entries, diary_entries.c.id == community_posts.c.entry_id)
            .where(community_posts.c.community_id == community_id)
            .order_by(community_posts.c.created_at.desc(), community_posts.c.id.desc())
            .limit(limit)
        )
        return [
            (
                _post(row),
                DiaryEntry(
                    id=row.entry_id,
                    number=row.number,
                    author_id=row.author_id,
                    text=row.text,
                    tags=tuple(row.tags),
                    visibility=Visibility(row.visibility),
                    source=EntrySource(row.source),
                    created_at=row.entry_created_at,
                ),
            )
            for row in self._c.execute(query)
        ]

    def posts_by(self, author_id: int) -> list[CommunityPost]:
        rows = self._c.execute(
            select(community_posts)
            .where(community_posts.c.author_id == author_id)
            .order_by(community_posts.c.id)
        )
        return [_post(r) for r in rows]

    def delete_person(self, person_id: int) -> int:
        posts = self._c.execute(
            delete(community_posts).where(community_posts.c.author_id == person_id)
        ).rowcount
        memberships = self._c.execute(
            delete(community_members).where(community_members.c.person_id == person_id)
        ).rowcount
        return posts + memberships
