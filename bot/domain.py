"""The domain model: who people are, what they belong to, what they write."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class Platform(StrEnum):
    SLACK = "slack"
    DISCORD = "discord"
    CONSOLE = "console"
    MATRIX = "matrix"


@dataclass(frozen=True)
class Identity:
    """An opaque platform identity: the adapter fills it in, the core only compares it.

    `workspace` is the Slack team id; Discord user ids are global and the console has
    no workspaces, so both use "" there.
    """

    platform: Platform
    workspace: str
    user_id: str

    @property
    def ref(self) -> str:
        """The person reference `tandem export --user` takes (see `parse_ref`)."""
        if self.platform is Platform.SLACK:
            return f"slack:{self.workspace}:{self.user_id}"
        return f"{self.platform.value}:{self.user_id}"


class BadReference(ValueError):
    """A person reference that is not `slack:TEAM:USER`, `discord:USER`, `matrix:@USER:SERVER`
    or `console:NAME`."""


def parse_ref(ref: str) -> Identity:
    """Turn `slack:TEAM:USER`, `discord:USER`, `matrix:@USER:SERVER` (the user id is the
    platform's own, colon and all) or `console:NAME` into an Identity."""
    platform_name, _, rest = ref.strip().partition(":")
    try:
        platform = Platform(platform_name.lower())
    except ValueError:
        raise BadReference(
            f"{ref!r} is not a person reference: use slack:TEAM:USER, discord:USER, "
            "matrix:@USER:SERVER or console:NAME"
        ) from None
    if platform is Platform.SLACK:
        team, _, user = rest.partition(":")
        if not team or not user or ":" in user:
            raise BadReference(f"{ref!r}: a Slack reference is slack:TEAM:USER")
        return Identity(platform, team, user)
    if platform is Platform.MATRIX:
        if not rest.startswith("@") or ":" not in rest[2:] or any(c.isspace() for c in rest):
            raise BadReference(f"{ref!r}: a Matrix reference is matrix:@USER:SERVER")
        return Identity(platform, "", rest)
    if not rest or ":" in rest:
        raise BadReference(f"{ref!r}: a {platform.value} reference is {platform.value}:ID")
    return Identity(platform, "", rest)


class Role(StrEnum):
    """Roles a person holds inside a cohort; facilitator is also granted globally."""

    LEARNER = "learner"
    TUTOR = "tutor"
    MANAGER = "manager"
    FACILITATOR = "facilitator"


@cache
def zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


# File names in the tz database that are no zones.
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=1024)
def is_known_timezone(name: str) -> bool:
    """True for an IANA zone name (`Europe/Berlin`); not for file names in the tz
    database that are no zones (`localtime`, `posixrules`, `Factory`). The same as
    membership in `zone_names()` (available_timezones, which leaves out the `posix/`
    and `right/` copies), without listing the whole database on every start: the
    zone is loaded instead (about 1 ms where the listing takes 35)."""
    if name in NOT_ZONES or name.startswith(("posix/", "right/")):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@dataclass(frozen=True)
class Profile:
    """What the platform tells us about a person; refreshed on each contact.

    A time zone the tz database does not know is dropped, so the default applies.
    """

    display_name: str
    timezone: str | None = None
    locale: str | None = None

    def __post_init__(self) -> None:
        if self.timezone is not None and not is_known_timezone(self.timezone):
            object.__setattr__(self, "timezone", None)


@dataclass
class Person:
    identity: Identity
    display_name: str
    timezone: str
    locale: str
    created_at: datetime
    is_facilitator: bool = False
    timezone_chosen: bool = False  # set by the person: a platform profile no longer overrides it
    # The language the person chose (`/learn language de`): before their platform's locale.
    language: str | None = None
    # xAPI (`/learn privacy lrs on|off`): whether their learning events go to the
    # company's learning record store, and whether assessment levels go with them.
    # Off until the person says yes; nobody else can switch it on.
    lrs: bool = False
    lrs_results: bool = False
    id: int | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class CohortStatus(StrEnum):
    PREPARATION = "preparation"
    LEARNING = "learning"
    CLOSED = "closed"


@dataclass
class Cohort:
    name: str
    created_at: datetime
    status: CohortStatus = CohortStatus.PREPARATION
    space: str | None = None  # the platform channel its learning groups' threads go in
    # The learners its figures are over: fixed at kickoff (see bot/handlers/report.py).
    roster: tuple[int, ...] | None = None
    # The summed figures of roster members who erased their data, in no one's name.
    former_figures: dict[str, int] | None = None
    # When its facilitator proposed that its learners send their learning events to the
    # LRS (`/learn cohort lrs`): a proposal only, each learner still says yes or not.
    lrs_proposed_at: datetime | None = None
    id: int | None = None


class MembershipStatus(StrEnum):
    INVITED = "invited"  # asked to join; not yet a learner of the cohort
    ACTIVE = "active"
    DECLINED = "declined"
    LEFT = "left"


@dataclass(frozen=True)
class Membership:
    """A person's role in one cohort. `accompanies` names the learner a tutor accompanies;
    `team` is a free label (a department), which pairing and grouping spread."""

    cohort_id: int
    person_id: int
    role: Role
    joined_at: datetime
    accompanies: int | None = None
    status: MembershipStatus = MembershipStatus.ACTIVE
    team: str | None = None
    ended_at: datetime | None = None  # left, or the cohort closed: the relation is history
    id: int | None = None

    @property
    def standing(self) -> bool:
        """Active and not ended: the person is in the cohort in this role now."""
        return self.status is MembershipStatus.ACTIVE and self.ended_at is None


@dataclass
class Partnership:
    """A learning partnership (a tandem, or a triad) in a cohort; ended when re-paired."""

    cohort_id: int
    members: tuple[int, ...]
    created_at: datetime
    ended_at: datetime | None = None
    id: int | None = None


@dataclass
class LearningGroup:
    """A learning group; `space` is the platform's thread or channel for it, once made."""

    cohort_id: int
    name: str
    members: tuple[int, ...]
    created_at: datetime
    space: str | None = None
    ended_at: datetime | None = None  # regrouped or the cohort closed
    id: int | None = None


# -- places: where a message goes other than a person's DM ------------------------------


@dataclass(frozen=True)
class Thread:
    """A place: a thread Tandem starts in a platform channel (a colleague-advice round's),
    or a post of its own there (a community's shared experience). `channel` is the
    platform's id for the channel ("console" in the console), `name` Tandem's name for
    the thread ("advice:3", "cop:7"), which the platform keeps with its first post so a
    message written in the thread finds it again."""

    channel: str
    name: str


@dataclass(frozen=True)
class GroupSpace:
    """A place: a learning group's own space, readable by its present members only (on
    Slack a private channel, on Discord a private thread in the channel `cohort space`
    named, on the console its members' screens). The core says which group; the adapter
    makes the space once, keeps its members those of the group now, and posts there."""

    group_id: int
    name: str  # the group's name, to name the space by
    parent: str | None = None  # the channel `cohort space` named, if any


Place = Thread | GroupSpace


class Visibility(StrEnum):
    """Who may read a diary entry besides its author. Private unless the author shares it."""

    PRIVATE = "private"
    PARTNER = "partner"
    GROUP = "group"
    TUTOR = "tutor"
    COMMUNITY = "community"  # the members of the community of practice it was shared in


# Circles a person picks with `diary --share`; an entry reaches a community only by
# `cop share`, which names the community.
SHARE_CHOICES = (Visibility.PRIVATE, Visibility.PARTNER, Visibility.GROUP, Visibility.TUTOR)


class EntrySource(StrEnum):
    COMMAND = "command"
    CHECK_IN = "check-in"
    LATE_CHECK_IN = "late-check-in"  # a reply typed after its check-in was marked missed
    THREAD = "thread"
    ADVICE_ROUND = "advice-round"
    PLAN = "plan"  # the reflection on a milestone reached
    COMMUNITY = "community"  # an experience shared in a community of practice


@dataclass
class DiaryEntry:
    author_id: int
    text: str
    created_at: datetime
    tags: tuple[str, ...] = ()
    visibility: Visibility = Visibility.PRIVATE
    source: EntrySource = EntrySource.COMMAND
    # who was in the circle it was shared with when it was written (bot.privacy.audience)
    audience: tuple[Reader, ...] = ()
    id: int | None = None
    number: int | None = None  # the author's own count (1 = their first), never reused


@dataclass(frozen=True)
class Reader:
    """One person in the audience an entry was written for, and through which circle:
    a partnership (`circle` its id), a learning group (the group's id) or a tutor
    relation (the tutor's membership id). They read it while that circle stands."""

    person_id: int
    kind: Visibility
    circle: int


@dataclass(frozen=True)
class Circle:
    """A circle that stands now around a person: a partnership, a learning group (its
    members whose membership has not ended) or a tutor relation (`learner_id` is the
    learner accompanied, `members` the tutor and the learner)."""

    kind: Visibility
    id: int
    cohort_id: int
    members: frozenset[int]
    learner_id: int | None = None


class OutboxKind(StrEnum):
    MESSAGE = "message"
    CHECKIN = "checkin"  # proactive: counts against the daily cap
    REMINDER = "reminder"  # proactive
    CHECKIN_REQUESTED = "checkin-requested"  # `/learn checkin now`: asked for, not proactive
    SNOOZED = "snoozed"  # asked again after the reminder, as the person snoozed: asked for


PROACTIVE_KINDS = frozenset({OutboxKind.CHECKIN, OutboxKind.REMINDER})


class OutboxStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class OutboxMessage:
    """Something to say to a person later; written in the transaction that caused it.

    `payload` is a neutral Reply serialised as JSON; the adapter renders it on delivery.
    `idempotency_key` is unique: writing the same message twice stores it once.
    """

    recipient_id: int
    payload: str
    idempotency_key: str
    due_at: datetime
    created_at: datetime
    kind: OutboxKind = OutboxKind.MESSAGE
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    id: int | None = None


@dataclass
class LrsStatement:
    """One xAPI statement in the LRS lane of the outbox: written in the transaction of
    the learning event it tells of, sent to the LRS in batches by its own worker.

    `person_id`: whose statement it is (None for a voiding statement: it is sent on
    Tandem's own behalf after the person is erased). `statement_id` is deterministic
    (uuid5 over the event's identity) and unique: writing it twice stores it once, and a
    retry sends the same statement. `voids`: the statement id a voiding statement voids.
    """

    statement_id: str
    person_id: int | None
    body: str  # the statement as JSON
    due_at: datetime
    created_at: datetime
    voids: str | None = None
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    id: int | None = None


class InboxStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"


@dataclass
class InboxItem:
    """One incoming unit of work, recorded before the platform is told it arrived. `key`
    names the request (Slack's event_id, a digest of a signed request, a Discord
    interaction id) under a unique constraint; `kind` says which work runs it; `payload`
    is what that work needs (JSON)."""

    key: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    status: InboxStatus = InboxStatus.PENDING
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    id: int | None = None


@dataclass
class InboxClaim:
    """A worker's hold on an inbox row: the core marks the row done in the transaction of
    the work (exactly once), and only while `worker` still holds it. `finished` is set
    once that commit happened, so the worker need not mark the row itself."""

    item_id: int
    worker: str
    finished: bool = False


@dataclass(frozen=True)
class Incoming:
    """An incoming platform event, for deduplication. `key` names it (Slack's event_id;
    a click's person, message and button); within `window` of the last time the same key
    was acted on, it is a duplicate (a retry, a double click). No window: one act, ever.
    `inbox`: the inbox row this work comes from, marked done with the work's change;
    `keyed_by_inbox`: that row's key names this very event (Slack's event_id, a view's
    submission), so the inbox's unique key is its only record: one mechanism, not two."""

    key: str
    window: timedelta | None = None
    inbox: InboxClaim | None = None
    keyed_by_inbox: bool = False


@dataclass(frozen=True)
class Relations:
    """The people a learner is bound to now (`bot.privacy.relations`): partners, group
    mates and tutors; and, for a tutor, the learners they accompany."""

    partners: frozenset[int] = field(default_factory=frozenset)
    group_mates: frozenset[int] = field(default_factory=frozenset)
    tutors: frozenset[int] = field(default_factory=frozenset)
    learners: frozenset[int] = field(default_factory=frozenset)


@dataclass
class AdviceRecord:
    """A colleague-advice round as stored: its state is `bot.advice.AdviceRound.to_dict()`;
    `space` is the channel its thread is in (None on the console)."""

    group_id: int
    case_giver_id: int
    state: dict[str, Any]
    status: str
    created_at: datetime
    updated_at: datetime
    space: str | None = None
    id: int | None = None


@dataclass
class Community:
    """A community of practice: people who share experiences on a topic. `space` is the
    platform channel it lives in (a forum channel on Discord), where it was opened."""

    name: str
    created_at: datetime
    space: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class CommunityMember:
    community_id: int
    person_id: int
    joined_at: datetime


@dataclass
class CommunityPost:
    """An experience shared in a community: the diary entry it is filed as (visibility
    community), under a title; the same is posted in the community's space."""

    community_id: int
    entry_id: int
    author_id: int
    title: str
    created_at: datetime
    id: int | None = None


class AskKind(StrEnum):
    """A question the bot put to one person that waits for their Yes or No."""

    SEND_TASK = "send-task"  # `agree @x` to someone who is not their manager: send it anyway?
    GROUP_CADENCE = "group-cadence"  # a group mate proposed the group's check-in cadence


class AskStatus(StrEnum):
    OPEN = "open"
    YES = "yes"  # sent / accepted
    NO = "no"  # cancelled / kept one's own


@dataclass
class Ask:
    """A question waiting for `person_id`'s answer (a button). `about_id` is the other
    person it concerns (the one a task would be sent to), `group_id` the group whose
    cadence it proposes; `data` holds what answering Yes does (the task, the schedule)."""

    kind: AskKind
    person_id: int
    created_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    about_id: int | None = None
    group_id: int | None = None
    status: AskStatus = AskStatus.OPEN
    answered_at: datetime | None = None
    id: int | None = None
