"""`/learn advice`: colleague-advice rounds in a learning group's thread.

The round itself is the pure state machine in bot/advice.py; this module finds the
group's round, runs a transition, stores the new state in the same transaction as what
it says (thread posts and private messages go through the outbox), and keeps the round's
timer (its next deadline, nudge or abandonment) as a row the heartbeat takes. A restart
mid-round loses nothing: state and timer are in the database.
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
from bot.events import LeftCohort
from bot.handlers import people, spaces
from bot.handlers.cohorts import find_cohort, require_facilitator
from bot.handlers.context import Context, Scope, UserError
from bot.handlers.diary import who_sees
from bot.i18n import _, ngettext
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
            text=f"The learning groups of {cohort.name} meet here: each group gets a space of "
            "its own that only its members read (a private channel on Slack, a private thread "
            "in this channel on Discord), and each colleague-advice round a thread in it."
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
    scope: Scope,
    record: AdviceRecord,
    step: rounds.Step,
    *,
    actor: int | None,
    posted_by_platform: bool = False,
) -> list[Reply]:
    """Store the round after `step`, say what its effects say, keep its timer; return
    the replies meant for `actor` (the person who acted) privately."""
    uow, now = scope.uow, scope.now
    record.state = {"round": step.round.to_dict(), "posts": record.state.get("posts", 0)}
    record.status = step.round.status.value
    record.updated_at = now
    private = _render(scope, record, step, actor, posted_by_platform)
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
        raise UserError("You are in no learning group yet; rounds run in your group's thread.")
    found = ctx.uow.advice.in_group(group.id)
    if open_only:
        found = [r for r in found if r.status in ("active", "paused")]
    else:
        found = [r for r in found if r.status == "finished"]
    if not found:
        raise UserError(
            "Your group has no round going. Start one: `/learn advice <your case>`."
            if open_only
            else "Your group has no finished round."
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
        raise UserError("You are in no learning group yet; rounds run in your group's thread.")
    earlier = ctx.uow.advice.in_group(group.id)
    if any(r.status in ("active", "paused") for r in earlier):
        raise UserError("Your group has a round going; one at a time. `/learn advice` shows it.")
    moderator = None
    if command.moderator is not None:
        chosen = people.find(ctx, command.moderator)
        if chosen is None or chosen.id not in group.members:
            raise UserError("The moderator is someone in your learning group.")
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
    private = _save(ctx, record, step, actor=ctx.asker.id)
    mode = "written (over about ten working days)" if command.written else "live"
    return [
        Reply(text=f"Your {mode} colleague-advice round is open in your group's thread."),
        *private,
    ]


def show(ctx: Context, command: ShowAdvice) -> list[Reply]:
    group, record = _group_round(ctx)
    current = _round(record)
    names = _names(ctx.uow, current.members)
    moderator = (
        names.get(current.moderator, "not chosen yet") if current.moderator else "not chosen yet"
    )
    until = _when(ctx.asker, current.deadline, current.mode) if current.deadline else "-"
    return [
        Reply(
            text=f"Colleague advice for {names.get(current.case_giver)}: phase "
            f"{current.phase.number}, {current.phase.label} ({current.status.value}).",
            sections=(
                Section(
                    text=f"Case: {current.case}\nModerator: {moderator}\nUntil: {until}\n"
                    f"Contributions so far: {len(current.contributions)}"
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
                text="Methods for the consultation (`/learn advice method <id>`):",
                sections=tuple(Section(title=f"{m.id}: {m.name}", text=m.how_to) for m in methods),
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
            found = people.find(ctx, text.removeprefix("@"))
            if found is None:
                raise UserError("Name someone in your group: `/learn advice moderator @name`.")
            chosen = found.id
        result = current.choose_moderator(me, chosen, now)
    elif command.action == "helped":
        numbers, _space, takeaway = text.partition(" ")
        result = current.conclude(me, rounds.parse_numbers(numbers), takeaway.strip(), now)
    else:
        result = transition[command.action]()
    if result.rejected is not None:
        raise UserError(_refusal(result.rejected))
    private = _save(ctx, record, result, actor=me)
    return private or [Reply(text="Noted.")]


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
    private = _save(ctx, record, result, actor=ctx.asker.id, posted_by_platform=True)
    return private


def tick(uow: UnitOfWork, timer: Timer, now: datetime, policy: Policy) -> bool:
    """The round's timer fell due: a deadline, a nudge or abandonment."""
    record = uow.advice.get(int(timer.subject))
    if record is None or record.status not in ("active", "paused"):
        return False
    result = _round(record).tick(now)
    _save(Scope(uow=uow, now=now, policy=policy), record, result, actor=None)
    return bool(result.effects)


# -- what a step says ----------------------------------------------------------------------


def _names(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, str]:
    return {i: p.display_name for i, p in uow.people.get_many(i for i in ids if i).items()}


def _when(person: Person, moment: datetime, mode: rounds.Mode) -> str:
    """A moment of the round in `person`'s time zone, which it names: a group may span
    Kolkata to Chicago, and a bare "14:00" would mean a different hour to each."""
    local = moment.astimezone(person.zone)
    shown = f"{local:%H:%M}" if mode is rounds.Mode.LIVE else f"{local:%a %d %b, %H:%M}"
    return f"{shown} ({person.timezone})"


def _refusal(rejected: rounds.Rejected) -> str:
    return rejected.hint or f"Not now ({rejected.reason.value.replace('-', ' ')})."


def _render(
    scope: Scope,
    record: AdviceRecord,
    step: rounds.Step,
    actor: int | None,
    posted_by_platform: bool,
) -> list[Reply]:
    """Queue what `step`'s effects say: thread posts (in the case-giver's language, whose
    thread it is) and private messages (each in its recipient's). Each text is made
    inside a builder, which runs in its reader's language. What is for `actor` comes
    back, said in the asker's language."""
    uow, now = scope.uow, scope.now
    current = step.round
    names = _names(uow, current.members)
    case_giver = uow.people.get(current.case_giver)
    assert case_giver is not None
    private: list[Reply] = []
    group = uow.groups.get(record.group_id)
    space = spaces.place_of(uow, group) if group is not None else None

    def thread(build: Callable[[], Reply]) -> None:
        posts = record.state.get("posts", 0) + 1
        record.state["posts"] = posts

        def post() -> Reply:
            return build().model_copy(
                update={
                    "audience": Audience.THREAD,
                    "thread": thread_of(record),
                    # the group's own space: its members read it, no one else
                    "space": space,
                    "recipient_id": current.case_giver,
                }
            )

        scope.send_later(
            post,
            key=f"advice:{record.id}:post:{posts}",
            kind=OutboxKind.MESSAGE,
            due_at=now,
            to=current.case_giver,
        )

    def told(person: int, build: Callable[[int], Reply], what: str) -> None:
        if person == actor:
            private.append(build(person))
        else:
            scope.notify(
                person,
                lambda: build(person),
                key=f"advice:{record.id}:{what}:{person}:{now.isoformat()}",
            )

    def phase_started(effect: rounds.PhaseStarted) -> Reply:
        speakers = ", ".join(names.get(p, "?") for p in effect.speakers) or "everyone"
        lines = [
            effect.purpose,
            f"Who speaks: {speakers}.",
            f"Until {_when(case_giver, effect.deadline, current.mode)}.",
        ]
        if effect.method is not None:
            lines.append(f"Method: {effect.method.name}. {effect.method.how_to}")
        if effect.phase is rounds.Phase.CASTING:
            lines.insert(0, f"Case: {current.case}")
        return Reply(
            text=f"Colleague advice for {names.get(current.case_giver)} · "
            f"phase {effect.number} of 6: {effect.title}",
            sections=(Section(text="\n".join(lines)),),
            buttons=(Button(label="Next phase", command="advice next", style=ButtonStyle.PRIMARY),),
        )

    def nudge(effect: rounds.Nudge) -> None:
        nudged = uow.people.get_many(effect.person_ids)
        for person in effect.person_ids:
            told(
                person,
                lambda someone: Reply(
                    text=f"The colleague-advice round of {names.get(current.case_giver)} "
                    f"waits for you ({effect.phase.label}, until "
                    f"{_when(nudged.get(someone, case_giver), effect.deadline, current.mode)})."
                ),
                f"nudge:{effect.phase.value}",
            )

    def say(effect: rounds.Effect) -> None:
        if isinstance(effect, rounds.PhaseStarted):
            thread(lambda: phase_started(effect))
        elif isinstance(effect, rounds.ModeratorChosen):
            thread(
                lambda: Reply(
                    text=f"{names.get(effect.person, '?')} moderates ({effect.how.value})."
                )
            )
        elif isinstance(effect, rounds.KeyQuestionSet):
            thread(lambda: Reply(text=f"Key question: {effect.text}"))
        elif isinstance(effect, rounds.MethodChosen):
            thread(lambda: Reply(text=f"Method: {effect.method.name}. {effect.method.how_to}"))
        elif isinstance(effect, rounds.ContributionRecorded):
            if not posted_by_platform:
                c = effect.contribution
                thread(lambda: Reply(text=f"{c.number}. {names.get(c.person, '?')}: {c.text}"))
        elif isinstance(effect, rounds.ContributionHeld):
            told(
                effect.person,
                lambda _someone: Reply(
                    text=effect.reminder,
                    sections=(Section(title="Kept for you", text=effect.text),),
                ),
                "held",
            )
        elif isinstance(effect, rounds.Nudge):
            nudge(effect)
        elif isinstance(effect, rounds.RoundPaused):
            thread(lambda: Reply(text=f"Paused by {names.get(effect.by, '?')}."))
        elif isinstance(effect, rounds.RoundResumed):
            thread(
                lambda: Reply(
                    text=f"Resumed by {names.get(effect.by, '?')}; this phase now runs until "
                    f"{_when(case_giver, effect.deadline, current.mode)}."
                )
            )
        elif isinstance(effect, rounds.RoundCancelled):

            def cancelled() -> Reply:
                who = names.get(effect.by, "?") if effect.by else "a change in the group"
                return Reply(
                    text=f"The round was cancelled by {who}."
                    + (f" {effect.note}" if effect.note else "")
                )

            thread(cancelled)
        elif isinstance(effect, rounds.RoundAbandoned):
            thread(lambda: Reply(text=f"The round was closed: {effect.note}"))
        elif isinstance(effect, rounds.RoundClosed):
            _close(uow, record, effect.summary, names, now, thread, told)
        elif isinstance(effect, rounds.Rejected) and effect.person != actor:
            told(effect.person, lambda _someone: Reply(text=_refusal(effect)), "refused")

    for effect in step.effects:
        say(effect)
    return private


def _close(
    uow: UnitOfWork,
    record: AdviceRecord,
    summary: rounds.Summary,
    names: dict[int, str],
    now: datetime,
    thread: Any,
    told: Any,
) -> None:
    text = summary.text(names)
    thread(
        lambda: Reply(
            text="The round is closed. The secretary's notes:", sections=(Section(text=text),)
        )
    )
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
    for person, contributions in summary.by_person:
        if contributions and person != summary.case_giver:
            told(person, _filing_offer(names.get(summary.case_giver), len(contributions)), "file")


def _filing_offer(case_giver: str | None, count: int) -> Callable[[int], Reply]:
    """The offer to an adviser to file their contributions, made in their language."""
    return lambda _someone: Reply(
        text=ngettext(
            "Thank you for advising {name}. File your contribution in your diary "
            "(your group sees it)?",
            "Thank you for advising {name}. File your {n} contributions in your diary "
            "(your group sees them)?",
            count,
        ).format(name=case_giver, n=count),
        buttons=(Button(label=_("File in my diary"), command="advice file"),),
    )


def _file(ctx: Context) -> list[Reply]:
    assert ctx.asker.id is not None
    _group, record = _group_round(ctx, open_only=False)
    summary = _round(record).summary()
    mine = summary.contributions_of(ctx.asker.id)
    if not mine:
        raise UserError("You made no contributions in your group's last round.")
    filed = record.state.setdefault("filed", [])
    if ctx.asker.id in filed:
        return [Reply(text="Filed already.")]
    names = _names(ctx.uow, [summary.case_giver])
    entry = privacy.write(
        ctx.uow,
        DiaryEntry(
            author_id=ctx.asker.id,
            text=f"My ideas in {names.get(summary.case_giver)}'s colleague-advice round "
            f"(key question: {summary.key_question or 'none set'}):\n"
            + "\n".join(f"{c.number}. {c.text}" for c in mine),
            created_at=ctx.now,
            visibility=Visibility.GROUP,
            source=EntrySource.ADVICE_ROUND,
        ),
        group_id=record.group_id,
    )
    filed.append(ctx.asker.id)
    record.updated_at = ctx.now
    ctx.uow.advice.update(record)
    return [
        Reply(text=f"Filed {len(mine)} contributions in your diary. {who_sees(ctx.uow, entry)}")
    ]


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
            _save(scope, record, result, actor=None)


def _took_part(state: dict[str, Any], person_id: int) -> bool:
    """In the round now, or once: a member, the moderator, a contributor, counted as one."""
    return (
        person_id in state["members"]
        or state.get("moderator") == person_id
        or any(c["person"] == person_id for c in state["contributions"])
        or any(p == person_id for p, _ in state["moderated"])
    )
