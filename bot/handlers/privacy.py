"""A person's own data: what we keep, an export of all of it, and erasure on request."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any

from bot import privacy, xapi
from bot.commands import ExportMyData, ForgetMe, ShowPrivacy
from bot.domain import (
    DiaryEntry,
    EntrySource,
    MembershipStatus,
    OutboxMessage,
    Partnership,
    Person,
    Role,
    Visibility,
)
from bot.events import GroupMembersChanged, PersonErased
from bot.handlers import advice, community, lrs, nudges, partner, report
from bot.handlers.cohorts import leave
from bot.handlers.context import Context
from bot.i18n import _, ngettext
from bot.ports import UnitOfWork
from bot.replies import Attachment, Button, ButtonStyle, Reply, Section
from bot.wording import format_number, together


def _entry(entry: DiaryEntry) -> dict[str, Any]:
    """An entry as exported: who it was written for as a count (their ids are theirs)."""
    found = asdict(entry)
    found["audience"] = len(entry.audience)
    return found


def export_document(uow: UnitOfWork, person: Person, now: datetime) -> dict[str, Any]:
    """Everything stored about `person`, as JSON-ready data."""
    assert person.id is not None
    schedule = uow.schedules.get(person.id)
    relations = privacy.relations(uow, person.id)
    return {
        "person": {
            "ref": person.identity.ref,
            "display_name": person.display_name,
            "timezone": person.timezone,
            "locale": person.locale,
            "language": person.language,
            "timezone_chosen": person.timezone_chosen,
            "lrs": person.lrs,
            "lrs_results": person.lrs_results,
            "is_facilitator": person.is_facilitator,
            "created_at": person.created_at.isoformat(),
        },
        "memberships": [_jsonable(asdict(m)) for m in uow.memberships.of(person.id)],
        # Who one is bound to, as counts: the others' names are theirs, not this export's.
        "relations": {
            "learning_partners": len(relations.partners),
            "learning_group_mates": len(relations.group_mates),
            "tutors": len(relations.tutors),
        },
        "diary": [
            _jsonable(_entry(e)) for e in uow.diary.by_author(person.id, Visibility, limit=None)
        ],
        "checkin_schedule": _jsonable(asdict(schedule)) if schedule else None,
        "checkins": [_jsonable(asdict(c)) for c in uow.checkins.for_person(person.id)],
        "assessments": [_jsonable(asdict(a)) for a in uow.assessments.for_person(person.id)],
        "goals": [_jsonable(asdict(g)) for g in uow.goals.for_learner(person.id)],
        "comments_on_goals": [
            {"goal": goal_id, **_jsonable(asdict(c))}
            for goal_id, c in uow.goals.comments_by(person.id)
        ],
        "not_to_be_paired_with": sorted(
            p.identity.ref
            for p in uow.people.get_many(uow.proposals.exclusions([person.id])[person.id]).values()
        ),
        "learning_plan": _jsonable(asdict(uow.plans.get(person.id))),
        "colleague_advice": advice.export_of(uow, person.id),
        "communities_of_practice": community.export_of(uow, person.id),
        "practical_tasks_proposed": [
            _jsonable(asdict(a)) for a in uow.agreements.for_learner(person.id)
        ],
        "practical_tasks_asked_to_agree": [
            _jsonable(asdict(a)) for a in uow.agreements.for_manager(person.id)
        ],
        "messages": [_jsonable(asdict(m)) for m in uow.outbox.for_recipient(person.id)],
        # The xAPI statements about them for the learning record store, as sent.
        "learning_record_store": [
            {
                "statement": json.loads(s.body),
                "status": s.status.value,
                "sent_at": s.sent_at.isoformat() if s.sent_at else None,
            }
            for s in uow.lrs.of_person(person.id)
        ],
        # What forget would end: requests recorded and not yet taken up (only their kind
        # and time: a platform's raw payload carries its own tokens and ids).
        "requests_not_yet_done": [
            _jsonable({"kind": item.kind, "received_at": item.created_at})
            for item in uow.inbox.unheld_mentioning([person.identity.user_id], now)
        ],
        "co_coaching": [
            _jsonable(asdict(r))
            for r in uow.cocoaching.for_partnerships(
                p.id for p in _partnerships_of(uow, person.id) if p.id is not None
            )
        ],
        "co_coaching_meetings": [
            _jsonable(asdict(m))
            for m in uow.meetings.for_partnerships(
                p.id for p in _partnerships_of(uow, person.id) if p.id is not None
            )
        ],
        "pairing_proposals": [
            {"cohort": cohort_id, "kind": kind}
            for cohort_id, kind in uow.proposals.with_person(person.id)
        ],
        "counted_in_figures_of_cohorts": [
            c.id for c in uow.cohorts.all() if c.roster and person.id in c.roster
        ],
        # What others were sent about them: which of their words it quoted, and whether it
        # named them (the rest of such a message is others' and stays out of this export).
        "messages_to_others_about_you": _about_you(uow, person),
        # Questions put to the person (send a task anyway? a group's cadence): theirs only.
        "questions_asked": [
            _jsonable(asdict(a)) for a in uow.asks.of_person(person.id) if a.person_id == person.id
        ],
    }


def _about_you(uow: UnitOfWork, person: Person) -> list[dict[str, Any]]:
    traces = traces_of(uow, person)
    found = []
    for message in _said_about(uow, person, traces):
        texts = _payload_texts(message)
        found.append(
            {
                "kind": message.kind.value,
                "status": message.status.value,
                "created_at": message.created_at.isoformat(),
                "names_you": any(traces.named_in(t) for t in texts),
                "quotes": sorted({q for t in texts for q in traces.quotes if q in t}),
            }
        )
    return found


FORMER_MEMBER = "a former member"
REMOVED = "[removed]"
MIN_QUOTE = 6  # shorter texts ("ok", "yes") are too common to strike out of others' words
MIN_NAME = 2  # a one-letter name would be found in every "A ..." sentence
# The fields of a round's state that hold what people wrote (the rest: ids, phases, times).
ROUND_TEXTS = frozenset({"case", "key_question", "takeaway", "end_note", "text"})


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


class Traces:
    """What identifies a person in other people's records: their names (matched as whole
    words) and the texts they wrote (matched verbatim, and line by line, since the bot
    quotes lines of them: a milestone in an introduction, an idea in a summary)."""

    def __init__(self, names: Iterable[str], texts: Iterable[str]) -> None:
        self.names = sorted(
            {n.strip() for n in names if len(n.strip()) >= MIN_NAME}, key=len, reverse=True
        )
        quotes: set[str] = set()
        for text in texts:
            for piece in (text, *text.splitlines()):
                piece = piece.strip()
                if len(piece) >= MIN_QUOTE:
                    quotes.add(piece)
        self.quotes = sorted(quotes, key=len, reverse=True)
        self._name = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in self.names) + r")(?!\w)")
            if self.names
            else None
        )

    @property
    def needles(self) -> list[str]:
        return [*self.names, *self.quotes]

    def found_in(self, text: str) -> bool:
        return any(q in text for q in self.quotes) or self.named_in(text)

    def named_in(self, text: str) -> bool:
        return self._name is not None and self._name.search(text) is not None

    def strike(self, text: str) -> str:
        """`text` with their words struck out and their name replaced by "a former member"."""
        for quote in self.quotes:
            text = text.replace(quote, REMOVED)
        if self._name is not None:
            text = self._name.sub(FORMER_MEMBER, text)
        return text

    def strike_texts(self, value: Any, keys: frozenset[str]) -> Any:
        """`value` (JSON data) with the strings under `keys` struck, at any depth."""
        if isinstance(value, dict):
            return {
                key: self.strike(item)
                if key in keys and isinstance(item, str)
                else self.strike_texts(item, keys)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.strike_texts(item, keys) for item in value]
        return value


def traces_of(uow: UnitOfWork, person: Person) -> Traces:
    """Everything `person` wrote that others' records may quote, and their names."""
    assert person.id is not None
    texts: list[str] = [e.text for e in uow.diary.by_author(person.id, Visibility, limit=None)]
    for goal in uow.goals.for_learner(person.id):
        texts += [goal.why, goal.status_note]
    texts += [c.text for _goal, c in uow.goals.comments_by(person.id)]
    for agreement in uow.agreements.for_learner(person.id):
        texts.append(agreement.task)
    for agreement in uow.agreements.for_manager(person.id):
        texts += [r.reason for r in agreement.responses]
    for milestone in uow.plans.get(person.id).milestones:
        texts += [milestone.title, milestone.evidence, milestone.reflection or ""]
    for found in advice.export_of(uow, person.id):
        if "brought" in found:
            state = found["brought"]
            texts += [state.get("case") or "", state.get("key_question") or ""]
            texts += [state.get("takeaway") or "", *(h["text"] for h in state.get("held", []))]
            texts += [c["text"] for c in state["contributions"] if c["person"] == person.id]
        else:
            texts += [c["text"] for c in found["contributions"]]
    texts += [post.title for post in uow.communities.posts_by(person.id)]
    names = [person.display_name, person.identity.user_id]
    return Traces(names, texts)


def _said_about(uow: UnitOfWork, person: Person, traces: Traces) -> list[OutboxMessage]:
    """Messages to others, in any status, that name or quote `person`."""
    assert person.id is not None
    return [
        m
        for m in uow.outbox.mentioning(traces.needles)
        if m.recipient_id != person.id and any(traces.found_in(t) for t in _payload_texts(m))
    ]


def _payload_texts(message: OutboxMessage) -> list[str]:
    try:
        return list(_strings(json.loads(message.payload)))
    except ValueError:
        return [message.payload]


def _partnerships_of(uow: UnitOfWork, person_id: int) -> list[Partnership]:
    cohorts = {m.cohort_id for m in uow.memberships.of(person_id)}
    return [
        p for c in sorted(cohorts) for p in uow.partnerships.in_cohort(c) if person_id in p.members
    ]


# What an erasure counts, by kind: the plural is the key of its counts (and of
# `tandem forget`'s JSON), the singular is for a count of one.
ROUNDS = "colleague-advice rounds"
ASSESSMENTS = "assessments"
GOALS = "goals and goal comments"
MILESTONES = "milestones"
TASKS = "practical tasks"
CHECKINS = "check-ins"
COMMUNITY = "community memberships and posts"
DIARY = "diary entries"
COCOACHING = "co-coaching records"
PROPOSALS = "pairing proposals"
ASKS = "questions asked"
COHORT_RECORDS = "cohort and group records"
MESSAGES = "messages"
ABOUT_YOU = "messages to others about you"
REQUESTS = "requests not yet done"
QUOTES = "quotes in others' records"
LRS = "statements voided at the learning record store"
# Each kind counted in words, in the current language (the plural forms are the
# catalogue's: "1 check-in", "1 Check-in", "2 Check-ins").
COUNTED: dict[str, Callable[[int], str]] = {
    ROUNDS: lambda n: ngettext("{n} colleague-advice round", "{n} colleague-advice rounds", n),
    ASSESSMENTS: lambda n: ngettext("{n} assessment", "{n} assessments", n),
    GOALS: lambda n: ngettext("{n} goal or goal comment", "{n} goals and goal comments", n),
    MILESTONES: lambda n: ngettext("{n} milestone", "{n} milestones", n),
    TASKS: lambda n: ngettext("{n} practical task", "{n} practical tasks", n),
    CHECKINS: lambda n: ngettext("{n} check-in", "{n} check-ins", n),
    COMMUNITY: lambda n: ngettext(
        "{n} community membership or post", "{n} community memberships and posts", n
    ),
    DIARY: lambda n: ngettext("{n} diary entry", "{n} diary entries", n),
    COCOACHING: lambda n: ngettext("{n} co-coaching record", "{n} co-coaching records", n),
    PROPOSALS: lambda n: ngettext("{n} pairing proposal", "{n} pairing proposals", n),
    ASKS: lambda n: ngettext("{n} question asked", "{n} questions asked", n),
    COHORT_RECORDS: lambda n: ngettext(
        "{n} cohort or group record", "{n} cohort and group records", n
    ),
    MESSAGES: lambda n: ngettext("{n} message", "{n} messages", n),
    ABOUT_YOU: lambda n: ngettext(
        "{n} message to others about you", "{n} messages to others about you", n
    ),
    REQUESTS: lambda n: ngettext("{n} request not yet done", "{n} requests not yet done", n),
    QUOTES: lambda n: ngettext("{n} quote in others' records", "{n} quotes in others' records", n),
    LRS: lambda n: ngettext(
        "{n} statement at the learning record store (voided there)",
        "{n} statements at the learning record store (voided there)",
        n,
    ),
}


def erased_list(counts: dict[str, int]) -> str:
    """The kinds an erasure counted, with their counts, in words; kinds of none left out."""
    return ", ".join(
        COUNTED[kind](n).format(n=format_number(n)) if kind in COUNTED else f"{n} {kind}"
        for kind, n in counts.items()
        if n
    )


def erase(ctx: Context, person: Person) -> dict[str, int]:
    """Erase `person` and everything about them, wherever it is: their own records, what
    others were sent about them, what others' records quote of them; they leave their
    cohorts as anyone leaves (their partner is re-paired or told), and that settles
    before anything is deleted, so what it sends is found and erased too. Publishes
    `PersonErased`. Returns how many records of each kind went."""
    assert person.id is not None
    uow, now = ctx.uow, ctx.now
    traces = traces_of(uow, person)
    # Whose views show them now (a tutor's cockpit): published again after the erasure.
    shown_to = sorted(
        p.identity.ref
        for p in uow.people.get_many(privacy.relations(uow, person.id).tutors).values()
    )
    # The figures: their share stays in the cohort's totals, in no one's name. In every
    # cohort they are in, counted or not: their going may change what others' figures
    # include (a round of their group, once they are out of it), and that must not show.
    theirs = {m.cohort_id for m in uow.memberships.of(person.id)}
    rosters = [
        c
        for c in uow.cohorts.all()
        if c.roster is not None and (person.id in c.roster or c.id in theirs)
    ]
    model = ctx.policy.competences  # the re-assessment figures are per competence group
    before = {c.id: report.tally(uow, c, c.roster or (), model) for c in rosters}
    for membership in uow.memberships.of(person.id):
        cohort = uow.cohorts.get(membership.cohort_id)
        if (
            membership.role is Role.LEARNER
            and membership.status is MembershipStatus.ACTIVE
            and cohort is not None
        ):
            leave(ctx, cohort, person, erasing=True)
            ctx.settle()  # re-paired or told, the round goes on, the space follows
    partnerships = _partnerships_of(uow, person.id)
    for partnership in partnerships:
        if partnership.id is not None:
            uow.timers.cancel(partner.COCOACHING, str(partnership.id))
    uow.timers.cancel(nudges.NUDGES, str(person.id))  # their digest as a tutor
    said = _said_about(uow, person, traces)
    uow.schedules.delete(person.id)
    group = uow.groups.of(person.id)
    counts = {
        ROUNDS: advice.erase_person(uow, person.id, now),
        ASSESSMENTS: uow.assessments.delete_for_person(person.id),
        GOALS: uow.goals.delete_for_person(person.id),
        MILESTONES: uow.plans.delete_for_person(person.id),
        TASKS: uow.agreements.delete_for_person(person.id),
        CHECKINS: uow.checkins.delete_for_person(person.id),
        COMMUNITY: uow.communities.delete_person(person.id),
        DIARY: uow.diary.delete_by_author(person.id),
        COCOACHING: uow.cocoaching.delete_for_partnerships(
            p.id for p in partnerships if p.id is not None
        )
        + uow.meetings.delete_for_partnerships(p.id for p in partnerships if p.id is not None),
        PROPOSALS: _drop_proposals(uow, person.id),
        ASKS: uow.asks.delete_for_person(person.id),
        COHORT_RECORDS: _erase_from_cohorts(uow, person.id),
        MESSAGES: uow.outbox.delete_for_recipient(person.id),
        ABOUT_YOU: uow.outbox.delete(m.id for m in said if m.id is not None),
        REQUESTS: uow.inbox.erase_mentioning([person.identity.user_id], now),
        QUOTES: _strike_quotes(uow, person.id, traces, now),
        LRS: xapi.void_all(uow, person.id, now),  # then the link to them is dropped
    }
    for cohort in rosters:
        assert cohort.id is not None
        cohort.roster = tuple(p for p in cohort.roster or () if p != person.id)
        after = report.tally(uow, cohort, cohort.roster, model)
        share = {
            key: before[cohort.id].get(key, 0) - after.get(key, 0)
            for key in set(before[cohort.id]) | set(after)
        }
        former = dict(cohort.former_figures or {})
        for key, n in share.items():
            if n:
                former[key] = former.get(key, 0) + n
        cohort.former_figures = former
        uow.cohorts.update(cohort)
    if group is not None and group.id is not None:  # out of the group's space too
        ctx.publish(GroupMembersChanged(group.id))
    uow.people.delete(person.id)
    ctx.publish(PersonErased(person.id, person.identity.ref, tuple(shown_to)))
    return counts


def _erase_from_cohorts(uow: UnitOfWork, person_id: int) -> int:
    """The person out of every partnership, learning group, membership and exclusion."""
    return (
        uow.partnerships.delete_person(person_id)
        + uow.groups.delete_person(person_id)
        + uow.memberships.delete_person(person_id)
        + uow.proposals.delete_person(person_id)
    )


def _drop_proposals(uow: UnitOfWork, person_id: int) -> int:
    """Proposals of pairs or groups that place the person go (the facilitator proposes
    again): an id in one would otherwise outlive them."""
    found = uow.proposals.with_person(person_id)
    for cohort_id, kind in found:
        uow.proposals.drop(cohort_id, kind)
    return len(found)


def _strike_quotes(uow: UnitOfWork, person_id: int, traces: Traces, now: datetime) -> int:
    """Strike the person's words and name out of others' diary entries (advice summaries
    and filed ideas quote them) and out of others' advice rounds."""
    changed = 0
    for entry in uow.diary.containing(traces.needles):
        if entry.author_id == person_id or entry.id is None:
            continue
        # Someone's own words naming a colleague stay theirs; the bot's texts and quotes go.
        if entry.source is EntrySource.ADVICE_ROUND or any(q in entry.text for q in traces.quotes):
            struck = traces.strike(entry.text)
            if struck != entry.text:
                uow.diary.rewrite(entry.id, struck)
                changed += 1
    for record in uow.advice.all():
        if record.case_giver_id == person_id:
            continue
        state = traces.strike_texts(record.state, ROUND_TEXTS)
        if state != record.state:
            record.state = state
            record.updated_at = now
            uow.advice.update(record)
            changed += 1
    return changed


def _circles_now(ctx: Context) -> str:
    """Who is in each of the asker's circles now, by name: only circles that exist."""
    assert ctx.asker.id is not None
    now = privacy.relations(ctx.uow, ctx.asker.id)
    names = ctx.uow.people.get_many(now.partners | now.group_mates | now.tutors)

    def listed(ids: frozenset[int]) -> str:
        return together(sorted(names[p].display_name for p in ids if p in names))

    lines = []
    if now.partners:
        lines.append(
            _("`--share partner`: your learning partner {names}").format(names=listed(now.partners))
        )
    if now.group_mates:
        lines.append(
            _("`--share group`: your learning group, {names}").format(names=listed(now.group_mates))
        )
    if now.tutors:
        lines.append(
            ngettext(
                "`--share tutor`: your tutor {names}, who also sees your goals, "
                "self-assessment ratings and plan",
                "`--share tutor`: your tutors {names}, who also see your goals, "
                "self-assessment ratings and plan",
                len(now.tutors),
            ).format(names=listed(now.tutors))
        )
    if not lines:
        return _("You have no learning partner, group or tutor now: what you share reaches no one.")
    return (
        _("Who reads what you share from now on:")
        + "\n"
        + "\n".join(lines)
        + "\n"
        + _("Each reads an entry only while they stay in the circle it was written for.")
    )


def show_privacy(ctx: Context, command: ShowPrivacy) -> list[Reply]:
    return [
        Reply(
            text=_("Your diary is private unless you share an entry."),
            sections=(
                Section(text=_circles_now(ctx)),
                Section(text=lrs.state(ctx.uow, ctx.asker, ctx.policy.lrs_enabled)),
                Section(
                    text=_(
                        "`--share partner`, `group` or `tutor` lets that circle read an entry; "
                        "what you share in a community of practice its members read. "
                        "Managers see the practical tasks you agree with them, never your diary. "
                        "Personnel development sees only figures over groups of five or more."
                    )
                ),
            ),
            buttons=(
                Button(label=_("Export my data"), command="privacy export"),
                Button(
                    label=_("Erase my data"), command="privacy forget", style=ButtonStyle.DANGER
                ),
            ),
        )
    ]


def export_mine(ctx: Context, command: ExportMyData) -> list[Reply]:
    document = json.dumps(
        export_document(ctx.uow, ctx.asker, ctx.now), indent=2, ensure_ascii=False
    )
    return [
        Reply(
            text=_("Here is everything Tandem keeps about you."),
            attachment=Attachment(
                filename="tandem-export.json", media_type="application/json", content=document
            ),
        )
    ]


def forget_me(ctx: Context, command: ForgetMe) -> list[Reply]:
    assert ctx.asker.id is not None
    if not command.confirmed:
        with ctx.rehearse():  # the erasure itself counts what it would erase, then is undone
            counts = erase(ctx, ctx.asker)
        listed = erased_list(counts)
        return [
            Reply(
                text=(
                    _(
                        "This erases your profile and {records} for good. It cannot be undone. "
                        "Export your data first if you want to keep it."
                    ).format(records=listed)
                    if listed
                    else _(
                        "This erases your profile for good. It cannot be undone. "
                        "Export your data first if you want to keep it."
                    )
                ),
                buttons=(
                    Button(
                        label=_("Erase everything"),
                        command="privacy forget confirm",
                        style=ButtonStyle.DANGER,
                    ),
                    Button(label=_("Export first"), command="privacy export"),
                ),
            )
        ]
    counts = erase(ctx, ctx.asker)
    listed = erased_list(counts)
    return [
        Reply(
            text=(
                _("Erased your profile and {records}. If you come back, you start afresh.").format(
                    records=listed
                )
                if listed
                else _("Erased your profile. If you come back, you start afresh.")
            )
        )
    ]


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        if isinstance(value, set | frozenset):
            return [convert(v) for v in sorted(value)]
        if isinstance(value, tuple | list):
            return [convert(v) for v in value]
        if isinstance(value, time):
            return value.isoformat(timespec="minutes")
        return value

    return {key: convert(value) for key, value in data.items()}
