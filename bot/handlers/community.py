"""`/learn cop`: communities of practice.

A facilitator opens a community in the channel it is to live in (a forum channel on
Discord); anyone joins or leaves it. A member shares an experience: it is filed in their
diary with visibility `community` (only the community's members read it, besides the
author) and posted in the community's space through the outbox (a forum post on
Discord, a channel message on Slack, printed on the console). `cop posts` lists what
was shared, for members only.
"""

from __future__ import annotations

import re
from typing import Any

from bot.commands import (
    JoinCommunity,
    LeaveCommunity,
    OpenCommunity,
    ShareExperience,
    ShowCommunities,
    ShowCommunityPosts,
)
from bot.domain import (
    Community,
    CommunityMember,
    CommunityPost,
    DiaryEntry,
    EntrySource,
    OutboxKind,
    Thread,
    Visibility,
)
from bot.events import CommunityOpened, ExperienceShared
from bot.handlers.cohorts import require_facilitator
from bot.handlers.context import Context, UserError
from bot.i18n import N_, _, ngettext
from bot.ports import UnitOfWork
from bot.privacy import Rights, can_read, write
from bot.replies import Audience, Reply, Section
from bot.wording import pattern

COP = "cop"
CONSOLE_SPACE = "console"
POSTS_LIMIT = 20
PREVIEW_CHARS = 500
DAY = N_("EEE dd MMM yyyy")  # a post's day in the list (a CLDR pattern)


def post_thread(community: Community, post: CommunityPost) -> Thread:
    """The post's place: the community's channel, and `cop:<post id>` to find it by."""
    return Thread(channel=community.space or CONSOLE_SPACE, name=f"{COP}:{post.id}")


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _find(ctx: Context, name: str) -> Community:
    key = _key(name)
    for community in ctx.uow.communities.all():
        if _key(community.name) == key:
            return community
    raise UserError(
        _("I know no community of practice called {name}. `/learn cop` lists them.").format(
            name=name[:40]
        )
    )


def _find_for_post(ctx: Context, name: str, title: str) -> tuple[Community, str]:
    """The community a post names and the post's title: the line read its first word
    as the name (`cop share code review Tips | ...`), so the name is the longest
    community name the words begin with, and the title what follows it."""
    words = f"{name} {title}"
    best: tuple[Community, str] | None = None
    for community in ctx.uow.communities.all():
        pattern = r"\s+".join(map(re.escape, community.name.split()))
        found = re.match(rf"{pattern}(?=\s|\Z)", words, re.IGNORECASE)
        if found is not None and (best is None or len(community.name) > len(best[0].name)):
            best = community, words[found.end() :].strip()
    if best is None:
        return _find(ctx, name), title
    community, rest = best
    if not rest:
        raise UserError(
            _("Give your post a title: `/learn cop share {name} <title> | <experience>`.").format(
                name=community.name
            )
        )
    return community, rest


def _is_member(ctx: Context, community: Community) -> bool:
    assert community.id is not None
    return any(m.person_id == ctx.asker.id for m in ctx.uow.communities.members(community.id))


def show(ctx: Context, command: ShowCommunities) -> list[Reply]:
    assert ctx.asker.id is not None
    communities = ctx.uow.communities.all()
    if not communities:
        how = (
            _("Open one in the channel it is to live in: `/learn cop open <name>`.")
            if ctx.policy.is_facilitator(ctx.asker)
            else _("A facilitator opens them.")
        )
        return [Reply(text=_("There are no communities of practice yet.") + f" {how}")]
    mine = {m.community_id for m in ctx.uow.communities.memberships_of(ctx.asker.id)}
    sections = []
    for community in communities:
        assert community.id is not None
        count = len(ctx.uow.communities.members(community.id))
        people = ngettext("{n} member", "{n} members", count).format(n=count)
        yours = " · " + _("you are a member") if community.id in mine else ""
        sections.append(Section(title=community.name, text=f"{people}{yours}"))
    return [
        Reply(
            text=_("Communities of practice. Join one: `/learn cop join <name>`."),
            sections=tuple(sections),
        )
    ]


def open_community(ctx: Context, command: OpenCommunity) -> list[Reply]:
    require_facilitator(ctx)
    if any(c.name.casefold() == command.name.casefold() for c in ctx.uow.communities.all()):
        raise UserError(
            _("A community of practice called {name} exists already.").format(name=command.name)
        )
    community = ctx.uow.communities.add(
        Community(name=command.name, created_at=ctx.now, space=ctx.where or CONSOLE_SPACE)
    )
    assert community.id is not None
    ctx.publish(CommunityOpened(community.id))  # its members' weekly digest of new posts
    return [
        Reply(
            text=_(
                "The community of practice {name} is open and lives here: shared "
                "experiences are posted in this channel. People join with "
                "`/learn cop join {name}`."
            ).format(name=community.name)
        )
    ]


def join(ctx: Context, command: JoinCommunity) -> list[Reply]:
    assert ctx.asker.id is not None
    community = _find(ctx, command.name)
    assert community.id is not None
    if _is_member(ctx, community):
        return [Reply(text=_("You are a member of {name} already.").format(name=community.name))]
    ctx.uow.communities.join(CommunityMember(community.id, ctx.asker.id, ctx.now))
    return [
        Reply(
            text=_(
                "Welcome to {name}. Share an experience: "
                "`/learn cop share {name} <title> | <what happened, what you learned>`; "
                "`/learn cop posts {name}` shows what others shared."
            ).format(name=community.name)
        )
    ]


def leave(ctx: Context, command: LeaveCommunity) -> list[Reply]:
    assert ctx.asker.id is not None
    community = _find(ctx, command.name)
    assert community.id is not None
    if not ctx.uow.communities.leave(community.id, ctx.asker.id):
        raise UserError(_("You are not a member of {name}.").format(name=community.name))
    return [
        Reply(
            text=_(
                "You left {name}. What you shared stays with its members; "
                "what they share you no longer read."
            ).format(name=community.name)
        )
    ]


def share(ctx: Context, command: ShareExperience) -> list[Reply]:
    assert ctx.asker.id is not None
    community, title = _find_for_post(ctx, command.name, command.title)
    assert community.id is not None
    if not _is_member(ctx, community):
        raise UserError(
            _("Only members share in {name}. Join first: `/learn cop join {name}`.").format(
                name=community.name
            )
        )
    resolved = ctx.policy.resolve_tags(command.tags)
    entry = write(
        ctx.uow,
        DiaryEntry(
            author_id=ctx.asker.id,
            text=command.text,
            tags=resolved.all,
            visibility=Visibility.COMMUNITY,
            source=EntrySource.COMMUNITY,
            created_at=ctx.now,
        ),
    )
    assert entry.id is not None
    post = ctx.uow.communities.add_post(
        CommunityPost(
            community_id=community.id,
            entry_id=entry.id,
            author_id=ctx.asker.id,
            title=title,
            created_at=ctx.now,
        )
    )
    assert post.id is not None
    ctx.publish(ExperienceShared(ctx.asker.id, post.id))
    asker = ctx.asker
    ctx.send_later(
        lambda: Reply(
            text=title,
            sections=(
                Section(
                    title=_("{person} shares in {community}").format(
                        person=asker.display_name, community=community.name
                    ),
                    text=command.text,
                ),
            ),
            audience=Audience.POST,
            thread=post_thread(community, post),
            recipient_id=asker.id,
        ),
        key=f"{COP}:{community.id}:post:{post.id}",
        kind=OutboxKind.MESSAGE,
        due_at=ctx.now,
        to=ctx.asker.id,
    )
    return [
        Reply(
            text=_(
                "Shared in {name} and filed in your diary. Its members can read it; no one else."
            ).format(name=community.name)
        )
    ]


def posts(ctx: Context, command: ShowCommunityPosts) -> list[Reply]:
    assert ctx.asker.id is not None
    community = _find(ctx, command.name)
    assert community.id is not None
    members = {m.person_id for m in ctx.uow.communities.members(community.id)}
    if ctx.asker.id not in members:
        raise UserError(
            _(
                "Only members of {name} read what is shared there. Join: `/learn cop join {name}`."
            ).format(name=community.name)
        )
    found = ctx.uow.communities.posts(community.id, POSTS_LIMIT)
    # The query gives the community's posts; check each entry again so a storage bug
    # cannot show an entry that was never shared with this community.
    readable = [
        (post, entry)
        for post, entry in found
        if post.community_id == community.id
        and entry.visibility is Visibility.COMMUNITY
        and can_read(ctx.asker.id, entry, Rights(entry.author_id), members)
    ]
    if not readable:
        return [
            Reply(
                text=_(
                    "Nothing shared in {name} yet. Be the first: "
                    "`/learn cop share {name} <title> | <experience>`."
                ).format(name=community.name)
            )
        ]
    names = ctx.uow.people.get_many({post.author_id for post, _entry in readable})
    sections = []
    for post, entry in readable:
        author = names.get(post.author_id)
        when = pattern(ctx.local(post.created_at), DAY)
        text = entry.text if len(entry.text) <= PREVIEW_CHARS else entry.text[:PREVIEW_CHARS] + "…"
        by = author.display_name if author else _("someone")
        sections.append(Section(title=f"{post.title} · {by} · {when}", text=text))
    return [
        Reply(
            text=_("Shared in {name}, newest first").format(name=community.name),
            sections=tuple(sections),
        )
    ]


def export_of(uow: UnitOfWork, person_id: int) -> dict[str, Any]:
    """A person's communities and the experiences they shared (the texts are in their
    diary): for `privacy export`."""
    names = {c.id: c.name for c in uow.communities.all()}
    return {
        "memberships": [
            {"community": names.get(m.community_id), "joined_at": m.joined_at.isoformat()}
            for m in uow.communities.memberships_of(person_id)
        ],
        "shared": [
            {
                "community": names.get(p.community_id),
                "title": p.title,
                "diary_entry_id": p.entry_id,
                "created_at": p.created_at.isoformat(),
            }
            for p in uow.communities.posts_by(person_id)
        ],
    }
