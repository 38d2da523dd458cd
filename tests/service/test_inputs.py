"""Inputs as people type them (issue 16, item 5): time zones by city and in any case,
dates as people write them, `2-4` as levels, one date window for goals and milestones,
community names with spaces, ambiguous tags, and an unknown @name that creates no one.
Each through the core with fakes and a fixed clock, and on the typed (Discord) path
where the value is typed there."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest

from adapters.competence_model import load
from bot.clock import FixedClock
from bot.commands import AddMilestone, CommandError
from bot.days import RelativeDay
from bot.domain import Identity, Platform, Profile, Visibility
from bot.grammar.parser import from_typed
from bot.grammar.table import TABLE, parse
from bot.policy import Policy
from bot.service import Tandem
from tests.conftest import console_identity
from tests.support.fakes import FakeDatabase

ANA = console_identity("ana")
# Monday 30 November 2026, 23:30 UTC: already Tuesday 1 December in Berlin
LATE_MONDAY_UTC = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


class World:
    def __init__(self, start: datetime = LATE_MONDAY_UTC) -> None:
        self.db = FakeDatabase()
        self.clock = FixedClock(start)
        policy = Policy(default_timezone="Europe/Berlin", competences=load())
        self.tandem = Tandem(self.db, self.clock, policy)

    def say(self, line: str, who=ANA):
        return self.tandem.handle(who, line).replies

    def person(self, name: str = "ana"):
        [found] = [p for p in self.db.state.people.values() if p.identity.user_id == name]
        return found


@pytest.fixture
def world() -> World:
    return World()


def _verb(group_word: str, *words: str, model: type | None = None):
    group = TABLE.group(group_word)
    assert group is not None
    for verb in group.verbs:
        if tuple(w[0] for w in verb.words) == words and model in (None, verb.model):
            return group, verb
    raise AssertionError(f"no verb {group_word} {words}")


# -- time zones ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("kolkata", "Asia/Kolkata"),
        ("port au prince", "America/Port-au-Prince"),
        ("America/Chicago", "America/Chicago"),
    ],
)
def test_a_time_zone_is_taken_by_city_and_in_any_case(world, typed, zone):
    [reply] = world.say(f"/learn checkin tz {typed}")
    assert not reply.is_error, reply.text
    assert world.person().timezone == zone
    assert zone in reply.text


def test_one_zone_under_two_names_is_one_answer(world):
    # the tz database links America/Buenos_Aires to America/Argentina/Buenos_Aires
    world.say("/learn checkin tz buenos aires")
    assert world.person().timezone == "America/Argentina/Buenos_Aires"


def test_an_ambiguous_zone_is_answered_with_its_candidates(world):
    world.say("/learn checkin tz Berlin")
    before = copy.deepcopy(world.db.state)
    [reply] = world.say("/learn checkin tz west")  # Australia/West or Brazil/West
    assert reply.is_error
    assert "`Australia/West` or `Brazil/West`" in reply.text
    assert world.db.state == before


def test_an_unknown_zone_is_answered_with_near_names(world):
    [reply] = world.say("/learn checkin tz Berlinn")
    assert reply.is_error
    assert "I don't know the time zone `Berlinn`" in reply.text
    assert "`Europe/Berlin`" in reply.text


def test_a_typed_zone_is_read_the_same_way():
    group, verb = _verb("checkin", "tz")
    assert from_typed(group, verb, {"zone": "new york"}).zone == "America/New_York"
    with pytest.raises(CommandError, match="could be"):
        from_typed(group, verb, {"zone": "West"})


# -- dates and levels ------------------------------------------------------------------


def _milestones(world: World):
    return sorted(world.db.state.milestones.values(), key=lambda m: m.id)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        # late Monday in UTC is Tuesday 1 December 2026 in Berlin, the asker's zone
        ("tomorrow", date(2026, 12, 2)),
        ("30.06.2027", date(2027, 6, 30)),
        ("2027-06-30", date(2027, 6, 30)),
        ("in 2 weeks", date(2026, 12, 15)),
        ("in 1 month", date(2027, 1, 1)),
        ("friday", date(2026, 12, 4)),
        ("next tue", date(2026, 12, 8)),
    ],
)
def test_a_milestone_date_is_read_as_people_write_it_in_their_zone(world, typed, day):
    [reply] = world.say(f"/learn plan add {typed} Lead a code review | the team says so")
    assert not reply.is_error, reply.text
    [milestone] = _milestones(world)
    assert milestone.due_on == day
    assert milestone.title == "Lead a code review"


def test_a_pause_until_tomorrow_is_the_askers_tomorrow(world):
    world.say("/learn checkin every mon 09:00")
    [reply] = world.say("/learn checkin pause until tomorrow")
    assert not reply.is_error, reply.text
    assert "Wed 02 Dec" in reply.text


def test_goals_and_milestones_share_one_date_window(world):
    """Before: goals took `--by 9999-12-31`, milestones refused two years out."""
    world.say("/learn checkin tz Berlin")
    before = copy.deepcopy(world.db.state)
    [goal] = world.say("/learn goals add communication 2→4 it matters --by 31.12.2030")
    [milestone] = world.say("/learn plan add 31.12.2030 Far away")
    assert goal.is_error and milestone.is_error
    window = "is not in the window for a date in your plan: from tomorrow up to 30 Nov 2028"
    assert window in goal.text and window in milestone.text
    assert world.db.state == before


def test_levels_take_a_dash(world):
    [reply] = world.say("/learn goals add communication 2-4 it matters --by 30.06.2027")
    assert not reply.is_error, reply.text
    [goal] = world.db.state.goals.values()
    assert (goal.current_level, goal.target_level, goal.due_by) == (2, 4, date(2027, 6, 30))


def test_a_typed_date_takes_every_form():
    group, verb = _verb("plan", "add", model=AddMilestone)
    command = from_typed(group, verb, {"date": "in 2 weeks", "title": "Lead", "evidence": ""})
    assert command.due_on == RelativeDay(words="in 2 weeks", days=14)


# -- tags ------------------------------------------------------------------------------


def test_an_ambiguous_goal_competence_is_answered_with_its_candidates(world):
    """Before: `res` was "not in the competence model"."""
    world.say("/learn checkin tz Berlin")
    before = copy.deepcopy(world.db.state)
    [reply] = world.say("/learn goals add res 2-4 it matters")
    assert reply.is_error
    assert reply.text.startswith("`res` could be ")
    for trait in ("resilience", "respect", "responsibility", "results"):
        assert f"`{trait}`" in reply.text
    assert "not in the competence model" not in reply.text
    assert world.db.state == before


def test_an_ambiguous_diary_tag_is_said_to_be_ambiguous(world):
    [reply] = world.say("/learn diary Held out in a hard review #res #zzz")
    assert "#res could be #resilience, #respect, #responsibility or #results" in reply.text
    assert "(not in the competence model): #zzz." in reply.text


# -- people ----------------------------------------------------------------------------

FAY = console_identity("fay")


def test_an_unknown_name_in_a_facilitator_command_creates_no_one():
    """Before: `cohort add @zed tutor --of @nobody` answered "Added ... nobody as learner"."""
    world = World()
    world.say("/learn help", who=FAY)
    world.db.state.people[world.person("fay").id].is_facilitator = True
    world.say("/learn cohort open Spring 2027", who=FAY)
    world.say("/learn help", who=console_identity("zed"))
    before = copy.deepcopy(world.db.state)
    [reply] = world.say("/learn cohort add @zed tutor --of @nobody", who=FAY)
    assert reply.is_error
    assert reply.text.startswith("I know no one called @nobody here.")
    assert world.db.state == before


def test_a_colleague_the_platform_mentions_can_still_be_added_as_the_learner():
    world = World()
    world.say("/learn help", who=FAY)
    world.db.state.people[world.person("fay").id].is_facilitator = True
    world.say("/learn cohort open Spring 2027", who=FAY)
    world.say("/learn help", who=console_identity("zed"))
    outcome = world.tandem.handle(
        FAY,
        "/learn cohort add @zed tutor --of @newbie",
        mentioned={"newbie": Profile("Nora Newbie", "Europe/Berlin")},
    )
    [reply] = outcome.replies
    assert not reply.is_error, reply.text
    assert world.person("newbie").display_name == "Nora Newbie"


# -- community names -------------------------------------------------------------------


def _facilitator(world: World) -> None:
    world.say("/learn help", who=FAY)
    world.db.state.people[world.person("fay").id].is_facilitator = True


def _said(world: World, line: str, who=ANA) -> str:
    [reply] = world.say(line, who=who)
    assert not reply.is_error, reply.text
    return reply.text


def test_a_community_name_has_spaces_everywhere_it_is_named(world):
    """Before: `cop open code review` answered "`/learn cop open` takes one name, a
    single word", though the README's own example is "code review"."""
    _facilitator(world)
    assert "code review is open" in _said(world, "/learn cop open code review", who=FAY)
    assert "Welcome to code review" in _said(world, "/learn cop join code review")
    assert "already" in _said(world, '/learn cop join "Code  Review"')  # quotes, any case
    shared = _said(world, "/learn cop share code review Tips for a calm review | Ask first")
    assert "Shared in code review" in shared
    [post] = world.db.state.community_posts.values()
    assert post.title == "Tips for a calm review"
    [section] = world.say("/learn cop posts code review")[0].sections
    assert section.title.startswith("Tips for a calm review · ana")
    _said(world, '/learn cop share "code review" Second | text')
    assert "You left code review" in _said(world, "/learn cop leave “code review”")


def test_a_post_goes_to_the_longest_community_name_it_begins_with(world):
    _facilitator(world)
    for name in ("code", "code review"):
        _said(world, f"/learn cop open {name}", who=FAY)
        _said(world, f"/learn cop join {name}")
    _said(world, "/learn cop share code review Tips | x")
    _said(world, "/learn cop share code Style | y")
    names = {c.id: c.name for c in world.db.state.communities.values()}
    posts = sorted(world.db.state.community_posts.values(), key=lambda p: p.id)
    assert [(names[p.community_id], p.title) for p in posts] == [
        ("code review", "Tips"),
        ("code", "Style"),
    ]


def test_a_post_with_the_name_and_no_title_is_asked_for_its_title(world):
    _facilitator(world)
    _said(world, "/learn cop open code review", who=FAY)
    _said(world, "/learn cop join code review")
    before = copy.deepcopy(world.db.state)
    [reply] = world.say("/learn cop share code review | what happened")
    assert reply.is_error
    assert reply.text == (
        "Give your post a title: `/learn cop share code review <title> | <experience>`."
    )
    assert world.db.state == before


def test_a_community_name_is_still_words_of_letters_digits_and_dashes(world):
    _facilitator(world)
    [reply] = world.say("/learn cop open code review!", who=FAY)
    assert reply.is_error
    assert "words of letters, digits and dashes" in reply.text
    assert not world.db.state.communities


def test_a_typed_community_name_takes_spaces():
    group, verb = _verb("cop", "join")
    assert from_typed(group, verb, {"community": "code  review"}).name == "code review"
    group, verb = _verb("cop", "share")
    shared = from_typed(
        group, verb, {"community": "code review", "title": "Tips", "experience": "Ask"}
    )
    assert (shared.name, shared.title) == ("code review", "Tips")


def test_help_and_usage_say_a_community_name_may_have_spaces(world):
    _facilitator(world)
    [reply] = world.say("/learn cop help", who=FAY)
    fields = {f.label: f.value for s in reply.sections for f in s.fields}
    for verb in ("open", "join", "leave", "posts", "share"):
        [usage] = [label for label in fields if label.startswith(f"/learn cop {verb} ")]
        assert "name (spaces are fine: code review)" in fields[usage], usage
    [usage] = world.say("/learn cop dance")
    assert "Names may have spaces." in usage.text


# -- a console name never seen before --------------------------------------------------


def _cohort(world: World) -> None:
    _facilitator(world)
    _said(world, "/learn cohort open Spring 2027", who=FAY)


NEW_ZED = "zed is new to Tandem here: they join by typing `/as zed`."


def test_a_new_console_name_in_an_invitation_is_said_to_be_new(world):
    """Before: `cohort invite @ana @zedd` answered "Invited: ana, zedd." as if zedd were
    someone, and a typo went unseen."""
    _cohort(world)
    world.say("/learn help")  # ana has used Tandem
    said = _said(world, "/learn cohort invite @ana @zed", who=FAY)
    assert said == f"Invited to Spring 2027: ana, zed. {NEW_ZED}"
    assert world.person("zed")  # still invited: a newcomer can try the journey alone


def test_several_new_console_names_are_said_at_once(world):
    _cohort(world)
    said = _said(world, "/learn cohort invite @zed @amy", who=FAY)
    assert said.endswith(
        "zed and amy are new to Tandem here: each joins by typing `/as` and their name, "
        "e.g. `/as zed`."
    )


def test_a_new_console_name_added_to_a_cohort_is_said_to_be_new(world):
    _cohort(world)
    world.say("/learn help")
    said = _said(world, "/learn cohort add @zed tutor --of @ana", who=FAY)
    assert said.endswith(NEW_ZED)
    assert "zed as tutor of ana" in said


def test_a_new_console_name_as_manager_is_said_to_be_new(world):
    _said(world, "/learn goals add communication 2-4 it matters --by 30.06.2027")
    [reply] = world.say("/learn agree @zed Lead two reviews")
    assert not reply.is_error, reply.text
    assert reply.text.endswith(NEW_ZED)
    assert "zed is not your manager in the cohort" in reply.text


def test_a_console_name_seen_before_is_not_said_to_be_new(world):
    _cohort(world)
    world.say("/learn help", who=console_identity("zed"))
    said = _said(world, "/learn cohort invite @zed", who=FAY)
    assert said == "Invited to Spring 2027: zed."
    _said(world, "/learn cohort invite @amy", who=FAY)
    said = _said(world, "/learn cohort add @amy manager --of @zed", who=FAY)
    assert "new to Tandem" not in said  # amy was named before: she is known now


@pytest.mark.parametrize(
    "line",
    [
        "/learn cohort invite @ana @zed:x",
        "/learn cohort add @zed:x tutor --of @ana",
        "/learn agree @zed:x Lead two reviews",
    ],
)
def test_a_name_no_console_name_can_be_is_refused(world, line):
    _cohort(world)
    _said(world, "/learn goals add communication 2-4 it matters --by 30.06.2027")
    before = copy.deepcopy(world.db.state)
    [reply] = world.say(line, who=FAY if "cohort" in line else ANA)
    assert reply.is_error
    assert reply.text == (
        "No one can be called @zed:x here: a console name is one word without spaces, ':' or '@'."
    )
    assert world.db.state == before


def test_a_platform_mention_is_registered_without_a_note():
    """On Discord a mention is an id the platform vouches for: nothing to warn about."""
    world = World()
    fay = Identity(Platform.DISCORD, "G1", "100000000000000001")
    world.say("/learn help", who=fay)
    [facilitator] = world.db.state.people.values()
    facilitator.is_facilitator = True
    _said(world, "/learn cohort open Spring 2027", who=fay)
    outcome = world.tandem.handle(
        fay,
        "/learn cohort invite @100000000000000002",
        mentioned={"100000000000000002": Profile("Zed Zhang", "Europe/Berlin")},
    )
    [reply] = outcome.replies
    assert reply.text == "Invited to Spring 2027: Zed Zhang."


# -- dates in an option, times and weekdays --------------------------------------------


@pytest.mark.parametrize(
    ("option", "day"),
    [
        # late Monday in UTC is Tuesday 1 December 2026 in Berlin, the asker's zone
        ("--by tomorrow", date(2026, 12, 2)),
        ("--by 30.06.2027", date(2027, 6, 30)),
        ("--by next friday", date(2026, 12, 4)),
        ("--by in 2 weeks", date(2026, 12, 15)),
        ('--by "in 2 weeks"', date(2026, 12, 15)),
        ("--by next week", date(2026, 12, 8)),
        ("--by in a week", date(2026, 12, 8)),
        ("--by next month", date(2027, 1, 1)),
        ("--by this thurs", date(2026, 12, 3)),
    ],
)
def test_a_goals_date_in_an_option_may_be_several_words(world, option, day):
    """Before: `--by next friday` was kept as the end of the why ("it matters --by next
    friday") and the goal had no date at all."""
    _said(world, f"/learn goals add communication 2-4 it matters {option}")
    [goal] = world.db.state.goals.values()
    assert (goal.why, goal.due_by) == ("it matters", day)


def test_a_several_word_date_option_before_the_values_is_read_too(world):
    _said(world, "/learn goals add --by in 3 weeks communication 2-4 it matters")
    [goal] = world.db.state.goals.values()
    assert (goal.why, goal.due_by) == ("it matters", date(2026, 12, 22))


@pytest.mark.parametrize("option", ["--by next fridy", "--by in 2 wks", "--by on fryday"])
def test_a_several_word_option_that_is_no_date_says_how_to_write_one(world, option):
    before = copy.deepcopy(world.db.state)
    [reply] = world.say(f"/learn goals add communication 2-4 it matters {option}")
    assert reply.is_error
    words = option.removeprefix("--by ")
    assert reply.text.startswith(f"`{words}` is not a date; write it as YYYY-MM-DD, DD.MM.YYYY")
    assert world.db.state == before


@pytest.mark.parametrize(
    ("typed", "day"),
    [("next month", date(2027, 1, 1)), ("in a week", date(2026, 12, 8))],
)
def test_a_milestone_takes_the_new_relative_dates(world, typed, day):
    _said(world, f"/learn plan add {typed} Lead a code review | the team says so")
    [milestone] = _milestones(world)
    assert (milestone.due_on, milestone.title) == (day, "Lead a code review")


@pytest.mark.parametrize(
    ("typed", "days", "at"),
    [
        ("Mon 9:00", {0}, "09:00"),
        ("monday 09.00", {0}, "09:00"),
        ("mon 9am", {0}, "09:00"),
        ("mondays,thurs 9:30pm", {0, 3}, "21:30"),
        ("tues 12pm", {1}, "12:00"),
        ("weds 9h", {2}, "09:00"),
    ],
)
def test_check_in_times_and_weekdays_as_people_write_them(typed, days, at):
    """Before: `9am`, `9:30pm`, `9h`, `tues`, `thurs` and `mondays` were refused."""
    command = parse(f"/learn checkin every {typed}")
    assert command.weekdays == frozenset(days)
    assert command.wall_time.strftime("%H:%M") == at


@pytest.mark.parametrize("typed", ["mon 9", "mon 13pm", "mon 25:00"])
def test_a_time_that_is_none_is_still_refused(typed):
    with pytest.raises(CommandError, match="is not a time of day .use HH:MM, e.g. 09:00"):
        parse(f"/learn checkin every {typed}")


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("/learn checkin every mon and thu 09:00", "weekdays", frozenset({0, 3})),
        ("/learn checkin every mon & thu 9am", "weekdays", frozenset({0, 3})),
        ("/learn checkin pause 2wks", "duration", timedelta(weeks=2)),
        ("/learn checkin snooze 90 minutes", "delay", timedelta(minutes=90)),
        ("/learn checkin snooze 2hrs", "delay", timedelta(hours=2)),
        ("/learn plan add 2027-2-15 Lead", "due_on", date(2027, 2, 15)),
        ("/learn plan add 2027/02/15 Lead", "due_on", date(2027, 2, 15)),
        ("/learn diary met ana --share Partner", "share", Visibility.PARTNER),
    ],
)
def test_other_inputs_as_people_type_them(line, field, value):
    """Before: each of these was refused though what it meant was plain."""
    assert getattr(parse(line), field) == value


def test_a_date_with_slashes_day_first_is_still_refused():
    # 03/04/2027 is March in one country and April in another: no guess
    with pytest.raises(CommandError, match="`03/04/2027` is not a date"):
        parse("/learn plan add 03/04/2027 Lead")
