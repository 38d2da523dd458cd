"""A person's check-ins: the schedule, pausing, asking now, time zone, and the answer."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import privacy
from bot.checkin_messages import checkin_reply, questions_for
from bot.checkins import PENDING, Checkin, CheckinSchedule, CheckinStatus
from bot.commands import (
    MAX_DIARY_CHARS,
    MAX_PAUSE,
    AnswerCheckin,
    CheckinNow,
    CheckinsOff,
    PauseCheckins,
    ResumeCheckins,
    ScheduleCheckins,
    SetTimezone,
    ShowCheckins,
    SkipCheckin,
    SnoozeCheckin,
    extract_tags,
)
from bot.domain import DiaryEntry, EntrySource, OutboxKind, Person
from bot.events import CheckinAnswered
from bot.forms import CHECKIN, translated
from bot.handlers.context import Context, UserError
from bot.i18n import N_, _, pgettext, weekday_name
from bot.recurrence import QUIET_END, QUIET_START, is_quiet, out_of_quiet_hours, start_of_local_day
from bot.replies import Field, Reply, Section
from bot.wording import format_number, pattern

HOW_TO_START = N_("Set them up with `/learn checkin every mon,thu 09:00`.")
# A moment as check-in answers show it (a CLDR pattern; German's in the catalogue).
WHEN = N_("EEE dd MMM yyyy HH:mm")
DAY = N_("yyyy-MM-dd")  # a date in a refusal


def show(ctx: Context, command: ShowCheckins) -> list[Reply]:
    schedule = _schedule(ctx)
    if schedule is None:
        return [Reply(text=_("You have no check-ins yet.") + " " + _(HOW_TO_START))]
    return [_overview(ctx, schedule, _("Your check-ins."))]


def schedule_for(ctx: Context, person: Person, command: ScheduleCheckins) -> CheckinSchedule:
    """Set `person`'s check-ins to `command`'s days and local time (switching them on)."""
    assert person.id is not None
    schedule = ctx.uow.schedules.get(person.id) or CheckinSchedule(
        person_id=person.id,
        weekdays=command.weekdays,
        wall_time=command.wall_time,
        created_at=ctx.now,
    )
    schedule.weekdays, schedule.wall_time, schedule.enabled = (
        command.weekdays,
        command.wall_time,
        True,
    )
    schedule.advance(person.zone, ctx.now)
    ctx.uow.schedules.save(schedule)
    return schedule


def set_schedule(ctx: Context, command: ScheduleCheckins) -> list[Reply]:
    schedule = schedule_for(ctx, ctx.asker, command)
    reply = _overview(ctx, schedule, _("Check-ins set."))
    if is_quiet(command.wall_time):
        note = _(
            "{time} is inside the quiet hours ({start}–{end}); as you chose it, I will ask then."
        ).format(
            time=f"{command.wall_time:%H:%M}",
            start=f"{QUIET_START:%H:%M}",
            end=f"{QUIET_END:%H:%M}",
        )
        reply = reply.model_copy(update={"sections": (*reply.sections, Section(text=note))})
    return [reply]


def pause(ctx: Context, command: PauseCheckins) -> list[Reply]:
    schedule = _active_schedule(ctx, _("You have no check-ins to pause."))
    if command.duration is not None:
        until = ctx.now + command.duration
    else:
        assert command.until is not None
        day = ctx.day(command.until)
        if day > (ctx.now + MAX_PAUSE).date():
            raise UserError(_("A pause lasts at most 26 weeks; pick an earlier date."))
        until = start_of_local_day(day, ctx.asker.zone)
        if until <= ctx.now:
            raise UserError(
                _("{day} is not in the future; pause until a later date.").format(
                    day=pattern(day, DAY)
                )
            )
    schedule.paused_until = until
    _save(ctx, schedule)
    _cancel_reminder(ctx)
    paused = _("Check-ins paused until {when}.").format(when=_when(ctx, until))
    return [_overview(ctx, schedule, paused)]


def resume(ctx: Context, command: ResumeCheckins) -> list[Reply]:
    schedule = _active_schedule(ctx, _("You have no check-ins to resume."))
    if schedule.paused_until is None or schedule.paused_until <= ctx.now:
        return [_overview(ctx, schedule, _("Your check-ins are not paused."))]
    schedule.paused_until = None
    _save(ctx, schedule)
    return [_overview(ctx, schedule, _("Check-ins resumed."))]


def turn_off(ctx: Context, command: CheckinsOff) -> list[Reply]:
    schedule = _schedule(ctx)
    if schedule is None or not schedule.enabled:
        return [Reply(text=_("Your check-ins are off.") + " " + _(HOW_TO_START))]
    schedule.enabled, schedule.paused_until = False, None
    _save(ctx, schedule)
    _cancel_reminder(ctx)
    return [Reply(text=_("Check-ins are off. Turn them on again with `/learn checkin every ...`."))]


def ask_now(ctx: Context, command: CheckinNow) -> list[Reply]:
    assert ctx.asker.id is not None
    if ctx.uow.checkins.pending_for(ctx.asker.id) is not None:
        return [
            Reply(text=_("A check-in is already waiting in your direct messages; reply there."))
        ]
    checkin = Checkin(
        person_id=ctx.asker.id,
        due_at=ctx.now,
        status=CheckinStatus.ASKED,
        questions=questions_for(ctx.asker, ctx.policy.checkins.questions),
        requested=True,
        asked_at=ctx.now,
        expires_at=ctx.now + ctx.policy.checkins.answer_window,
    )
    if not ctx.uow.checkins.add(checkin):  # asked this very moment already (a double click)
        return [Reply(text=_("Your check-in is on its way to your direct messages."))]
    asker = ctx.asker
    ctx.send_later(
        lambda: checkin_reply(asker, checkin),
        key=f"checkin-now:{ctx.asker.id}:{ctx.now.isoformat()}",
        kind=OutboxKind.CHECKIN_REQUESTED,
        due_at=ctx.now,
        to=ctx.asker.id,
    )
    return [
        Reply(text=_("Your check-in is in your direct messages. Reply there when you are ready."))
    ]


def set_timezone(ctx: Context, command: SetTimezone) -> list[Reply]:
    ctx.asker.timezone, ctx.asker.timezone_chosen = command.zone, True
    ctx.uow.people.update(ctx.asker)
    schedule = _schedule(ctx)
    now_in = _("Your time zone is now {zone}.").format(zone=command.zone)
    if schedule is not None:
        _save(ctx, schedule)
        return [_overview(ctx, schedule, now_in)]
    return [Reply(text=now_in)]


NOTHING_WAITING = N_("No check-in is waiting for you; `/learn checkin now` asks you one.")


def answer_command(ctx: Context, command: AnswerCheckin) -> list[Reply]:
    """`checkin answer <text>` (or the check-in form); without text, the form itself."""
    assert ctx.asker.id is not None
    if command.text is None:
        if ctx.uow.checkins.pending_for(ctx.asker.id) is None:
            raise UserError(_(NOTHING_WAITING))
        return [Reply(text=_("Answer your check-in"), form=translated(CHECKIN))]
    replies = answer(ctx, command.text) or late_answer(ctx, command.text)
    if replies is None:
        raise UserError(_(NOTHING_WAITING))
    return replies


def skip(ctx: Context, command: SkipCheckin) -> list[Reply]:
    checkin = _waiting(ctx)
    checkin.status, checkin.skip_reason = CheckinStatus.SKIPPED, "skipped by the person"
    if not ctx.uow.checkins.update(checkin, PENDING):
        raise UserError(_(NOTHING_WAITING))
    return [Reply(text=_("Skipped. No reminder will come for this one."))]


def snooze(ctx: Context, command: SnoozeCheckin) -> list[Reply]:
    checkin = _waiting(ctx)
    later = out_of_quiet_hours(ctx.now + command.delay, ctx.asker.zone)
    checkin.status, checkin.remind_at = CheckinStatus.ASKED, later
    assert checkin.expires_at is not None
    checkin.expires_at = max(checkin.expires_at, later + timedelta(hours=2))
    if not ctx.uow.checkins.update(checkin, PENDING):
        raise UserError(_(NOTHING_WAITING))
    return [Reply(text=_("I will ask again at {when}.").format(when=_when(ctx, later)))]


def _waiting(ctx: Context) -> Checkin:
    assert ctx.asker.id is not None
    checkin = ctx.uow.checkins.pending_for(ctx.asker.id)
    if checkin is None:
        raise UserError(_(NOTHING_WAITING))
    return checkin


def _checked_answer(text: str) -> str:
    text = text.strip()
    if not text:
        raise UserError(_("Your answer is empty; write a few words about your week."))
    if len(text) > MAX_DIARY_CHARS:
        raise UserError(
            _(
                "Your answer has {count} characters; the limit is {limit}. "
                "Shorten it, and add the rest with `/learn diary`."
            ).format(count=format_number(len(text)), limit=format_number(MAX_DIARY_CHARS))
        )
    return text


def answer(ctx: Context, text: str) -> list[Reply] | None:
    """A message in the DM: the answer to the pending check-in, if one is waiting."""
    assert ctx.asker.id is not None
    checkin = ctx.uow.checkins.pending_for(ctx.asker.id)
    if checkin is None:
        return None
    text = _checked_answer(text)
    checkin.status, checkin.answered_at = CheckinStatus.ANSWERED, ctx.now
    if not ctx.uow.checkins.update(checkin, PENDING):
        return None  # it was marked missed a moment ago: as if nothing were waiting
    entry = privacy.write(
        ctx.uow,
        DiaryEntry(
            author_id=ctx.asker.id,
            text=text,
            tags=ctx.policy.resolve_tags(extract_tags(text)).all,
            source=EntrySource.CHECK_IN,
            created_at=ctx.now,
        ),
    )
    checkin.entry_id = entry.id
    ctx.uow.checkins.update(checkin, [CheckinStatus.ANSWERED])
    ctx.publish(CheckinAnswered(ctx.asker.id, checkin.id))
    return [Reply(text=_("Thank you. Your answer is in your diary; only you can see it."))]


LATE_ANSWER_WINDOW = timedelta(days=7)  # after the missed check-in's expiry


def late_answer(ctx: Context, text: str) -> list[Reply] | None:
    """A DM message when nothing is waiting, but the person's latest check-in was marked
    missed (within a week): what they wrote is kept as a diary entry marked late, never
    thrown away. None if there is no such check-in (the message is no answer at all)."""
    assert ctx.asker.id is not None
    asked = [c for c in ctx.uow.checkins.for_person(ctx.asker.id) if c.asked_at is not None]
    if not asked:
        return None
    missed = asked[-1]
    deadline = missed.expires_at or missed.due_at
    if missed.status is not CheckinStatus.MISSED or ctx.now > deadline + LATE_ANSWER_WINDOW:
        return None
    text = _checked_answer(text)
    entry = privacy.write(  # private, as every check-in answer: no audience
        ctx.uow,
        DiaryEntry(
            author_id=ctx.asker.id,
            text=text,
            tags=ctx.policy.resolve_tags(extract_tags(text)).all,
            source=EntrySource.LATE_CHECK_IN,
            created_at=ctx.now,
        ),
    )
    if missed.entry_id is None:  # the first late reply is the check-in's answer
        missed.answered_at, missed.entry_id = ctx.now, entry.id
        ctx.uow.checkins.update(missed, [CheckinStatus.MISSED])
    ctx.publish(CheckinAnswered(ctx.asker.id, missed.id, late=True))
    day = weekday_name(ctx.local(missed.due_at).weekday())
    return [
        Reply(
            text=_(
                "Saved as a late answer to {day}'s check-in, in your diary; only you can see it."
            ).format(day=day)
        )
    ]


def _cancel_reminder(ctx: Context) -> None:
    """Whoever pauses or stops their check-ins gets no reminder of the one still open."""
    assert ctx.asker.id is not None
    pending = ctx.uow.checkins.pending_for(ctx.asker.id)
    if pending is not None and pending.remind_at is not None:
        pending.remind_at = None
        ctx.uow.checkins.update(pending, [CheckinStatus.ASKED])


def _schedule(ctx: Context) -> CheckinSchedule | None:
    assert ctx.asker.id is not None
    return ctx.uow.schedules.get(ctx.asker.id)


def _active_schedule(ctx: Context, none: str) -> CheckinSchedule:
    """The asker's schedule that is on, or `UserError`: `none` and how to start."""
    schedule = _schedule(ctx)
    if schedule is None or not schedule.enabled:
        raise UserError(f"{none} {_(HOW_TO_START)}")
    return schedule


def _save(ctx: Context, schedule: CheckinSchedule) -> None:
    schedule.advance(ctx.asker.zone, ctx.now)
    ctx.uow.schedules.save(schedule)


def _when(ctx: Context, moment: datetime) -> str:
    return pattern(ctx.local(moment), WHEN)


def _overview(ctx: Context, schedule: CheckinSchedule, title: str) -> Reply:
    """The schedule under `title` (a whole sentence)."""
    when = Field(label=_("When"), value=f"{schedule.describe()} ({ctx.asker.timezone})")
    fields = [when]
    if not schedule.enabled:
        fields.append(Field(label=_("Status"), value=pgettext("check-ins", "off")))
    elif schedule.paused_until is not None and schedule.paused_until > ctx.now:
        fields.append(Field(label=_("Paused until"), value=_when(ctx, schedule.paused_until)))
    upcoming = schedule.upcoming(ctx.asker.zone, ctx.now, 3)
    if upcoming:
        fields.append(Field(label=_("Next"), value="; ".join(_when(ctx, u) for u in upcoming)))
    return Reply(text=title, sections=(Section(text="", fields=tuple(fields)),))
