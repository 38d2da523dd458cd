"""The colleague-advice state machine (issue #8), transition by transition, on a fixed
clock. Instants are worked out by hand: Berlin is UTC+1 until 28 March 2027, UTC+2 after.
4 March 2027 is a Thursday."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.advice import (
    DEFAULT_METHODS,
    LISTEN_REMINDER,
    PURPOSES,
    AdviceConfig,
    AdviceRound,
    CannotStart,
    ContributionHeld,
    ContributionRecorded,
    KeyQuestionSet,
    Method,
    MethodChosen,
    Mode,
    ModeratorChoice,
    ModeratorChosen,
    Nudge,
    Phase,
    PhaseStarted,
    Rejected,
    RejectReason,
    RoundAbandoned,
    RoundCancelled,
    RoundClosed,
    RoundPaused,
    RoundResumed,
    Status,
    Step,
    add_working_days,
    extend_methods,
    fair_moderator,
    parse_numbers,
    split_ideas,
    start,
)

BERLIN = ZoneInfo("Europe/Berlin")
ANA, BEN, CEM, DORA, ELI = 1, 2, 3, 4, 5  # Ana brings the case
GROUP = (ANA, BEN, CEM, DORA, ELI)
OUTSIDER = 99
T0 = datetime(2027, 3, 4, 9, 0, tzinfo=UTC)  # Thursday, 10:00 in Berlin


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def live(**kwargs) -> AdviceRound:
    return start(ANA, "My team misses every sprint goal.", GROUP, Mode.LIVE, T0, **kwargs).round


def written(**kwargs) -> AdviceRound:
    kwargs.setdefault("timezone", "Europe/Berlin")
    return start(ANA, "My team misses every sprint goal.", GROUP, Mode.WRITTEN, T0, **kwargs).round


def only(step: Step, kind: type):
    found = [e for e in step.effects if isinstance(e, kind)]
    assert len(found) == 1, step.effects
    return found[0]


def to_phase(round_: AdviceRound, phase: Phase, now: datetime) -> AdviceRound:
    """Walk a round with Ben moderating, by his "next", to the start of `phase`."""
    if round_.moderator is None:
        round_ = round_.choose_moderator(BEN, BEN, now).round
    while round_.phase is not phase:
        if round_.phase is Phase.KEY_QUESTION:
            round_ = round_.set_key_question(ANA, "How do I get honest estimates?", now).round
        if round_.phase is Phase.METHOD_CHOICE:
            round_ = round_.choose_method(BEN, "good-advice", now).round
        step = round_.next(BEN, now)
        assert step.rejected is None, step.rejected
        round_ = step.round
    return round_


# --- start and casting ---------------------------------------------------------------


def test_start_opens_the_casting_with_its_timebox():
    step = start(ANA, "  My team misses every sprint goal. ", GROUP, Mode.LIVE, T0)
    r = step.round
    assert (r.phase, r.status, r.moderator) == (Phase.CASTING, Status.ACTIVE, None)
    assert r.case == "My team misses every sprint goal."
    assert r.deadline == utc(2027, 3, 4, 9, 5)
    assert step.effects == (
        PhaseStarted(Phase.CASTING, PURPOSES[Phase.CASTING], GROUP, utc(2027, 3, 4, 9, 5)),
    )
    assert step.effects[0].number == 1 and step.effects[0].title == "Casting"


def test_start_adds_the_case_giver_and_can_name_the_moderator():
    step = start(ANA, "case", (BEN, CEM), Mode.LIVE, T0, moderator=CEM)
    assert step.round.members == (BEN, CEM, ANA)
    assert step.round.moderator == CEM
    assert step.round.advisors == (BEN,)
    assert step.effects[0] == ModeratorChosen(CEM, ModeratorChoice.CHOSEN)


@pytest.mark.parametrize(
    "case, members, moderator, message",
    [
        ("  ", GROUP, None, "Say what the case is"),
        ("case", (ANA, BEN), None, "at least one advisor"),
        ("case", GROUP, ANA, "other than the case-giver"),
        ("case", GROUP, OUTSIDER, "other than the case-giver"),
    ],
)
def test_a_round_that_cannot_start_says_why(case, members, moderator, message):
    with pytest.raises(CannotStart, match=message):
        start(ANA, case, members, Mode.LIVE, T0, moderator=moderator)


def test_fair_rotation_picks_who_moderated_least_lowest_id_on_ties_never_the_case_giver():
    counts = {ANA: 0, BEN: 2, CEM: 1, DORA: 1, ELI: 3}
    assert fair_moderator(GROUP, ANA, counts) == CEM
    assert fair_moderator(GROUP, ANA, counts, exclude={CEM}) == DORA
    assert fair_moderator(GROUP, ANA, {}) == BEN
    assert fair_moderator(GROUP, ANA, {BEN: 1}) == CEM
    assert fair_moderator((ANA,), ANA, {}) is None


def test_choosing_the_moderator_in_casting():
    r = live(moderated={BEN: 2, CEM: 1, DORA: 1, ELI: 3})
    volunteered = r.choose_moderator(ELI, ELI, T0 + minutes(1))
    assert volunteered.round.moderator == ELI
    assert volunteered.effects == (ModeratorChosen(ELI, ModeratorChoice.CHOSEN),)
    assert volunteered.round.advisors == (BEN, CEM, DORA)
    rotated = volunteered.round.choose_moderator(ANA, None, T0 + minutes(2))
    assert rotated.round.moderator == CEM
    assert rotated.effects == (ModeratorChosen(CEM, ModeratorChoice.ROTATED),)
    assert rotated.round.last_activity_at == T0 + minutes(2)


@pytest.mark.parametrize(
    "by, person, reason",
    [
        (BEN, ANA, RejectReason.BAD_CANDIDATE),
        (BEN, OUTSIDER, RejectReason.BAD_CANDIDATE),
        (OUTSIDER, BEN, RejectReason.NOT_MEMBER),
    ],
)
def test_a_bad_moderator_choice_is_rejected(by, person, reason):
    r = live()
    step = r.choose_moderator(by, person, T0)
    assert step.round is r
    assert step.effects == (Rejected(by, reason, step.rejected.hint),)


def test_the_moderator_is_chosen_only_in_casting():
    r = to_phase(live(), Phase.CASE_ACCOUNT, T0)
    step = r.choose_moderator(CEM, CEM, T0)
    assert step.rejected.reason is RejectReason.WRONG_PHASE
    assert step.round.moderator == BEN


# --- moving on -----------------------------------------------------------------------


def test_only_the_moderator_moves_on():
    r = live().choose_moderator(BEN, BEN, T0).round
    for person in (ANA, CEM, OUTSIDER):
        step = r.next(person, T0 + minutes(1))
        assert step.round is r
        assert step.rejected == Rejected(
            person, RejectReason.NOT_MODERATOR, "Only the moderator moves the round on."
        )
    moved = r.next(BEN, T0 + minutes(1))
    assert moved.rejected is None
    assert moved.round.phase is Phase.CASE_ACCOUNT


def test_next_without_a_moderator_asks_for_one():
    step = live().next(BEN, T0)
    assert step.rejected.reason is RejectReason.NO_MODERATOR
    assert step.round.phase is Phase.CASTING


LIVE_WALK = [
    # phase, its minutes, who speaks (Ben moderates)
    (Phase.CASE_ACCOUNT, 10, (ANA,)),
    (Phase.KEY_QUESTION, 5, (ANA,)),
    (Phase.METHOD_CHOICE, 5, (BEN, ANA)),
    (Phase.CONSULTATION, 10, (CEM, DORA, ELI)),
    (Phase.CLOSING, 5, (ANA,)),
]


def test_each_live_phase_says_what_it_is_for_who_speaks_and_until_when():
    r = live().choose_moderator(BEN, BEN, T0).round
    now = T0
    for phase, length, speakers in LIVE_WALK:
        now += minutes(3)
        if r.phase is Phase.KEY_QUESTION:
            r = r.set_key_question(ANA, "How do I get honest estimates?", now).round
        if r.phase is Phase.METHOD_CHOICE:
            r = r.choose_method(ANA, "resonance", now).round
        step = r.next(BEN, now)
        started = only(step, PhaseStarted)
        assert started.phase is phase
        assert started.purpose == PURPOSES[phase]
        assert started.speakers == speakers
        assert started.deadline == now + minutes(length)
        assert step.round.phase_started_at == now
        assert started.method == (
            DEFAULT_METHODS[3] if phase is Phase.CONSULTATION else None
        )  # resonance, chosen above
        r = step.round
    assert r.phase is Phase.CLOSING


def test_the_consultation_announcement_carries_the_method_and_its_how_to():
    r = to_phase(live(), Phase.METHOD_CHOICE, T0)
    r = r.choose_method(BEN, "headstand", T0).round
    started = only(r.next(BEN, T0), PhaseStarted)
    assert started.phase is Phase.CONSULTATION
    assert started.method.name.text("en") == "Headstand brainstorming"
    assert started.method.how_to.text("en").startswith(
        "Ask how the case-giver could make things worse"
    )


def test_next_in_the_closing_ends_the_round_with_the_summary():
    r = to_phase(live(), Phase.CLOSING, T0)
    step = r.next(BEN, T0 + minutes(1))
    assert step.round.status is Status.FINISHED
    assert step.round.deadline is None
    closed = only(step, RoundClosed)
    assert closed.summary.key_question == "How do I get honest estimates?"
    assert step.round.next(BEN, T0 + minutes(2)).rejected.reason is RejectReason.OVER


def test_next_refuses_to_leave_the_key_question_or_the_method_undecided():
    r = to_phase(live(), Phase.KEY_QUESTION, T0)
    step = r.next(BEN, T0)
    assert step.rejected == Rejected(
        BEN, RejectReason.NEEDS_KEY_QUESTION, "Set the key question first."
    )
    r = to_phase(r, Phase.METHOD_CHOICE, T0)
    assert r.method_id is None
    assert r.next(BEN, T0).rejected.reason is RejectReason.NEEDS_METHOD


def test_live_timeboxes_are_configurable():
    config = AdviceConfig(live_minutes={Phase.CASE_ACCOUNT: 15, Phase.CASTING: 2})
    r = live(config=config)
    assert r.deadline == T0 + minutes(2)
    r = to_phase(r, Phase.CASE_ACCOUNT, T0 + minutes(1))
    assert r.deadline == T0 + minutes(16)
    assert config.live_minutes[Phase.CONSULTATION] == 10  # the others keep their defaults


@pytest.mark.parametrize("bad", [{"live_minutes": {Phase.CLOSING: 0}}, {"methods": ()}])
def test_a_config_that_makes_no_sense_is_refused(bad):
    with pytest.raises(ValueError):
        AdviceConfig(**bad)


# --- the end of a timebox ------------------------------------------------------------


def test_before_its_deadline_a_timebox_does_nothing():
    r = live()
    assert r.deadline_passed(T0 + minutes(4)) == Step(r)
    assert r.deadline_passed(T0 + minutes(4.99)).effects == ()


def test_casting_ending_without_a_moderator_rotates_fairly_and_moves_on():
    r = live(moderated={BEN: 1, CEM: 1, DORA: 0, ELI: 0})
    step = r.deadline_passed(T0 + minutes(5))
    assert step.effects == (
        ModeratorChosen(DORA, ModeratorChoice.ROTATED),
        PhaseStarted(Phase.CASE_ACCOUNT, PURPOSES[Phase.CASE_ACCOUNT], (ANA,), T0 + minutes(15)),
    )
    assert step.round.moderator == DORA
    assert step.round.last_activity_at == T0  # the clock moving on is no activity


def test_a_late_timebox_gives_the_next_phase_its_full_length_from_now():
    r = live().choose_moderator(BEN, BEN, T0).round
    step = r.deadline_passed(T0 + minutes(30))
    assert step.round.phase is Phase.CASE_ACCOUNT
    assert step.round.deadline == T0 + minutes(40)


def test_key_question_ending_unset_goes_on_without_one():
    r = to_phase(live(), Phase.CASE_ACCOUNT, T0)
    r = r.deadline_passed(T0 + minutes(10)).round
    assert r.phase is Phase.KEY_QUESTION
    step = r.deadline_passed(T0 + minutes(15))
    assert step.round.phase is Phase.METHOD_CHOICE
    assert step.round.key_question is None


def test_method_choice_ending_unchosen_takes_the_first_method():
    r = to_phase(live(), Phase.METHOD_CHOICE, T0)
    step = r.deadline_passed(T0 + minutes(5))
    assert step.effects[0] == MethodChosen(DEFAULT_METHODS[0], None)
    assert step.round.method_id == "brainstorming"
    assert only(step, PhaseStarted).method.id == "brainstorming"


def test_closing_ending_finishes_the_round():
    r = to_phase(live(), Phase.CLOSING, T0)
    r = r.contribute(ANA, "Number 2 helped; I will ask the team.", T0 + minutes(1)).round
    step = r.deadline_passed(T0 + minutes(5))
    assert step.round.status is Status.FINISHED
    assert only(step, RoundClosed).summary.takeaway == "Number 2 helped; I will ask the team."


# --- written mode: working days ------------------------------------------------------


@pytest.mark.parametrize(
    "start_at, days, expected",
    [
        # Thursday 10:00 Berlin + 1 -> Friday 10:00
        (utc(2027, 3, 4, 9), 1, utc(2027, 3, 5, 9)),
        # Thursday + 2 -> Monday (the weekend does not count)
        (utc(2027, 3, 4, 9), 2, utc(2027, 3, 8, 9)),
        # Friday 16:00 + 1 -> Monday 16:00
        (utc(2027, 3, 5, 15), 1, utc(2027, 3, 8, 15)),
        # Saturday 15:00 counts from Monday 00:00: + 1 -> Tuesday 00:00 Berlin
        (utc(2027, 3, 6, 14), 1, utc(2027, 3, 8, 23)),
        # Sunday + 0 -> Monday 00:00
        (utc(2027, 3, 7, 14), 0, utc(2027, 3, 7, 23)),
        # Friday 26 March 10:00 CET + 1 -> Monday 29 March 10:00 CEST (08:00 UTC)
        (utc(2027, 3, 26, 9), 1, utc(2027, 3, 29, 8)),
        # ten working days: Thursday 4 -> Thursday 18
        (utc(2027, 3, 4, 9), 10, utc(2027, 3, 18, 9)),
        # Friday 23:30 Berlin (Friday 22:30 UTC) + 1 -> Monday 23:30 Berlin
        (utc(2027, 3, 5, 22, 30), 1, utc(2027, 3, 8, 22, 30)),
    ],
)
def test_working_days_skip_the_weekend_in_the_rounds_zone(start_at, days, expected):
    assert add_working_days(start_at, days, BERLIN) == expected


def test_days_off_count_like_a_weekend():
    good_friday = frozenset({date(2027, 3, 26)})
    # Thursday 25 March 10:00 CET + 1 -> Monday 29 (CEST)
    assert add_working_days(utc(2027, 3, 25, 9), 1, BERLIN, good_friday) == utc(2027, 3, 29, 8)


def test_a_written_round_takes_ten_working_days_across_two_weekends():
    r = written()
    assert r.deadline == utc(2027, 3, 5, 9)  # casting: Friday 10:00
    ends = []
    while r.status is Status.ACTIVE:
        step = r.deadline_passed(r.deadline)
        ends.append(step.round.deadline)
        r = step.round
    assert ends == [
        utc(2027, 3, 9, 9),  # case account: Fri -> Tue (2 working days)
        utc(2027, 3, 10, 9),  # key question: Wednesday
        utc(2027, 3, 11, 9),  # method choice: Thursday
        utc(2027, 3, 16, 9),  # consultation: Thu -> Tue (3)
        utc(2027, 3, 18, 9),  # closing: Thursday 18, ten working days after the start
        None,
    ]
    assert r.status is Status.FINISHED
    assert r.ended_at == utc(2027, 3, 18, 9)
    assert r.method_id == "brainstorming" and r.moderator == BEN


def test_an_idle_written_round_is_nudged_daily_then_abandoned_rather_than_run_out():
    r = written()
    trail = []
    while r.is_open:
        due = r.due_at()
        step = r.tick(due)
        trail.append((due, step.round.phase, [type(e).__name__ for e in step.effects]))
        r = step.round
    assert trail == [
        (utc(2027, 3, 5, 9), Phase.CASE_ACCOUNT, ["ModeratorChosen", "PhaseStarted"]),
        (utc(2027, 3, 8, 8), Phase.CASE_ACCOUNT, ["Nudge"]),  # Monday 09:00 Berlin
        (utc(2027, 3, 9, 8), Phase.CASE_ACCOUNT, ["Nudge"]),  # Tuesday, before 10:00
        (utc(2027, 3, 9, 9), Phase.KEY_QUESTION, ["PhaseStarted"]),
        (utc(2027, 3, 10, 8), Phase.KEY_QUESTION, ["Nudge"]),
        (utc(2027, 3, 10, 9), Phase.METHOD_CHOICE, ["PhaseStarted"]),
        (utc(2027, 3, 11, 8), Phase.METHOD_CHOICE, ["Nudge"]),
        # five working days after the start, nobody having done anything
        (utc(2027, 3, 11, 9), Phase.METHOD_CHOICE, ["RoundAbandoned"]),
    ]
    assert r.status is Status.ABANDONED


def test_written_days_per_phase_are_configurable():
    config = AdviceConfig(written_days={Phase.CASTING: 3})
    r = written(config=config)
    assert r.deadline == utc(2027, 3, 9, 9)  # Thu + 3 working days -> Tuesday


# --- nudges --------------------------------------------------------------------------


def test_a_written_consultation_nudges_the_advisors_who_have_not_written_once_a_working_day():
    thursday = utc(2027, 3, 11, 9)
    r = to_phase(written(), Phase.CONSULTATION, thursday)
    assert r.deadline == utc(2027, 3, 16, 9)
    r = r.contribute(DORA, "Ask each one privately for an estimate first.", thursday).round
    assert r.waiting_for() == (CEM, ELI)
    assert r.who_to_nudge(utc(2027, 3, 11, 20)) == ()  # not on the day the phase started
    friday_nine = utc(2027, 3, 12, 8)  # 09:00 Berlin
    assert r.next_nudge_at() == friday_nine
    assert r.who_to_nudge(friday_nine - minutes(1)) == ()
    assert r.who_to_nudge(friday_nine) == (CEM, ELI)
    step = r.nudge(friday_nine)
    assert step.effects == (Nudge((CEM, ELI), Phase.CONSULTATION, utc(2027, 3, 16, 9)),)
    r = step.round
    assert r.who_to_nudge(utc(2027, 3, 12, 15)) == ()  # once a day
    assert r.nudge(utc(2027, 3, 12, 15)) == Step(r)
    assert r.next_nudge_at() == utc(2027, 3, 15, 8)  # not Saturday: Monday 09:00
    r = r.contribute(CEM, "Planning poker.", utc(2027, 3, 13, 10)).round
    assert r.who_to_nudge(utc(2027, 3, 15, 8)) == (ELI,)
    r = r.contribute(ELI, "Shorter sprints.", utc(2027, 3, 14, 10)).round
    assert r.next_nudge_at() is None
    assert r.who_to_nudge(utc(2027, 3, 15, 8)) == ()


@pytest.mark.parametrize(
    "phase, waiting",
    [
        (Phase.CASE_ACCOUNT, (ANA,)),
        (Phase.KEY_QUESTION, (ANA,)),
        (Phase.METHOD_CHOICE, (BEN,)),
        (Phase.CONSULTATION, (CEM, DORA, ELI)),
        (Phase.CLOSING, (ANA,)),
    ],
)
def test_who_is_waited_for_in_each_phase(phase, waiting):
    r = to_phase(written(), phase, T0)
    assert r.waiting_for() == waiting


def test_the_case_giver_is_nudged_until_the_key_question_is_set():
    r = to_phase(written(), Phase.KEY_QUESTION, T0)  # Thursday 4th, deadline Friday 10:00
    assert r.deadline == utc(2027, 3, 5, 9)
    assert r.who_to_nudge(utc(2027, 3, 5, 8)) == (ANA,)
    r = r.set_key_question(ANA, "How?", utc(2027, 3, 5, 7)).round
    assert r.who_to_nudge(utc(2027, 3, 5, 8)) == ()


def test_no_nudge_at_or_after_the_deadline():
    config = AdviceConfig(nudge_time=time(11, 0))
    r = to_phase(written(config=config), Phase.KEY_QUESTION, T0)  # ends Friday 10:00 Berlin
    assert r.next_nudge_at() is None
    assert r.who_to_nudge(utc(2027, 3, 5, 10)) == ()


def test_a_live_round_nudges_nobody():
    r = to_phase(live(), Phase.CONSULTATION, T0)
    assert r.next_nudge_at() is None
    assert r.who_to_nudge(T0 + timedelta(days=2)) == ()


def test_tick_moves_on_and_nudges_what_is_due():
    r = to_phase(written(), Phase.CONSULTATION, utc(2027, 3, 11, 9))
    assert r.due_at() == utc(2027, 3, 12, 8)  # the first nudge comes before the deadline
    step = r.tick(utc(2027, 3, 12, 8))
    assert step.effects == (Nudge((CEM, DORA, ELI), Phase.CONSULTATION, utc(2027, 3, 16, 9)),)
    assert step.round.due_at() == utc(2027, 3, 15, 8)
    assert step.round.tick(utc(2027, 3, 12, 9)) == Step(step.round)


# --- contributions -------------------------------------------------------------------


def test_advisors_contributions_are_collected_per_phase_and_numbered():
    r = to_phase(live(), Phase.CASE_ACCOUNT, T0)
    r = r.contribute(ANA, "Since March the team estimates high.", T0 + minutes(1)).round
    step = r.contribute(CEM, "Who sets the sprint goal?", T0 + minutes(2))
    recorded = only(step, ContributionRecorded).contribution
    assert (recorded.number, recorded.person, recorded.phase) == (2, CEM, Phase.CASE_ACCOUNT)
    r = to_phase(step.round, Phase.CONSULTATION, T0 + minutes(3))
    r = r.contribute(DORA, "Try planning poker.", T0 + minutes(4)).round
    assert [(c.number, c.phase) for c in r.contributions] == [
        (1, Phase.CASE_ACCOUNT),
        (2, Phase.CASE_ACCOUNT),
        (3, Phase.CONSULTATION),
    ]
    assert [c.text for c in r.in_phase(Phase.CONSULTATION)] == ["Try planning poker."]


def test_a_message_with_bullets_is_split_into_one_idea_each():
    r = to_phase(live(), Phase.CONSULTATION, T0)
    step = r.contribute(CEM, "Two ideas:\n- planning poker\n- shorter sprints,\n  two weeks", T0)
    assert [e.contribution.text for e in step.effects] == [
        "planning poker",
        "shorter sprints, two weeks",
    ]
    assert [e.contribution.number for e in step.effects] == [1, 2]


@pytest.mark.parametrize(
    "text, ideas",
    [
        ("Just one idea.\nOn two lines.", ("Just one idea.\nOn two lines.",)),
        ("- only one", ("only one",)),
        ("1. ask\n2) listen\n3. decide", ("ask", "listen", "decide")),
        ("* a\n• b\n– c", ("a", "b", "c")),
        ("Context first\n- a\n- b", ("Context first", "a", "b")),
        ("- a\n- b\n\nAnd a thought after.", ("a", "b", "And a thought after.")),
        ("-5% budget is a fact, not a bullet", ("-5% budget is a fact, not a bullet",)),
        ("   \n  ", ()),
    ],
)
def test_split_ideas(text, ideas):
    assert split_ideas(text) == ideas


def test_an_empty_message_is_rejected():
    r = to_phase(live(), Phase.CONSULTATION, T0)
    step = r.contribute(CEM, "  \n ", T0)
    assert step.round is r
    assert step.rejected.reason is RejectReason.EMPTY


def test_the_case_giver_only_listens_in_the_consultation():
    r = to_phase(live(), Phase.CONSULTATION, T0)
    step = r.contribute(ANA, "  But we tried poker already!  ", T0 + minutes(2))
    assert step.effects == (ContributionHeld(ANA, "But we tried poker already!", LISTEN_REMINDER),)
    assert step.round.contributions == ()
    assert [h.text for h in step.round.held] == ["But we tried poker already!"]
    assert step.round.last_activity_at == T0 + minutes(2)
    assert "only listens" in step.effects[0].reminder.text("en")


def test_the_case_giver_speaks_in_the_case_account_and_is_never_split():
    r = to_phase(live(), Phase.CASE_ACCOUNT, T0)
    step = r.contribute(ANA, "Facts:\n- six people\n- two-week sprints", T0)
    assert [e.contribution.text for e in step.effects] == [
        "Facts:\n- six people\n- two-week sprints"
    ]


def test_an_outsider_cannot_contribute():
    r = to_phase(live(), Phase.CONSULTATION, T0)
    step = r.contribute(OUTSIDER, "Hello", T0)
    assert step.round is r and step.rejected.reason is RejectReason.NOT_MEMBER


# --- key question and methods --------------------------------------------------------


def test_the_key_question_is_set_in_phase_three_by_the_case_giver_or_moderator():
    r = to_phase(live(), Phase.CASE_ACCOUNT, T0)
    assert r.set_key_question(ANA, "How?", T0).rejected.reason is RejectReason.WRONG_PHASE
    r = r.next(BEN, T0).round
    assert r.set_key_question(CEM, "How?", T0).rejected.reason is RejectReason.NOT_ALLOWED
    step = r.set_key_question(ANA, " How do I get honest estimates? ", T0)
    assert step.effects == (KeyQuestionSet("How do I get honest estimates?", ANA),)
    again = step.round.set_key_question(BEN, "How do we plan honestly?", T0)
    assert again.round.key_question == "How do we plan honestly?"


def test_a_method_is_chosen_from_the_library_with_its_how_to():
    r = to_phase(live(), Phase.METHOD_CHOICE, T0)
    assert [m.id for m in r.config.methods] == [
        "brainstorming",
        "headstand",
        "good-advice",
        "resonance",
        "key-question-finding",
    ]
    assert r.choose_method(CEM, "resonance", T0).rejected.reason is RejectReason.NOT_ALLOWED
    unknown = r.choose_method(BEN, "tarot", T0).rejected
    assert unknown.reason is RejectReason.UNKNOWN_METHOD
    assert unknown.hint == (
        "No method 'tarot'; choose brainstorming, headstand, good-advice, resonance, "
        "key-question-finding."
    )
    step = r.choose_method(ANA, "Good-Advice", T0)
    assert step.round.method_id == "good-advice"
    chosen = only(step, MethodChosen)
    assert chosen.by == ANA
    assert chosen.method.how_to.text("en") == (
        "Give one or two pieces of concrete advice, each starting 'If I were you, I would ...'."
    )


def test_a_company_adds_methods_in_configuration():
    fishbowl = Method("fishbowl", "Fishbowl", "Two advisors talk it through; the rest listen.")
    better = Method("resonance", "Resonance", "One sentence each on what the case stirs.")
    methods = extend_methods(DEFAULT_METHODS, [fishbowl, better])
    assert [m.id for m in methods][-2:] == ["key-question-finding", "fishbowl"]
    assert methods[3] == better
    r = to_phase(live(config=AdviceConfig(methods=methods)), Phase.METHOD_CHOICE, T0)
    assert r.choose_method(BEN, "fishbowl", T0).round.method == fishbowl
    with pytest.raises(ValueError, match="unique"):
        AdviceConfig(methods=(fishbowl, fishbowl))


# --- closing -------------------------------------------------------------------------


def test_the_case_giver_concludes_naming_what_helped():
    r = to_phase(live(), Phase.CONSULTATION, T0)
    r = r.contribute(CEM, "- poker\n- shorter sprints", T0).round
    r = r.contribute(ANA, "Hm.", T0).round  # held
    r = to_phase(r, Phase.CLOSING, T0)
    assert r.conclude(BEN, [1], "x", T0).rejected.reason is RejectReason.NOT_ALLOWED
    bad = r.conclude(ANA, [2, 7], "x", T0).rejected
    assert (bad.reason, bad.hint) == (
        RejectReason.UNKNOWN_CONTRIBUTION,
        "No advisor's contribution has number 7.",
    )
    step = r.conclude(ANA, parse_numbers("2 and 1, 2"), " Shorter sprints first. ", T0)
    summary = only(step, RoundClosed).summary
    assert [c.text for c in summary.helped] == ["shorter sprints", "poker"]
    assert summary.takeaway == "Shorter sprints first."
    assert step.round.status is Status.FINISHED


def test_the_case_giver_cannot_name_their_own_words_as_help():
    r = to_phase(live(), Phase.CASE_ACCOUNT, T0)
    r = r.contribute(ANA, "The case.", T0).round
    r = to_phase(r, Phase.CLOSING, T0)
    assert r.conclude(ANA, [1], "", T0).rejected.reason is RejectReason.UNKNOWN_CONTRIBUTION


def test_conclude_only_in_the_closing():
    r = to_phase(live(), Phase.CONSULTATION, T0)
    assert r.conclude(ANA, [], "", T0).rejected.reason is RejectReason.WRONG_PHASE


def test_parse_numbers():
    assert parse_numbers("#3, 5 and 3; also 12") == (3, 5, 12)
    assert parse_numbers("none") == ()


# --- pause, cancel, abandonment ------------------------------------------------------


def test_pause_and_resume_shift_the_deadline_by_the_pause():
    r = to_phase(live(), Phase.CONSULTATION, T0)  # deadline T0 + 10 min
    paused = r.pause(ANA, T0 + minutes(4))
    assert paused.effects == (RoundPaused(ANA, T0 + minutes(4)),)
    p = paused.round
    assert p.status is Status.PAUSED
    assert p.contribute(CEM, "idea", T0 + minutes(5)).rejected.reason is RejectReason.PAUSED
    assert p.next(BEN, T0 + minutes(5)).rejected.reason is RejectReason.PAUSED
    assert p.pause(BEN, T0 + minutes(5)).rejected.reason is RejectReason.PAUSED
    assert p.deadline_passed(T0 + minutes(30)) == Step(p)
    assert p.resume(CEM, T0 + minutes(30)).rejected.reason is RejectReason.NOT_ALLOWED
    resumed = p.resume(BEN, T0 + minutes(30))
    assert resumed.effects == (RoundResumed(BEN, T0 + minutes(36)),)
    assert resumed.round.status is Status.ACTIVE and resumed.round.paused_at is None
    assert resumed.round.deadline == T0 + minutes(36)
    assert resumed.round.resume(BEN, T0 + minutes(31)).rejected.reason is RejectReason.NOT_PAUSED


def test_only_the_moderator_or_case_giver_pauses():
    r = to_phase(live(), Phase.CONSULTATION, T0)
    assert r.pause(DORA, T0).rejected.reason is RejectReason.NOT_ALLOWED


def test_a_written_pause_shifts_the_deadline_by_the_time_paused():
    r = to_phase(written(), Phase.CONSULTATION, utc(2027, 3, 11, 9))  # ends Tue 16th 10:00
    r = r.pause(BEN, utc(2027, 3, 12, 9)).round
    r = r.resume(BEN, utc(2027, 3, 15, 12)).round  # paused 3 days 3 hours
    assert r.deadline == utc(2027, 3, 19, 12)


@pytest.mark.parametrize("who", [ANA, BEN])
def test_the_case_giver_or_moderator_cancels(who):
    r = to_phase(live(), Phase.CONSULTATION, T0)
    step = r.cancel(who, T0 + minutes(1), "  Ana is ill. ")
    assert step.effects == (RoundCancelled(who, "Ana is ill."),)
    done = step.round
    assert (done.status, done.deadline, done.ended_at) == (
        Status.CANCELLED,
        None,
        T0 + minutes(1),
    )
    assert done.contribute(CEM, "x", T0).rejected.reason is RejectReason.OVER
    assert done.cancel(ANA, T0).rejected.reason is RejectReason.OVER
    assert done.due_at() is None
    assert done.tick(T0 + timedelta(days=3)) == Step(done)


def test_an_advisor_cannot_cancel_but_a_paused_round_can_be_cancelled():
    r = to_phase(live(), Phase.CONSULTATION, T0)
    assert r.cancel(CEM, T0).rejected.reason is RejectReason.NOT_ALLOWED
    paused = r.pause(BEN, T0).round
    assert paused.cancel(ANA, T0).round.status is Status.CANCELLED


def test_a_live_round_without_activity_for_two_hours_is_abandoned():
    r = live(config=AdviceConfig(live_minutes={Phase.CASTING: 300}))
    r = r.choose_moderator(BEN, BEN, T0 + minutes(10)).round
    assert r.abandon_at() == T0 + minutes(130)
    assert r.due_at() == T0 + minutes(130)
    assert r.tick(T0 + minutes(129)) == Step(r)
    step = r.tick(T0 + minutes(130))
    assert step.effects == (RoundAbandoned(step.round.end_note),)
    assert step.round.end_note.startswith("No activity since 2027-03-04 09:10 UTC")
    assert step.round.status is Status.ABANDONED
    assert step.round.abandon_at() is None


def test_a_paused_round_is_abandoned_too():
    r = to_phase(live(), Phase.CONSULTATION, T0).pause(ANA, T0 + minutes(1)).round
    assert r.abandon_if_idle(T0 + minutes(120)) == Step(r)
    assert r.abandon_if_idle(T0 + minutes(121)).round.status is Status.ABANDONED


def test_a_written_round_is_abandoned_after_five_quiet_working_days():
    config = AdviceConfig(written_days={Phase.CASE_ACCOUNT: 10})
    r = to_phase(written(config=config), Phase.CASE_ACCOUNT, utc(2027, 3, 5, 9))  # Friday
    assert r.abandon_at() == utc(2027, 3, 12, 9)  # next Friday
    r = r.contribute(ANA, "The case in full.", utc(2027, 3, 8, 9)).round  # Monday
    assert r.abandon_at() == utc(2027, 3, 15, 9)
    assert r.tick(utc(2027, 3, 15, 9)).round.status is Status.ABANDONED


# --- people leaving ------------------------------------------------------------------


def test_an_advisor_leaving_does_not_break_the_round():
    r = to_phase(live(), Phase.CONSULTATION, T0)
    r = r.contribute(CEM, "Poker.", T0).round
    step = r.member_left(CEM, T0 + minutes(1))
    assert step.effects == ()
    left = step.round
    assert left.advisors == (DORA, ELI)
    assert left.status is Status.ACTIVE and left.deadline == r.deadline
    assert [c.person for c in left.contributions] == [CEM]
    assert left.contribute(CEM, "again", T0).rejected.reason is RejectReason.NOT_MEMBER
    assert left.summary().contributions_of(CEM)[0].text == "Poker."


def test_the_moderator_leaving_hands_over_to_the_next_fair_choice():
    r = to_phase(live(moderated={BEN: 0, CEM: 4, DORA: 2, ELI: 2}), Phase.CONSULTATION, T0)
    step = r.member_left(BEN, T0 + minutes(1))
    assert step.effects == (ModeratorChosen(DORA, ModeratorChoice.REPLACED),)
    assert step.round.moderator == DORA
    assert step.round.advisors == (CEM, ELI)
    assert step.round.next(DORA, T0 + minutes(2)).round.phase is Phase.CLOSING


def test_the_case_giver_leaving_cancels_the_round_with_a_note():
    r = to_phase(live(), Phase.CONSULTATION, T0)
    step = r.member_left(ANA, T0 + minutes(1))
    assert step.effects == (
        RoundCancelled(None, "The case-giver left the group; the round is cancelled."),
    )
    assert step.round.status is Status.CANCELLED


def test_the_round_ends_when_nobody_is_left_to_advise():
    r = start(ANA, "case", (ANA, BEN, CEM), Mode.LIVE, T0, moderator=BEN).round
    r = r.member_left(CEM, T0).round
    assert r.status is Status.ACTIVE and r.advisors == ()
    step = r.member_left(BEN, T0)
    assert step.round.status is Status.CANCELLED
    assert step.effects == (
        RoundCancelled(None, "Nobody is left to advise; the round is cancelled."),
    )


def test_someone_not_in_the_round_leaving_changes_nothing():
    r = live()
    assert r.member_left(OUTSIDER, T0) == Step(r)


# --- restart: the round as a plain dict ----------------------------------------------


def busy_written_round() -> AdviceRound:
    """A written round in the middle of its consultation, with everything filled in."""
    config = AdviceConfig(
        methods=extend_methods(DEFAULT_METHODS, [Method("fishbowl", "Fishbowl", "Talk; listen.")]),
        days_off=frozenset({date(2027, 3, 15)}),
        nudge_time=time(8, 30),
    )
    r = written(config=config, moderated={BEN: 1, CEM: 0})
    r = r.choose_moderator(ANA, None, T0).round  # Cem, the fair choice
    r = r.next(CEM, T0).round
    r = r.contribute(ANA, "The team is new.", T0 + minutes(5)).round
    r = r.next(CEM, T0 + minutes(10)).round
    r = r.set_key_question(ANA, "How do I get honest estimates?", T0 + minutes(15)).round
    r = r.next(CEM, T0 + minutes(20)).round
    r = r.choose_method(CEM, "fishbowl", T0 + minutes(25)).round
    r = r.next(CEM, utc(2027, 3, 11, 9)).round  # consultation from Thursday 11th
    r = r.contribute(DORA, "- poker\n- ask privately", utc(2027, 3, 11, 10)).round
    r = r.contribute(ANA, "We tried that.", utc(2027, 3, 11, 11)).round
    r = r.nudge(utc(2027, 3, 12, 8)).round  # Friday, nudging Ben and Eli
    return r


def test_a_round_round_trips_through_json():
    r = busy_written_round()
    assert r.last_nudged_on == date(2027, 3, 12)
    assert r.deadline == utc(2027, 3, 17, 9)  # Thu + 3 working days, Monday 15th off
    data = json.loads(json.dumps(r.to_dict()))
    assert data["phase"] == "consultation" and data["deadline"] == "2027-03-17T09:00:00+00:00"
    restored = AdviceRound.from_dict(data)
    assert restored == r
    assert hash(restored) == hash(r)  # immutable all the way down
    assert restored.to_dict() == r.to_dict()


def test_a_restored_round_continues_identically():
    r = busy_written_round()
    restored = AdviceRound.from_dict(json.loads(json.dumps(r.to_dict())))

    def rest_of_round(round_: AdviceRound) -> list:
        trail = []
        for action in (
            lambda x: x.next_nudge_at(),
            lambda x: x.tick(utc(2027, 3, 15, 7)),  # Monday is off: nothing
            lambda x: x.tick(utc(2027, 3, 16, 7, 30)),  # Tuesday 08:30 Berlin: nudge
            lambda x: x.contribute(ELI, "Fishbowl it.", utc(2027, 3, 16, 8)),
            lambda x: x.pause(ANA, utc(2027, 3, 16, 9)),
            lambda x: x.resume(ANA, utc(2027, 3, 16, 10)),
            lambda x: x.tick(utc(2027, 3, 17, 10)),  # deadline + 1 h from the pause
            lambda x: x.conclude(ANA, [3, 4], "Ask one by one.", utc(2027, 3, 17, 11)),
        ):
            result = action(round_)
            if isinstance(result, Step):
                round_ = result.round
                trail.append((result.effects, round_.deadline, round_.phase, round_.status))
            else:
                trail.append(result)
        return trail

    original, again = rest_of_round(r), rest_of_round(restored)
    assert original == again
    assert original[0] == utc(2027, 3, 16, 7, 30)
    assert original[1][0] == ()
    assert original[2][0] == (Nudge((BEN, ELI), Phase.CONSULTATION, utc(2027, 3, 17, 9)),)
    assert original[5][1] == utc(2027, 3, 17, 10)
    assert original[6][2] is Phase.CLOSING
    assert original[7][3] is Status.FINISHED


def test_an_unknown_format_is_refused():
    data = live().to_dict()
    data["v"] = 99
    with pytest.raises(ValueError, match="format"):
        AdviceRound.from_dict(data)


def test_the_config_round_trips_with_its_own_methods_and_days_off():
    config = AdviceConfig(
        live_minutes={Phase.CLOSING: 7},
        abandon_live=timedelta(minutes=90),
        methods=extend_methods(DEFAULT_METHODS, [Method("x", "X", "Do x.")]),
        days_off=frozenset({date(2027, 12, 24)}),
    )
    assert AdviceConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


# --- a whole round -------------------------------------------------------------------


def test_a_scripted_five_person_round_from_start_to_summary():
    names = {ANA: "Ana", BEN: "Ben", CEM: "Cem", DORA: "Dora", ELI: "Eli"}
    clock = T0

    def at(n: int) -> datetime:
        return clock + minutes(n)

    step = start(
        ANA,
        "My team misses every sprint goal.",
        GROUP,
        Mode.LIVE,
        at(0),
        moderated={BEN: 2, CEM: 1, DORA: 1, ELI: 2},
    )
    r = step.round
    r = r.choose_moderator(ANA, None, at(1)).round
    assert r.moderator == CEM
    r = r.next(CEM, at(2)).round
    r = r.contribute(ANA, "Six people, two-week sprints, goals missed since March.", at(3)).round
    r = r.contribute(BEN, "Who sets the sprint goal?", at(4)).round
    r = r.contribute(ANA, "I do, with the product owner.", at(5)).round
    assert r.next(BEN, at(6)).rejected is not None  # Ben does not moderate
    r = r.next(CEM, at(6)).round
    r = r.set_key_question(ANA, "How do I get honest estimates from my team?", at(7)).round
    r = r.next(CEM, at(8)).round
    r = r.choose_method(CEM, "brainstorming", at(9)).round
    step = r.next(CEM, at(10))
    assert only(step, PhaseStarted).speakers == (BEN, DORA, ELI)
    r = step.round
    r = r.contribute(DORA, "Ideas:\n- planning poker\n- ask each one privately", at(11)).round
    held = r.contribute(ANA, "We tried poker already!", at(12))
    assert held.effects == (ContributionHeld(ANA, "We tried poker already!"),)
    r = held.round
    r = r.contribute(ELI, "Make the goal smaller and celebrate hitting it.", at(13)).round
    r = r.contribute(BEN, "Ask what makes the estimate feel unsafe.", at(14)).round
    r = r.contribute(CEM, "Look at the last three sprints together.", at(15)).round
    r = r.deadline_passed(at(20)).round  # the consultation's ten minutes are up
    assert r.phase is Phase.CLOSING
    step = r.conclude(ANA, [5, 7], "Smaller goals, and a talk about safety.", at(22))
    summary = only(step, RoundClosed).summary
    assert step.round.status is Status.FINISHED
    assert summary.text(names) == "\n".join(
        [
            "Colleague advice for Ana (moderated by Cem)",
            "Case: My team misses every sprint goal.",
            "Key question: How do I get honest estimates from my team?",
            "Method: Brainstorming",
            "2. Case account:",
            "  1. Ana: Six people, two-week sprints, goals missed since March.",
            "  2. Ben: Who sets the sprint goal?",
            "  3. Ana: I do, with the product owner.",
            "5. Consultation:",
            "  4. Dora: planning poker",
            "  5. Dora: ask each one privately",
            "  6. Eli: Make the goal smaller and celebrate hitting it.",
            "  7. Ben: Ask what makes the estimate feel unsafe.",
            "  8. Cem: Look at the last three sprints together.",
            "What helped: 5, 7",
            "Takeaway: Smaller goals, and a talk about safety.",
        ]
    )
    assert [p for p, _ in summary.by_person] == [BEN, DORA, ELI, CEM]
    assert [c.number for c in summary.contributions_of(BEN)] == [2, 7]
    assert [c.text for c in summary.contributions_of(DORA)] == [
        "planning poker",
        "ask each one privately",
    ]
    assert summary.contributions_of(ANA) == ()
    assert [h.text for h in step.round.held] == ["We tried poker already!"]
    assert "We tried poker already!" not in summary.text(names)
