"""The weekly digests: a tutor's learners who may be drifting away, and a community of
practice's new posts.

Both are timers (bot/timers.py): one row per tutor (`nudges`, their person id) and one per
community (`cop-digest`, its id), due at the digest's weekday and time
(`NudgeRules.weekday`, `.at`) in the tutor's own time zone (a community's in the
deployment's). The heartbeat takes a due one (locked: replicas never take the same),
writes the week's digests to the outbox and sets the next one, in one transaction. The
outbox keys name the tutor (or community and member) and the week, so a second
heartbeat, a restart or a second replica writes nothing twice.

The tutor's digest names learners and the rule each meets, never what they wrote, and is
made only of what the tutor may know (a private entry's date does not end a quiet
drift in it, nor change its count: bot/nudges.py `seen_by`). The
learner gets one kind note per drift (keyed by what identifies that drift, see
bot/nudges.py), not one a week. A paused learner (`checkin pause`) is left out of both;
a learner who left is no longer the tutor's learner; a tutor who left gets none and their
timer ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import privacy
from bot.domain import Community, CommunityPost, OutboxKind, Person, Role, Visibility
from bot.events import CommunityOpened, TutorAssigned
from bot.handlers.community import post_thread
from bot.i18n import _, ngettext
from bot.nudges import Drift, NudgeRules, Rule, drifts
from bot.policy import Policy
from bot.ports import UnitOfWork
from bot.privacy import Rights, can_read
from bot.recurrence import out_of_quiet_hours, weekly_occurrences
from bot.replies import Audience, Reply, Section
from bot.scope import Scope
from bot.timers import Timer

NUDGES = "nudges"
COP_DIGEST = "cop-digest"
WEEK = timedelta(days=7)


def next_digest(rules: NudgeRules, zone: ZoneInfo, after: datetime) -> datetime:
    """The first digest time (the rules' weekday and local time in `zone`) after `after`."""
    return weekly_occurrences({rules.weekday}, rules.at, zone, after, 1)[0]


def _week(moment: datetime, zone: ZoneInfo) -> str:
    year, week, _day = moment.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


# -- arming: a new tutor relation, a new community ---------------------------------------


def start_tutor_digest(event: TutorAssigned, scope: Scope) -> None:
    """A tutor got a learner: their weekly digest is due at the next digest time (kept as
    it is if they have one already)."""
    tutor = scope.uow.people.get(event.tutor_id)
    if tutor is None:
        return
    due = next_digest(scope.policy.nudges, tutor.zone, scope.now)
    scope.uow.timers.set(Timer(NUDGES, str(event.tutor_id), due))


def start_community_digest(event: CommunityOpened, scope: Scope) -> None:
    """A community was opened: its members' weekly digest of new posts begins."""
    zone = ZoneInfo(scope.policy.default_timezone)
    due = next_digest(scope.policy.nudges, zone, scope.now)
    scope.uow.timers.set(Timer(COP_DIGEST, str(event.community_id), due))


# -- the tutor's digest and the learner's note -------------------------------------------


def _is_tutor(uow: UnitOfWork, person_id: int) -> bool:
    return any(m.role is Role.TUTOR and m.standing for m in uow.memberships.of(person_id))


def _paused(uow: UnitOfWork, learner_id: int, now: datetime) -> bool:
    schedule = uow.schedules.get(learner_id)
    return (
        schedule is not None and schedule.paused_until is not None and schedule.paused_until > now
    )


def _joined(uow: UnitOfWork, learner_id: int) -> datetime | None:
    joined = [
        m.joined_at for m in uow.memberships.of(learner_id) if m.role is Role.LEARNER and m.standing
    ]
    return max(joined, default=None)


def rule_line(drift: Drift) -> str:
    """What the tutor reads of a drift: the rule, in the current language."""
    if drift.rule is Rule.MISSED_CHECKINS:
        return ngettext(
            "missed {n} check-in in a row",
            "missed {n} check-ins in a row",
            drift.count,
        ).format(n=drift.count)
    if drift.rule is Rule.QUIET:
        return ngettext(
            "nothing you can see (a diary entry shared with you, a check-in answer, "
            "co-coaching) for {n} day",
            "nothing you can see (a diary entry shared with you, a check-in answer, "
            "co-coaching) for {n} days",
            drift.count,
        ).format(n=drift.count)
    if drift.rule is Rule.NOT_MET:
        return ngettext(
            "“we didn't meet” {n} time in a row in co-coaching",
            "“we didn't meet” {n} times in a row in co-coaching",
            drift.count,
        ).format(n=drift.count)
    return ngettext(
        "a milestone {n} day overdue",
        "a milestone {n} days overdue",
        drift.count,
    ).format(n=drift.count)


def learner_note(drift: Drift) -> Reply:
    """The kind note to the learner about one drift, in the current language."""
    if drift.rule is Rule.MISSED_CHECKINS:
        text = _(
            "The last check-ins passed you by. That happens. If the days or the time do "
            "not suit you, change them: `/learn checkin every mon,thu 09:00`; if you need "
            "a break, take one: `/learn checkin pause 2w`."
        )
    elif drift.rule is Rule.QUIET:
        text = ngettext(
            "I have not heard from you for {n} day. How is your practical project going? "
            "One line in your diary is enough: `/learn diary <what you tried>`.",
            "I have not heard from you for {n} days. How is your practical project going? "
            "One line in your diary is enough: `/learn diary <what you tried>`.",
            drift.count,
        ).format(n=drift.count)
    elif drift.rule is Rule.NOT_MET:
        text = _(
            "You and your learning partner did not manage to meet the last times. A fixed "
            "date often helps: agree on the next one together now."
        )
    else:
        text = _(
            "One of your milestones is past its date. Reached it after all? "
            "`/learn plan done <number> <what you learned>`. If not, `/learn plan` shows "
            "where you stand; your tutor is glad to think it through with you."
        )
    return Reply(text=text, audience=Audience.DM)


def tutor_digest(uow: UnitOfWork, timer: Timer, now: datetime, policy: Policy) -> bool:
    """A tutor's digest fell due: one message naming their present learners who drift
    (and the rules they meet), a note to each such learner once per drift, and the next
    week's timer. A tutor who is no tutor any more gets nothing, and no next one."""
    tutor_id = int(timer.subject)
    tutor = uow.people.get(tutor_id)
    if tutor is None or not _is_tutor(uow, tutor_id):
        return False
    rules = policy.nudges
    uow.timers.set(Timer(NUDGES, timer.subject, next_digest(rules, tutor.zone, now)))
    scope = Scope(uow=uow, now=now, policy=policy)
    learners = uow.people.get_many(privacy.relations(uow, tutor_id).learners)
    found: list[tuple[Person, list[Drift]]] = []
    wrote = False
    for learner in sorted(learners.values(), key=lambda p: (p.display_name.casefold(), p.id)):
        assert learner.id is not None
        joined = _joined(uow, learner.id)
        if joined is None or _paused(uow, learner.id, now):
            continue
        # The tutor is told what they may know; the learner's note is about their own
        # drift (a private entry counts for them, never in the tutor's view).
        drifting = drifts(uow, learner.id, joined, now, rules, seen_by=tutor_id)
        if drifting:
            found.append((learner, drifting))
        for drift in drifts(uow, learner.id, joined, now, rules):

            def note(drift: Drift = drift) -> Reply:  # in the learner's language
                return learner_note(drift)

            wrote |= scope.send_later(
                note,
                key=f"nudge:{learner.id}:{drift.rule.value}:{drift.since}",
                kind=OutboxKind.MESSAGE,
                due_at=out_of_quiet_hours(now, learner.zone),
                to=learner.id,
            )
    if not found:
        return wrote

    def digest() -> Reply:  # in the tutor's language
        sections = tuple(
            Section(
                title=learner.display_name,
                text="\n".join(f"• {rule_line(d)}" for d in drifting),
            )
            for learner, drifting in found
        )
        return Reply(
            text=ngettext(
                "This week {n} of your learners may be drifting away:",
                "This week {n} of your learners may be drifting away:",
                len(found),
            ).format(n=len(found)),
            sections=sections,
            audience=Audience.DM,
            next_step=_(
                "A short word from you often helps; `/learn progress --of @learner` shows "
                "where they stand. Whoever drifts by all they did, private entries "
                "included, gets a kind note from me."
            ),
        )

    wrote |= scope.send_later(
        digest,
        key=f"{NUDGES}:{tutor_id}:{_week(timer.due_at, tutor.zone)}",
        kind=OutboxKind.MESSAGE,
        due_at=now,
        to=tutor_id,
    )
    return wrote


# -- the community's digest ---------------------------------------------------------------


def community_digest(uow: UnitOfWork, timer: Timer, now: datetime, policy: Policy) -> bool:
    """A community's digest fell due: each present member gets the week's new posts of
    the others (title, author, where it is), in their language; nothing when there is
    nothing new. The next one is set for a week later."""
    community_id = int(timer.subject)
    community = next((c for c in uow.communities.all() if c.id == community_id), None)
    if community is None:
        return False
    zone = ZoneInfo(policy.default_timezone)
    uow.timers.set(Timer(COP_DIGEST, timer.subject, next_digest(policy.nudges, zone, now)))
    start, end = timer.due_at - WEEK, timer.due_at
    members = {m.person_id for m in uow.communities.members(community_id)}
    new = [
        (post, entry)
        for post, entry in uow.communities.posts(community_id, None)
        if start <= post.created_at < end
        and post.community_id == community_id
        and entry.visibility is Visibility.COMMUNITY
    ]
    if not new or not members:
        return False
    authors = uow.people.get_many({post.author_id for post, _entry in new})
    people = uow.people.get_many(members)
    scope = Scope(uow=uow, now=now, policy=policy)
    wrote = False
    for member_id in sorted(members):
        member = people.get(member_id)
        theirs = [
            post
            for post, entry in sorted(new, key=lambda pair: pair[0].created_at)
            if post.author_id != member_id
            and can_read(member_id, entry, Rights(entry.author_id), members)
        ]
        if member is None or not theirs:
            continue

        def posts_digest(posts: list[CommunityPost] = theirs) -> Reply:  # their language
            return _posts_digest(community, posts, authors)

        wrote |= scope.send_later(
            posts_digest,
            key=f"{COP_DIGEST}:{community_id}:{timer.due_at.isoformat()}:{member_id}",
            kind=OutboxKind.MESSAGE,
            due_at=out_of_quiet_hours(now, member.zone),
            to=member_id,
        )
    return wrote


def _posts_digest(
    community: Community, posts: list[CommunityPost], authors: dict[int, Person]
) -> Reply:
    """A member's digest of `posts`: title, author and where each is."""
    sections = []
    for post in posts:
        author = authors.get(post.author_id)
        by = author.display_name if author is not None else _("someone")
        sections.append(
            Section(
                title=post.title,
                text=_("by {person}").format(person=by),
                place=post_thread(community, post),
            )
        )
    return Reply(
        text=ngettext(
            "New in {community} this week: {n} post.",
            "New in {community} this week: {n} posts.",
            len(posts),
        ).format(community=community.name, n=len(posts)),
        sections=tuple(sections),
        audience=Audience.DM,
        next_step=_("`/learn cop posts {community}` shows them all.").format(
            community=community.name
        ),
    )
