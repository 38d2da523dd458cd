"""`/learn advice`: colleague-advice rounds in a learning group's thread.

The round itself is the pure state machine in bot/advice.py; this module finds the
group's round, runs a transition, stores the new state in the same transaction as what
it says (thread posts and private messages go through the outbox), and keeps the round's
timer (its next deadline, nudge or abandonment) as a row the heartbeat takes. A restart
mid-round loses nothing: state and timer are in the database.

Languages: a private message is built in its reader's language; a post in the round's
thread, which the whole group reads, in the language most of the group speaks
(`Policy.language_of_group`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from bot import advice as rounds
from bot import privacy
from bot.commands import AdviceStep, SetCohortSpace, ShowAdvice, StartAdvice
from bot.domain import (
    AdviceRecord,
    DiaryEntry,
    EntrySource,
    LearningGroup,
    OutboxKind,
    Person,
    Thread,
    Visibility,
)
from bot.events import AdviceRoundClosed, LeftCohort, LeftGroup
from bot.handlers import people, spaces
from bot.handlers.cohorts import find_cohort, require_facilitator
from bot.handlers.context import Context, Scope, UserError
from bot.handlers.diary import who_sees
from bot.i18n import _, format_datetime, format_skeleton, ngettext, pgettext, speaking
from bot.outbox import notify, queue
from bot.policy import Policy
from bot.ports import UnitOfWork
from bot.replies import Audience, Button, ButtonStyle, Reply, Section
from bot.timers import Timer

ADVICE = "advice"
CONSOLE_SPACE = "console"


# -- where rounds happen -------------------------------------------------------------------


def set_space(ctx: Context, command: SetCohortSpace) -> list[Reply]:
    require_facilitator(ctx)
    cohort = find_cohort(ctx, command.cohort)
    cohort.space = ctx.where or CONSOLE_SPACE
    ctx.uow.cohorts.update(cohort)
    return [
        Reply(
            text=_(
                "The learning groups of {cohort} meet here: each group gets a space of its own "
                "that only its members read (a private channel on Slack, a private thread in "
                "this channel on Discord), and each colleague-advice round a thread in it."
            ).format(cohort=cohort.name)
        )
    ]


def thread_of(record: AdviceRecord) -> Thread:
    """The round's thread, named `advice:<id>`: the adapter finds (or starts) it by that."""
    return Thread(channel=record.space or CONSOLE_SPACE, name=f"{ADVICE}:{record.id}")


def record_id_of(thread: Thread) -> int | None:
    """The round a thread is for, or None if it is no round's."""
    kind, _colon, number = thread.name.partition(":")
    return int(number) if kind == ADVICE and number.isdigit() else None


# -- loading and saving --------------------------------------------------------------------


def _round(record: AdviceRecord) -> rounds.AdviceRound:
    return rounds.AdviceRound.from_dict(record.state["round"])


def _save(
    uow: UnitOfWork,
    record: AdviceRecord,
    step: rounds.Step,
    now: datetime,
    *,
    actor: int | None,
    policy: Policy,
    posted_by_platform: bool = False,
) -> list[Reply]:
    """Store the round after `step`, say what its effects say, keep its timer; return
    the replies meant for `actor` (the person who acted) privately."""
    record.state = {"round": step.round.to_dict(), "posts": record.state.get("posts", 0)}
    record.status = step.round.status.value
    record.updated_at = now
    private = _render(uow, record, step, now, actor, policy, posted_by_platform)
    uow.advice.update(record)
    assert record.id is not None
    due = step.round.due_at()
    if due is None:
        uow.timers.cancel(ADVICE, str(record.id))
    else:
        uow.timers.set(Timer(ADVICE, str(record.id), max(due, now)))
    return private


def _group_round(ctx: Context, *, open_only: bool = True) -> tuple[LearningGroup, AdviceRecord]:
    assert ctx.asker.id is not None
    group = ctx.uow.groups.of(ctx.asker.id)
    if group is None or group.id is None:
        raise UserError(_("You are in no learning group yet; rounds run in your group's thread."))
    found = ctx.uow.advice.in_group(group.id)
    if open_only:
        found = [r for r in found if r.status in ("active", "paused")]
    else:
        found = [r for r in found if r.status == "finished"]
    if not found:
        raise UserError(
            _("Your group has no round going. Start one: `/learn advice <your case>`.")
            if open_only
            else _("Your group has no finished round.")
        )
    assert found[-1].id is not None
    locked = ctx.uow.advice.get(found[-1].id)  # locked for this transaction: no lost update
    assert locked is not None
    return group, locked


# -- starting, showing, moving on ----------------------------------------------------------


def start(ctx: Context, command: StartAdvice) -> list[Reply]:
    assert ctx.asker.id is not None
    group = ctx.uow.groups.of(ctx.asker.id)
    if group is None or group.id is None:
        raise UserError(_("You are in no learning group yet; rounds run in your group's thread."))
    earlier = ctx.uow.advice.in_group(group.id)
    if any(r.status in ("active", "paused") for r in earlier):
        raise UserError(_("Your group has a round going; one at a time. `/learn advice` shows it."))
    moderator = None
    if command.moderator is not None:
        chosen = people.find(ctx, command.moderator)
        if chosen is None or chosen.id not in group.members:
            raise UserError(_("The moderator is someone in your learning group."))
        moderator = chosen.id
    moderated: dict[int, int] = {}
    for record in earlier:
        if record.status == "finished":
            who = record.state["round"].get("moderator")
            if who is not None:
                moderated[int(who)] = moderated.get(int(who), 0) + 1
    try:
        step = rounds.start(
            ctx.asker.id,
            command.case,
            group.members,
            rounds.Mode.WRITTEN if command.written else rounds.Mode.LIVE,
            ctx.now,
            ctx.policy.advice,
            timezone=ctx.asker.timezone,
            moderator=moderator,
            moderated=moderated,
        )
    except rounds.CannotStart as error:
        raise UserError(str(error)) from None
    cohort = ctx.uow.cohorts.get(group.cohort_id)
    record = ctx.uow.advice.add(
        AdviceRecord(
            group_id=group.id,
            case_giver_id=ctx.asker.id,
            state={"round": step.round.to_dict(), "posts": 0},
            status=step.round.status.value,
            created_at=ctx.now,
            updated_at=ctx.now,
            space=(cohort.space if cohort else None) or group.space,
        )
    )
    private = _save(ctx.uow, record, step, ctx.now, actor=ctx.asker.id, policy=ctx.policy)
    opened = (
        _(
            "Your written (over about ten working days) colleague-advice round is open in "
            "your group's thread."
        )
        if command.written
        else _("Your live colleague-advice round is open in your group's thread.")
    )
    return [Reply(text=opened), *private]


def show(ctx: Context, command: ShowAdvice) -> list[Reply]:
    group, record = _group_round(ctx)
    current = _round(record)
    names = _names(ctx.uow, current.members)
    unchosen = _("not chosen yet")
    moderator = names.get(current.moderator, unchosen) if current.moderator else unchosen
    until = _when(ctx.asker, current.deadline, current.mode) if current.deadline else "-"
    headline = (
        _("Colleague advice for {case_giver}: phase {number}, {phase} (paused).")
        if current.status is rounds.Status.PAUSED
        else _("Colleague advice for {case_giver}: phase {number}, {phase} (active).")
    )
    return [
        Reply(
            text=headline.format(
                case_giver=names.get(current.case_giver),
                number=current.phase.number,
                phase=current.phase.label,
            ),
            sections=(
                Section(
                    text=_(
                        "Case: {case}\nModerator: {moderator}\nUntil: {until}\n"
                        "Contributions so far: {count}"
                    ).format(
                        case=current.case,
                        moderator=moderator,
                        until=until,
                        count=len(current.contributions),
                    )
                ),
            ),
        )
    ]


def step(ctx: Context, command: AdviceStep) -> list[Reply]:
    assert ctx.asker.id is not None
    if command.action == "file":
        return _file(ctx)
    if command.action == "method" and not command.text:
        methods = ctx.policy.advice.methods
        return [
            Reply(
                text=_("Methods for the consultation (`/learn advice method <id>`):"),
                sections=tuple(
                    Section(title=f"{m.id}: {m.name.text()}", text=m.how_to.text()) for m in methods
                ),
            )
        ]
    _group, record = _group_round(ctx)
    current = _round(record)
    me, now, text = ctx.asker.id, ctx.now, command.text
    transition = {
        "say": lambda: current.contribute(me, text, now),
        "next": lambda: current.next(me, now),
        "key": lambda: current.set_key_question(me, text, now),
        "method": lambda: current.choose_method(me, text, now),
        "pause": lambda: current.pause(me, now),
        "resume": lambda: current.resume(me, now),
        "cancel": lambda: current.cancel(me, now, text),
    }
    if command.action == "moderator":
        chosen = None
        if text:
            # the grammar took the mention's `@` already; a platform id may begin with one
            found = people.find(ctx, text) or people.find(ctx, text.removeprefix("@"))
            if found is None:
                raise UserError(_("Name someone in your group: `/learn advice moderator @name`."))
            chosen = found.id
        result = current.choose_moderator(me, chosen, now)
    elif command.action == "helped":
        numbers, _space, takeaway = text.partition(" ")
        result = current.conclude(me, rounds.parse_numbers(numbers), takeaway.strip(), now)
    else:
        result = transition[command.action]()
    if result.rejected is not None:
        raise UserError(_refusal(result.rejected))
    private = _save(ctx.uow, record, result, now, actor=me, policy=ctx.policy)
    return private or [Reply(text=_("Noted."))]


def contribute_in_thread(ctx: Context, thread: Thread, text: str) -> list[Reply]:
    """A message someone wrote in a round's thread (Slack): a contribution. It is in the
    thread already, so it is not posted again; a held one is taken down by the adapter."""
    record_id = record_id_of(thread)
    record = ctx.uow.advice.get(record_id) if record_id is not None else None
    if record is None or record.status not in ("active", "paused"):
        return []
    current = _round(record)
    if ctx.asker.id not in current.members:
        return []
    result = current.contribute(ctx.asker.id, text, ctx.now)
    if result.rejected is not None:
        return [Reply(text=_refusal(result.rejected))]
    private = _save(
        ctx.uow,
        record,
        result,
        ctx.now,
        actor=ctx.asker.id,
        policy=ctx.policy,
        posted_by_platform=True,
    )
    return private


def tick(uow: UnitOfWork, timer: Timer, now: datetime, policy: Policy) -> bool:
    """The round's timer fell due: a deadline, a nudge or abandonment."""
    record = uow.advice.get(int(timer.subject))
    if record is None or record.status not in ("active", "paused"):
        return False
    result = _round(record).tick(now)
    _save(uow, record, result, now, actor=None, policy=policy)
    return bool(result.effects)


# -- what a step says ----------------------------------------------------------------------


def _names(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, str]:
    return {i: p.display_name for i, p in uow.people.get_many(i for i in ids if i).items()}


def _when(person: Person, moment: datetime, mode: rounds.Mode) -> str:
    """A moment of the round in `person`'s time zone, which it names: a group may span
    Kolkata to Chicago, and a bare "14:00" would mean a different hour to each. Written in
    the current language (a live round's hour, a written round's day and hour)."""
    if mode is rounds.Mode.LIVE:
        shown = format_skeleton("Hm", moment, person.zone)
    else:
        # Translators: a Babel (CLDR) date pattern, "Mon 01 Feb, 16:00".
        pattern = pgettext("advice deadline", "EEE dd MMM, HH:mm")
        shown = format_datetime(moment, person.zone, format=pattern)
    return f"{shown} ({person.timezone})"


def _refusal(rejected: rounds.Rejected) -> str:
    return rejected.hint or _("Not now ({reason}).").format(
        reason=rejected.reason.value.replace("-", " ")
    )


def _moderates(name: str, how: rounds.ModeratorChoice) -> str:
    if how is rounds.ModeratorChoice.ROTATED:
        return _("{name} moderates (rotated).").format(name=name)
    if how is rounds.ModeratorChoice.REPLACED:
        return _("{name} moderates (replaced).").format(name=name)
    return _("{name} moderates (chosen).").format(name=name)


def _render(
    uow: UnitOfWork,
    record: AdviceRecord,
    step: rounds.Step,
    now: datetime,
    actor: int | None,
    policy: Policy,
    posted_by_platform: bool,
) -> list[Reply]:
    """What `step`'s effects say: posts in the round's thread, in the group's language
    (`Policy.language_of_group`), and private messages, each in its reader's language."""
    current = step.round
    members = uow.people.get_many(current.members)
    names = {i: p.display_name for i, p in members.items()}
    case_giver = uow.people.get(current.case_giver)
    assert case_giver is not None
    private: list[Reply] = []
    group = uow.groups.get(record.group_id)
    space = spaces.place_of(uow, group) if group is not None else None
    group_language = policy.language_of_group(members.values())

    def language_of(person: int) -> str:
        return policy.language_of(members.get(person) or uow.people.get(person))

    def post(reply: Reply) -> None:
        """Queue `reply` (built while speaking the group's language) in the thread."""
        posts = record.state.get("posts", 0) + 1
        record.state["posts"] = posts
        queue(
            uow,
            reply.model_copy(
                update={
                    "audience": Audience.THREAD,
                    "thread": thread_of(record),
                    # the group's own space: its members read it, no one else
                    "space": space,
                    "recipient_id": current.case_giver,
                }
            ),
            key=f"advice:{record.id}:post:{posts}",
            kind=OutboxKind.MESSAGE,
            due_at=now,
            now=now,
        )

    def told(person: int, reply: Reply, what: str) -> None:
        """`reply` (built while speaking `person`'s language) for `person` alone."""
        if person == actor:
            private.append(reply)
        else:
            notify(
                uow,
                person,
                reply,
                key=f"advice:{record.id}:{what}:{person}:{now.isoformat()}",
                now=now,
            )

    def until(moment: datetime) -> str:
        return _when(case_giver, moment, current.mode)

    for effect in step.effects:
        if isinstance(effect, rounds.PhaseStarted):
            with speaking(group_language):
                speakers = ", ".join(names.get(p, "?") for p in effect.speakers)
                lines = [
                    str(effect.purpose),
                    _("Who speaks: {speakers}.").format(speakers=speakers or _("everyone")),
                    _("Until {when}.").format(when=until(effect.deadline)),
                ]
                if effect.method is not None:
                    lines.append(
                        _("Method: {name}. {how_to}").format(
                            name=effect.method.name, how_to=effect.method.how_to
                        )
                    )
                if effect.phase is rounds.Phase.CASTING:
                    lines.insert(0, _("Case: {case}").format(case=current.case))
                post(
                    Reply(
                        text=_(
                            "Colleague advice for {case_giver} · phase {number} of 6: {phase}"
                        ).format(
                            case_giver=names.get(current.case_giver),
                            number=effect.number,
                            phase=effect.title,
                        ),
                        sections=(Section(text="\n".join(lines)),),
                        buttons=(
                            Button(
                                label=_("Next phase"),
                                command="advice next",
                                style=ButtonStyle.PRIMARY,
                            ),
                        ),
                    )
                )
        elif isinstance(effect, rounds.ModeratorChosen):
            with speaking(group_language):
                post(Reply(text=_moderates(names.get(effect.person, "?"), effect.how)))
        elif isinstance(effect, rounds.KeyQuestionSet):
            with speaking(group_language):
                post(Reply(text=_("Key question: {question}").format(question=effect.text)))
        elif isinstance(effect, rounds.MethodChosen):
            with speaking(group_language):
                method = _("Method: {name}. {how_to}").format(
                    name=effect.method.name, how_to=effect.method.how_to
                )
                post(Reply(text=method))
        elif isinstance(effect, rounds.ContributionRecorded):
            if not posted_by_platform:
                c = effect.contribution
                post(Reply(text=f"{c.number}. {names.get(c.person, '?')}: {c.text}"))
        elif isinstance(effect, rounds.ContributionHeld):
            with speaking(language_of(effect.person)):
                told(
                    effect.person,
                    Reply(
                        text=str(effect.reminder),
                        sections=(Section(title=_("Kept for you"), text=effect.text),),
                    ),
                    "held",
                )
        elif isinstance(effect, rounds.Nudge):
            nudged = uow.people.get_many(effect.person_ids)
            for person in effect.person_ids:
                reader = nudged.get(person, case_giver)
                with speaking(policy.language_of(reader)):
                    told(
                        person,
                        Reply(
                            text=_(
                                "The colleague-advice round of {case_giver} waits for you "
                                "({phase}, until {when})."
                            ).format(
                                case_giver=names.get(current.case_giver),
                                phase=effect.phase.label,
                                when=_when(reader, effect.deadline, current.mode),
                            )
                        ),
                        f"nudge:{effect.phase.value}",
                    )
        elif isinstance(effect, rounds.RoundPaused):
            with speaking(group_language):
                post(Reply(text=_("Paused by {name}.").format(name=names.get(effect.by, "?"))))
        elif isinstance(effect, rounds.RoundResumed):
            with speaking(group_language):
                resumed = _("Resumed by {name}; this phase now runs until {when}.").format(
                    name=names.get(effect.by, "?"), when=until(effect.deadline)
                )
                post(Reply(text=resumed))
        elif isinstance(effect, rounds.RoundCancelled):
            with speaking(group_language):
                cancelled = (
                    _("The round was cancelled by {name}.").format(name=names.get(effect.by, "?"))
                    if effect.by
                    else _("The round was cancelled by a change in the group.")
                )
                if effect.note:
                    cancelled = f"{cancelled} {rounds.note_text(effect.note)}"
                post(Reply(text=cancelled))
        elif isinstance(effect, rounds.RoundAbandoned):
            with speaking(group_language):
                abandoned = _(
                    "The round was closed: no activity since {when}. The notes so far are "
                    "kept; start again with `/learn advice`."
                ).format(when=until(current.last_activity_at))
                post(Reply(text=abandoned))
        elif isinstance(effect, rounds.RoundClosed):
            _close(uow, record, effect.summary, names, now, post, told, group_language, language_of)
        elif isinstance(effect, rounds.Rejected) and effect.person != actor:
            with speaking(language_of(effect.person)):
                told(effect.person, Reply(text=_refusal(effect)), "refused")
    return private


def took_part(round_id: int, summary: rounds.Summary) -> AdviceRoundClosed:
    """Who took part in a closed round, in which role (never what anyone said)."""
    roles = [(summary.case_giver, "case-giver")]
    if summary.moderator is not None and summary.moderator != summary.case_giver:
        roles.append((summary.moderator, "moderator"))
    taken = {person for person, _role in roles}
    roles += [(person, "advisor") for person, _said in summary.by_person if person not in taken]
    method = summary.method.id if summary.method is not None else None
    return AdviceRoundClosed(round_id, tuple(roles), method, summary.mode.value)


def _close(
    uow: UnitOfWork,
    record: AdviceRecord,
    summary: rounds.Summary,
    names: dict[int, str],
    now: datetime,
    post: Callable[[Reply], None],
    told: Callable[[int, Reply, str], None],
    group_language: str,
    language_of: Callable[[int], str],
) -> None:
    """The summary in the thread and in the case-giver's diary (for the group: in its
    language), and to each advisor the offer to file their own contributions."""
    with speaking(group_language):
        text = summary.text(names)
        closed = _("The round is closed. The secretary's notes:")
        post(Reply(text=closed, sections=(Section(text=text),)))
    privacy.write(
        uow,
        DiaryEntry(
            author_id=summary.case_giver,
            text=text,
            created_at=now,
            visibility=Visibility.GROUP,
            source=EntrySource.ADVICE_ROUND,
        ),
        group_id=record.group_id,
    )
    if record.id is not None:
        uow.publish(took_part(record.id, summary))
    for person, contributions in summary.by_person:
        if contributions and person != summary.case_giver:
            with speaking(language_of(person)):
                count = len(contributions)
                offer = ngettext(
                    "Thank you for advising {case_giver}. File your {n} contribution in your "
                    "diary (your group sees it)?",
                    "Thank you for advising {case_giver}. File your {n} contributions in your "
                    "diary (your group sees them)?",
                    count,
                ).format(case_giver=names.get(summary.case_giver), n=count)
                told(
                    person,
                    Reply(
                        text=offer,
                        buttons=(Button(label=_("File in my diary"), command="advice file"),),
                    ),
                    "file",
                )


def _file(ctx: Context) -> list[Reply]:
    assert ctx.asker.id is not None
    _group, record = _group_round(ctx, open_only=False)
    summary = _round(record).summary()
    mine = summary.contributions_of(ctx.asker.id)
    if not mine:
        raise UserError(_("You made no contributions in your group's last round."))
    filed = record.state.setdefault("filed", [])
    if ctx.asker.id in filed:
        return [Reply(text=_("Filed already."))]
    names = _names(ctx.uow, [summary.case_giver])
    heading = _(
        "My ideas in {case_giver}'s colleague-advice round (key question: {question}):"
    ).format(
        case_giver=names.get(summary.case_giver),
        question=summary.key_question or _("none set"),
    )
    entry = privacy.write(
        ctx.uow,
        DiaryEntry(
            author_id=ctx.asker.id,
            text=heading + "\n" + "\n".join(f"{c.number}. {c.text}" for c in mine),
            created_at=ctx.now,
            visibility=Visibility.GROUP,
            source=EntrySource.ADVICE_ROUND,
        ),
        group_id=record.group_id,
    )
    filed.append(ctx.asker.id)
    record.updated_at = ctx.now
    ctx.uow.advice.update(record)
    done = ngettext(
        "Filed {n} contribution in your diary. {who_sees}",
        "Filed {n} contributions in your diary. {who_sees}",
        len(mine),
    ).format(n=len(mine), who_sees=who_sees(ctx.uow, entry))
    return [Reply(text=done)]


def erase_person(uow: UnitOfWork, person_id: int, now: datetime) -> int:
    """Forget someone in advice rounds: rounds they brought go; elsewhere they leave the
    round (as if they left the group) and their contributions are struck out."""
    changed = 0
    for record in uow.advice.all():
        assert record.id is not None
        if record.case_giver_id == person_id:
            uow.advice.delete(record.id)
            uow.timers.cancel(ADVICE, str(record.id))
            changed += 1
            continue
        state = record.state["round"]
        if not _took_part(state, person_id):
            continue
        current = rounds.AdviceRound.from_dict(state)
        if current.is_open and person_id in current.members:
            current = current.member_left(person_id, now).round
        scrubbed = current.to_dict()
        scrubbed["contributions"] = [
            c for c in scrubbed["contributions"] if c["person"] != person_id
        ]
        scrubbed["members"] = [p for p in scrubbed["members"] if p != person_id]
        scrubbed["moderated"] = [m for m in scrubbed["moderated"] if m[0] != person_id]
        if scrubbed["moderator"] == person_id:
            scrubbed["moderator"] = None
        record.state = {**record.state, "round": scrubbed}
        record.status = current.status.value
        record.updated_at = now
        uow.advice.update(record)
        changed += 1
    return changed


def export_of(uow: UnitOfWork, person_id: int) -> list[dict[str, Any]]:
    """For a person's export: the rounds they brought (whole), and their own
    contributions to others' rounds (only theirs)."""
    found: list[dict[str, Any]] = []
    for record in uow.advice.all():
        state = record.state["round"]
        if record.case_giver_id == person_id:
            found.append({"brought": state})
        elif _took_part(state, person_id):
            mine = [c for c in state["contributions"] if c["person"] == person_id]
            found.append({"contributed_to_round": record.id, "contributions": mine})
    return found


def member_left(event: LeftCohort, scope: Scope) -> None:
    """Someone left the cohort: their group's open round goes on without them (a new
    moderator if they moderated; cancelled if they brought the case)."""
    if event.group_id is None:
        return
    for record in scope.uow.advice.in_group(event.group_id):
        members = record.state["round"]["members"]
        if record.status in ("active", "paused") and event.person_id in members:
            result = _round(record).member_left(event.person_id, scope.now)
            _save(scope.uow, record, result, scope.now, actor=None, policy=scope.policy)


def member_taken_out(event: LeftGroup, scope: Scope) -> None:
    """Someone was taken out of a group that goes on: its open round goes on without them."""
    for record in scope.uow.advice.in_group(event.group_id):
        members = record.state["round"]["members"]
        if record.status in ("active", "paused") and event.person_id in members:
            result = _round(record).member_left(event.person_id, scope.now)
            _save(scope.uow, record, result, scope.now, actor=None, policy=scope.policy)


def _took_part(state: dict[str, Any], person_id: int) -> bool:
    """In the round now, or once: a member, the moderator, a contributor, counted as one."""
    return (
        person_id in state["members"]
        or state.get("moderator") == person_id
        or any(c["person"] == person_id for c in state["contributions"])
        or any(p == person_id for p, _count in state["moderated"])
    )
