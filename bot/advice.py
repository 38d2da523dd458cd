"""Colleague advice (kollegiale Beratung, after Tietze) as a pure state machine.

A round belongs to one learning group and runs in one thread. Roles: the case-giver
brings a case, a moderator (human) leads, the advisors advise, and the bot is the
secretary and timekeeper. Phases: 1 casting, 2 case account, 3 key question, 4 method
choice, 5 consultation, 6 closing; then the round is finished. Besides running it can
be paused, cancelled or abandoned.

Every transition is a method of the immutable `AdviceRound` that takes the time as an
aware datetime and returns a `Step`: the new round and a tuple of neutral effects
(`PhaseStarted`, `ContributionHeld`, `Nudge`, `RoundClosed`, ...) that the caller turns
into thread posts and private messages. A person who may not do what they tried gets a
`Rejected` effect and the round unchanged, never an exception; its hint is in the
language being spoken (`bot.i18n`: the asker's). What is stored stays English (the end
notes; `note_text` says them in the reader's language). Nothing here stores, sends or
reads a clock; `to_dict`/`from_dict` give a JSON-safe form for a table row.

Rules, chosen deliberately:

- Modes. *Live*: each phase has a timebox in minutes (casting 5, case account 10, key
  question 5, method choice 5, consultation 10, closing 5). *Written*: each phase has a
  number of working days (1, 2, 1, 1, 3, 2: ten in all). A working day is Monday to
  Friday in the round's time zone, less any configured days off. A phase of n working
  days that starts on a working day ends n working days later at the same local wall
  time (Friday 16:00 + 1 -> Monday 16:00); one that starts on a weekend or day off
  counts from the start of the next working day (Saturday 15:00 + 1 -> Tuesday 00:00).
- Moving on. Only the moderator says "next". The end of a timebox moves the round on in
  both modes, exactly as "next" would, with defaults where a decision is missing: no
  moderator at the end of casting -> the fair choice moderates; no method at the end of
  method choice -> the first method of the library (brainstorming); no key question at
  the end of its phase -> the round goes on without one (the summary says so); the end
  of closing finishes the round. A phase always gets its full timebox from the moment
  it starts, so after downtime one phase moves on per tick, not several at once. "next"
  itself refuses to leave key question without a key question, or method choice
  without a method: the moderator may be in a hurry, the secretary is not.
- Who speaks. Casting: everyone. Case account: the case-giver (advisors' questions are
  noted too). Key question: the case-giver, who (or the moderator) sets it. Method
  choice: the moderator and case-giver; either chooses. Consultation: the advisors; the
  case-giver only listens, so their messages are held, not posted, and handed back to
  them privately with a reminder of the rule. Closing: the case-giver says which
  contributions helped, by number, and what they take away.
- One idea per message. An advisor's (or moderator's) message whose lines start with
  bullets (`-`, `*`, `•`, `–`) or numbers (`1.`, `2)`) is split: each bullet is one
  idea, numbered on its own. A line right after a bullet continues it; after a blank
  line, plain text is an idea of its own. Text before the first bullet is an idea too,
  unless it ends with a colon ("Some ideas:"), which only introduces the list. A
  message without bullets is one idea. The case-giver's messages are never split.
- Numbers. Every recorded contribution gets the next number, 1, 2, 3, ... for the whole
  round; held messages get none.
- Fair rotation. The moderator is whoever moderated least in this group (the counts are
  given at the start), never the case-giver; ties go to the lowest person id.
- A person leaving. An advisor leaving changes nothing but the roles; their
  contributions stay. The moderator leaving hands moderation to the next fair choice.
  The case-giver leaving cancels the round with a note; so does the last person besides
  the case-giver leaving.
- Pause. The moderator or the case-giver pauses and resumes; on resume the phase
  deadline moves later by the time spent paused (in both modes: plain elapsed time).
  While paused no contribution, decision or "next" is taken; cancelling and people
  leaving still are. Either may cancel, at any time before the end.
- Abandonment. With no accepted input (a contribution, a decision, next, pause, resume)
  for the bound (live: 2 hours; written: 5 working days), the round is abandoned with a
  note. The end of a timebox is not activity; a paused round can be abandoned too.
- Nudges (written mode). Once a working day, at the nudge time (09:00 local), those
  expected in the current phase who have not yet done their part are nudged: case
  account and closing - the case-giver until they write; key question - the case-giver
  until it is set; method choice - the moderator until one is chosen; consultation -
  each advisor until they write. Never on the day a phase starts (it was just
  announced), and not at or after the phase's deadline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from bot import localized as content
from bot.clock import ensure_utc
from bot.i18n import N_, _, ngettext
from bot.localized import ENGLISH, Localized, fold, localized, slug
from bot.recurrence import at_local

# --- the vocabulary ------------------------------------------------------------------


class Mode(StrEnum):
    LIVE = "live"  # timeboxes in minutes, everyone present
    WRITTEN = "written"  # timeboxes in working days, asynchronous


class Phase(StrEnum):
    CASTING = "casting"
    CASE_ACCOUNT = "case-account"
    KEY_QUESTION = "key-question"
    METHOD_CHOICE = "method-choice"
    CONSULTATION = "consultation"
    CLOSING = "closing"

    @property
    def number(self) -> int:
        return PHASES.index(self) + 1

    @property
    def label(self) -> str:
        """The phase's name in the language of the person answered (`current()`)."""
        # Not `title`: that would shadow str.title() on this StrEnum.
        return _TITLES[self].text(content.current())

    @property
    def name_in_both(self) -> Localized:
        """The phase's name in every language: Casting, Spontanerzählung, ..."""
        return _TITLES[self]


PHASES = tuple(Phase)

# The phase names of kollegiale Beratung as Tietze gives them in German.
_TITLES = {
    Phase.CASTING: localized("Casting", "Casting"),
    Phase.CASE_ACCOUNT: localized("Case account", "Spontanerzählung"),
    Phase.KEY_QUESTION: localized("Key question", "Schlüsselfrage"),
    Phase.METHOD_CHOICE: localized("Method choice", "Methodenwahl"),
    Phase.CONSULTATION: localized("Consultation", "Beratung"),
    Phase.CLOSING: localized("Closing", "Abschluss"),
}

PURPOSES = {
    Phase.CASTING: localized(
        "Roles: the case-giver brings the case, one person moderates, the others advise. "
        "The bot keeps the notes and the time.",
        "Rollen: Die Fallgeber:in bringt einen Fall ein, eine Person moderiert, die anderen "
        "beraten. Tandem führt Protokoll und achtet auf die Zeit.",
    ),
    Phase.CASE_ACCOUNT: localized(
        "The case-giver tells the case. Advisors listen and may ask questions to understand "
        "it; no advice yet.",
        "Die Fallgeber:in erzählt den Fall. Die Berater:innen hören zu und dürfen "
        "Verständnisfragen stellen; Ratschläge kommen später.",
    ),
    Phase.KEY_QUESTION: localized(
        "The case-giver names the one question the group should help with.",
        "Die Fallgeber:in nennt die eine Frage, bei der die Gruppe helfen soll.",
    ),
    Phase.METHOD_CHOICE: localized(
        "The moderator proposes a method for the consultation; the case-giver agrees.",
        "Die Moderation schlägt eine Methode für die Beratung vor; die Fallgeber:in stimmt zu.",
    ),
    Phase.CONSULTATION: localized(
        "Advisors offer ideas, one per message. The case-giver only listens: what they "
        "write now is kept for them, not posted.",
        "Die Berater:innen bringen Ideen ein, eine pro Nachricht. Die Fallgeber:in hört nur "
        "zu: Was sie jetzt schreibt, wird für sie aufbewahrt und nicht gepostet.",
    ),
    Phase.CLOSING: localized(
        "The case-giver says which contributions helped (by number) and what they take away.",
        "Die Fallgeber:in sagt, welche Beiträge geholfen haben (mit ihrer Nummer) und was "
        "sie mitnimmt.",
    ),
}

LISTEN_REMINDER = localized(
    "In the consultation the case-giver only listens. Your message is kept for you and "
    "not posted; you will have the word in the closing.",
    "In der Beratung hörst du als Fallgeber:in nur zu. Deine Nachricht wird für dich "
    "aufbewahrt und nicht gepostet; im Abschluss hast du das Wort.",
)


class Status(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"


OPEN_STATUSES = frozenset({Status.ACTIVE, Status.PAUSED})

# What a person hears when the round takes no more input (translated where it is said).
_OVER = {
    Status.FINISHED: N_("The round is finished."),
    Status.CANCELLED: N_("The round is cancelled."),
    Status.ABANDONED: N_("The round is abandoned."),
}

# The notes a round ends with when people leave. They are stored with the round as they
# are (English); `note_text` says them in the language of whoever reads them.
CASE_GIVER_LEFT = N_("The case-giver left the group; the round is cancelled.")
NOBODY_TO_ADVISE = N_("Nobody is left to advise; the round is cancelled.")
NOBODY_TO_MODERATE = N_("Nobody is left to moderate.")
_NOTES = frozenset({CASE_GIVER_LEFT, NOBODY_TO_ADVISE, NOBODY_TO_MODERATE})


def note_text(note: str) -> str:
    """A round's end note in the current language: one of the round's own notes is
    translated; a person's own words (a note given with cancel) stay as they wrote them."""
    return _(note) if note in _NOTES else note


class ModeratorChoice(StrEnum):
    CHOSEN = "chosen"  # named by someone (or volunteered)
    ROTATED = "rotated"  # the fair choice, asked for or at the end of casting
    REPLACED = "replaced"  # the previous moderator left the group


class RejectReason(StrEnum):
    NOT_MEMBER = "not-member"
    NOT_MODERATOR = "not-moderator"
    NOT_ALLOWED = "not-allowed"  # the person's role may not do this
    NO_MODERATOR = "no-moderator"
    WRONG_PHASE = "wrong-phase"
    PAUSED = "paused"
    NOT_PAUSED = "not-paused"
    OVER = "over"
    EMPTY = "empty"
    BAD_CANDIDATE = "bad-candidate"
    UNKNOWN_METHOD = "unknown-method"
    UNKNOWN_CONTRIBUTION = "unknown-contribution"
    NEEDS_KEY_QUESTION = "needs-key-question"
    NEEDS_METHOD = "needs-method"


# --- methods -------------------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    """A consultation method: an id to choose it by, a name, and a one-line how-to, each
    text in English and, where given, German (a plain string is English)."""

    id: str
    name: Localized
    how_to: Localized

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", Localized.of(self.name))
        object.__setattr__(self, "how_to", Localized.of(self.how_to))

    def names(self) -> set[str]:
        """What chooses this method, folded: its id and its name in each language."""
        return {fold(self.id)} | {fold(slug(n)) for n in self.name.all()}

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name.to_data(), "how_to": self.how_to.to_data()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Method:
        stored = cls(
            id=str(data["id"]),
            name=Localized.of(data["name"]),
            how_to=Localized.of(data["how_to"]),
        )
        # A round stored before the methods spoke German keeps a built-in method in English
        # only; the same built-in method, unchanged in English, is given its German back.
        built_in = next((m for m in DEFAULT_METHODS if m.id == stored.id), None)
        if (
            built_in is not None
            and set(stored.name.texts) == {ENGLISH}
            and stored.name.text(ENGLISH) == built_in.name.text(ENGLISH)
            and stored.how_to.text(ENGLISH) == built_in.how_to.text(ENGLISH)
        ):
            return built_in
        return stored


# The consultation methods of kollegiale Beratung, with Tietze's German names.
DEFAULT_METHODS = (
    Method(
        "brainstorming",
        localized("Brainstorming", "Brainstorming"),
        localized(
            "Offer as many ideas as come to mind, one per message; no criticism, quantity first.",
            "Schreib so viele Ideen, wie dir einfallen, eine pro Nachricht; keine Kritik, "
            "Quantität vor Qualität.",
        ),
    ),
    Method(
        "headstand",
        localized("Headstand brainstorming", "Kopfstand-Brainstorming"),
        localized(
            "Ask how the case-giver could make things worse, collect those ideas, then turn "
            "each one around into a helpful one.",
            "Überleg, wie die Fallgeber:in alles noch schlimmer machen könnte, und sammle "
            "diese Ideen; danach dreht ihr jede ins Hilfreiche um.",
        ),
    ),
    Method(
        "good-advice",
        localized("Good advice", "Gute Ratschläge"),
        localized(
            "Give one or two pieces of concrete advice, each starting 'If I were you, I "
            "would ...'.",
            "Gib ein oder zwei konkrete Ratschläge, die jeweils mit „An deiner Stelle "
            "würde ich …“ beginnen.",
        ),
    ),
    Method(
        "resonance",
        localized("Resonance round", "Resonanzrunde"),
        localized(
            "Say what the case stirs in you (feelings, images, hunches), without giving advice.",
            "Sag, was der Fall in dir auslöst (Gefühle, Bilder, Vermutungen), ohne Ratschläge "
            "zu geben.",
        ),
    ),
    Method(
        "key-question-finding",
        localized("Key-question finding", "Schlüsselfragen finden"),
        localized(
            "Suggest how you would put the case-giver's question; they take what fits.",
            "Schlag vor, wie du die Frage der Fallgeber:in stellen würdest; sie übernimmt, "
            "was passt.",
        ),
    ),
)


def extend_methods(methods: Iterable[Method], extra: Iterable[Method]) -> tuple[Method, ...]:
    """The library `methods` with `extra` added; an extra method with a known id replaces
    the one it names, in its place."""
    merged = {m.id: m for m in methods}
    for method in extra:
        merged[method.id] = method
    return tuple(merged.values())


# --- configuration -------------------------------------------------------------------

DEFAULT_LIVE_MINUTES = {
    Phase.CASTING: 5,
    Phase.CASE_ACCOUNT: 10,
    Phase.KEY_QUESTION: 5,
    Phase.METHOD_CHOICE: 5,
    Phase.CONSULTATION: 10,
    Phase.CLOSING: 5,
}

DEFAULT_WRITTEN_DAYS = {
    Phase.CASTING: 1,
    Phase.CASE_ACCOUNT: 2,
    Phase.KEY_QUESTION: 1,
    Phase.METHOD_CHOICE: 1,
    Phase.CONSULTATION: 3,
    Phase.CLOSING: 2,
}


@dataclass(frozen=True)
class AdviceConfig:
    """How rounds are timed, and the method library. Timeboxes given for only some
    phases keep the defaults for the others. A round keeps the configuration it started
    with (it is part of `to_dict`), so a change of settings never moves a running
    round's deadlines."""

    live_minutes: Mapping[Phase, int] = field(default_factory=dict)
    written_days: Mapping[Phase, int] = field(default_factory=dict)
    nudge_time: time = time(9, 0)
    abandon_live: timedelta = timedelta(hours=2)
    abandon_written_days: int = 5
    methods: tuple[Method, ...] = DEFAULT_METHODS
    days_off: frozenset[date] = frozenset()  # public holidays etc., besides weekends

    def __post_init__(self) -> None:
        live = {**DEFAULT_LIVE_MINUTES, **{Phase(k): v for k, v in self.live_minutes.items()}}
        days = {**DEFAULT_WRITTEN_DAYS, **{Phase(k): v for k, v in self.written_days.items()}}
        if any(v <= 0 for v in live.values()):
            raise ValueError("a live timebox is at least one minute")
        if any(v <= 0 for v in days.values()):
            raise ValueError("a written timebox is at least one working day")
        if self.abandon_live <= timedelta(0) or self.abandon_written_days <= 0:
            raise ValueError("the abandonment bound must be positive")
        if not self.methods:
            raise ValueError("the method library is empty")
        if len({m.id for m in self.methods}) != len(self.methods):
            raise ValueError("method ids must be unique (use extend_methods to replace one)")
        object.__setattr__(self, "live_minutes", live)
        object.__setattr__(self, "written_days", days)
        object.__setattr__(self, "days_off", frozenset(self.days_off))

    def __hash__(self) -> int:
        return hash(
            (
                tuple(self.live_minutes.items()),
                tuple(self.written_days.items()),
                self.nudge_time,
                self.abandon_live,
                self.abandon_written_days,
                self.methods,
                self.days_off,
            )
        )

    def method(self, method_id: str) -> Method | None:
        """The method `method_id` names: its id or its name in either language, in any
        case (`headstand`, `Kopfstand-Brainstorming`, `gute ratschläge`), or a unique
        prefix of one of them of at least three letters (`kopfstand`, `resonanz`)."""
        wanted = fold(method_id.strip())
        exact = next((m for m in self.methods if wanted in m.names()), None)
        if exact is not None or len(wanted) < 3:
            return exact
        prefixed = [m for m in self.methods if any(n.startswith(wanted) for n in m.names())]
        return prefixed[0] if len(prefixed) == 1 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "live_minutes": {p.value: n for p, n in self.live_minutes.items()},
            "written_days": {p.value: n for p, n in self.written_days.items()},
            "nudge_time": self.nudge_time.strftime("%H:%M"),
            "abandon_live_minutes": self.abandon_live // timedelta(minutes=1),
            "abandon_written_days": self.abandon_written_days,
            "methods": [m.to_dict() for m in self.methods],
            "days_off": sorted(d.isoformat() for d in self.days_off),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AdviceConfig:
        return cls(
            live_minutes={Phase(k): int(v) for k, v in data["live_minutes"].items()},
            written_days={Phase(k): int(v) for k, v in data["written_days"].items()},
            nudge_time=time.fromisoformat(data["nudge_time"]),
            abandon_live=timedelta(minutes=int(data["abandon_live_minutes"])),
            abandon_written_days=int(data["abandon_written_days"]),
            methods=tuple(Method.from_dict(m) for m in data["methods"]),
            days_off=frozenset(date.fromisoformat(d) for d in data["days_off"]),
        )


# --- working days --------------------------------------------------------------------


def is_working_day(day: date, days_off: frozenset[date] = frozenset()) -> bool:
    """Monday to Friday, and not a configured day off."""
    return day.weekday() < 5 and day not in days_off


def add_working_days(
    start: datetime, days: int, zone: ZoneInfo, days_off: frozenset[date] = frozenset()
) -> datetime:
    """The instant `days` working days after `start` in `zone`, in UTC: the same local
    wall time that many working days later. A start on a weekend or day off counts from
    00:00 of the next working day. Wall times that do not exist or happen twice that day
    are taken as `bot.recurrence.at_local` takes them."""
    local = ensure_utc(start).astimezone(zone)
    day, wall = local.date(), local.time().replace(tzinfo=None, fold=0)
    if not is_working_day(day, days_off):
        while not is_working_day(day, days_off):
            day += timedelta(days=1)
        wall = time(0)
        if days == 0:
            return at_local(day, wall, zone)
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, days_off):
            counted += 1
    return at_local(day, wall, zone)


# --- one idea per message ------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,3}[.)])\s+(.*\S)\s*$")


def split_ideas(text: str) -> tuple[str, ...]:
    """A message as the ideas it holds, by the one-idea-per-message rule (see the module
    docstring): bullet or numbered lines are one idea each; otherwise the whole message."""
    stripped = text.strip()
    if not stripped:
        return ()
    lines = stripped.splitlines()
    first = next((i for i, line in enumerate(lines) if _BULLET.match(line)), None)
    if first is None:
        return (stripped,)
    ideas: list[str] = []
    intro = " ".join(line.strip() for line in lines[:first] if line.strip())
    if intro and not intro.endswith(":"):
        ideas.append(intro)
    current: str | None = None
    after_blank = False
    for line in lines[first:]:
        bullet = _BULLET.match(line)
        if bullet:
            if current:
                ideas.append(current)
            current, after_blank = bullet.group(1).strip(), False
        elif not line.strip():
            after_blank = True
        elif after_blank:
            if current:
                ideas.append(current)
            current, after_blank = line.strip(), False
        else:
            current = f"{current} {line.strip()}" if current else line.strip()
    if current:
        ideas.append(current)
    return tuple(ideas)


def parse_numbers(text: str) -> tuple[int, ...]:
    """Contribution numbers as a person types them ("2, 5 and 7", "#3 #4"), in order,
    each once."""
    seen: list[int] = []
    for found in re.findall(r"\d+", text):
        number = int(found)
        if number not in seen:
            seen.append(number)
    return tuple(seen)


# --- fair rotation -------------------------------------------------------------------


def fair_moderator(
    members: Iterable[int],
    case_giver: int,
    moderated: Mapping[int, int],
    exclude: Iterable[int] = (),
) -> int | None:
    """Whoever in `members` moderated least (`moderated` counts past rounds; missing
    means never), never the case-giver nor anyone in `exclude`; ties go to the lowest
    person id. None when nobody is left to choose."""
    barred = {case_giver, *exclude}
    candidates = [p for p in members if p not in barred]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (moderated.get(p, 0), p))


# --- records and effects -------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """One idea or message the secretary noted, numbered for the whole round."""

    number: int
    person: int
    phase: Phase
    text: str
    at: datetime


@dataclass(frozen=True)
class HeldMessage:
    """What the case-giver wrote while they were to listen: kept for them only."""

    text: str
    at: datetime


@dataclass(frozen=True)
class PhaseStarted:
    """Post in the thread: the phase, what it is for, who speaks, until when."""

    phase: Phase
    purpose: Localized
    speakers: tuple[int, ...]
    deadline: datetime
    method: Method | None = None  # in the consultation: the method and its how-to

    @property
    def number(self) -> int:
        return self.phase.number

    @property
    def title(self) -> str:
        return self.phase.label


@dataclass(frozen=True)
class ModeratorChosen:
    person: int
    how: ModeratorChoice


@dataclass(frozen=True)
class KeyQuestionSet:
    text: str
    by: int


@dataclass(frozen=True)
class MethodChosen:
    method: Method
    by: int | None  # None: the default, taken when the timebox ended


@dataclass(frozen=True)
class ContributionRecorded:
    contribution: Contribution


@dataclass(frozen=True)
class ContributionHeld:
    """Tell the case-giver privately: their text, kept, and the rule."""

    person: int
    text: str
    reminder: Localized = LISTEN_REMINDER


@dataclass(frozen=True)
class Nudge:
    """Remind each of `person_ids` privately that the phase waits for them."""

    person_ids: tuple[int, ...]
    phase: Phase
    deadline: datetime


@dataclass(frozen=True)
class RoundPaused:
    by: int
    at: datetime


@dataclass(frozen=True)
class RoundResumed:
    by: int
    deadline: datetime


@dataclass(frozen=True)
class RoundCancelled:
    by: int | None  # None: cancelled because someone left
    note: str


@dataclass(frozen=True)
class RoundAbandoned:
    note: str


@dataclass(frozen=True)
class Rejected:
    """Tell `person` privately why nothing happened."""

    person: int
    reason: RejectReason
    hint: str


@dataclass(frozen=True)
class Summary:
    """The secretary's notes of a finished round."""

    case: str
    case_giver: int
    moderator: int | None
    mode: Mode
    key_question: str | None
    method: Method | None
    by_phase: tuple[tuple[Phase, tuple[Contribution, ...]], ...]
    helped: tuple[Contribution, ...]
    takeaway: str
    by_person: tuple[tuple[int, tuple[Contribution, ...]], ...]  # everyone but the case-giver

    def contributions_of(self, person: int) -> tuple[Contribution, ...]:
        """One advisor's own contributions, for their diary if they want them."""
        return dict(self.by_person).get(person, ())

    def text(self, names: Mapping[int, str] | None = None) -> str:
        """The summary as plain text, people named by `names` (else by id)."""

        def who(person: int | None) -> str:
            if person is None:
                return _("nobody")
            return (names or {}).get(person, f"#{person}")

        lines = [
            _("Colleague advice for {case_giver} (moderated by {moderator})").format(
                case_giver=who(self.case_giver), moderator=who(self.moderator)
            ),
            _("Case: {case}").format(case=self.case),
            _("Key question: {question}").format(question=self.key_question or _("(none was set)")),
            _("Method: {method}").format(method=self.method.name if self.method else _("(none)")),
        ]
        for phase, contributions in self.by_phase:
            lines.append(f"{phase.number}. {phase.label}:")
            lines.extend(f"  {c.number}. {who(c.person)}: {c.text}" for c in contributions)
        helped = ", ".join(str(c.number) for c in self.helped) or _("(none named)")
        lines.append(_("What helped: {numbers}").format(numbers=helped))
        lines.append(_("Takeaway: {takeaway}").format(takeaway=self.takeaway or _("(none given)")))
        return "\n".join(lines)


@dataclass(frozen=True)
class RoundClosed:
    summary: Summary


Effect = (
    PhaseStarted
    | ModeratorChosen
    | KeyQuestionSet
    | MethodChosen
    | ContributionRecorded
    | ContributionHeld
    | Nudge
    | RoundPaused
    | RoundResumed
    | RoundCancelled
    | RoundAbandoned
    | RoundClosed
    | Rejected
)


class Step(NamedTuple):
    """What a transition returns: the round as it now is, and what is to be said."""

    round: AdviceRound
    effects: tuple[Effect, ...] = ()

    @property
    def rejected(self) -> Rejected | None:
        return next((e for e in self.effects if isinstance(e, Rejected)), None)


class CannotStart(ValueError):
    """A round that cannot start; the message is meant for the person who tried."""


# --- the round -----------------------------------------------------------------------

DICT_VERSION = 1


@dataclass(frozen=True)
class AdviceRound:
    """One colleague-advice round. Create it with `start`; change it only through its
    transitions, each of which returns a `Step`."""

    mode: Mode
    case_giver: int
    case: str
    members: tuple[int, ...]  # the group, case-giver included, in the order given
    timezone: str
    config: AdviceConfig
    started_at: datetime
    phase: Phase
    status: Status
    phase_started_at: datetime
    deadline: datetime | None  # of the current phase; None once the round is over
    last_activity_at: datetime
    moderated: tuple[tuple[int, int], ...] = ()  # past moderations per person, at start
    moderator: int | None = None
    key_question: str | None = None
    method_id: str | None = None
    contributions: tuple[Contribution, ...] = ()
    held: tuple[HeldMessage, ...] = ()
    helped: tuple[int, ...] = ()
    takeaway: str | None = None
    paused_at: datetime | None = None
    last_nudged_on: date | None = None
    ended_at: datetime | None = None
    end_note: str | None = None

    # -- derived --

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def advisors(self) -> tuple[int, ...]:
        return tuple(p for p in self.members if p not in (self.case_giver, self.moderator))

    @property
    def method(self) -> Method | None:
        return self.config.method(self.method_id) if self.method_id else None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def speakers(self, phase: Phase | None = None) -> tuple[int, ...]:
        """Who is to speak in `phase` (the current one by default)."""
        phase = phase or self.phase
        if phase is Phase.CASTING:
            return self.members
        if phase in (Phase.CASE_ACCOUNT, Phase.KEY_QUESTION, Phase.CLOSING):
            return (self.case_giver,)
        if phase is Phase.METHOD_CHOICE:
            return tuple(p for p in (self.moderator, self.case_giver) if p is not None)
        return self.advisors

    def in_phase(self, phase: Phase | None = None) -> tuple[Contribution, ...]:
        phase = phase or self.phase
        return tuple(c for c in self.contributions if c.phase is phase)

    def phase_end(self, phase: Phase, start: datetime) -> datetime:
        """The deadline of `phase` if it starts at `start`."""
        if self.mode is Mode.LIVE:
            return ensure_utc(start) + timedelta(minutes=self.config.live_minutes[phase])
        return add_working_days(
            start, self.config.written_days[phase], self.zone, self.config.days_off
        )

    def abandon_at(self) -> datetime | None:
        """When the round is abandoned if nothing happens before; None once it is over."""
        if not self.is_open:
            return None
        if self.mode is Mode.LIVE:
            return self.last_activity_at + self.config.abandon_live
        return add_working_days(
            self.last_activity_at,
            self.config.abandon_written_days,
            self.zone,
            self.config.days_off,
        )

    def waiting_for(self) -> tuple[int, ...]:
        """Those expected in the current phase who have not done their part yet (see
        "Nudges" in the module docstring)."""
        if self.status is not Status.ACTIVE:
            return ()
        wrote = {c.person for c in self.in_phase()}
        if self.phase in (Phase.CASE_ACCOUNT, Phase.CLOSING):
            return () if self.case_giver in wrote else (self.case_giver,)
        if self.phase is Phase.KEY_QUESTION:
            return () if self.key_question else (self.case_giver,)
        if self.phase is Phase.METHOD_CHOICE:
            return () if self.method_id or self.moderator is None else (self.moderator,)
        if self.phase is Phase.CONSULTATION:
            return tuple(p for p in self.advisors if p not in wrote)
        return ()

    def next_nudge_at(self) -> datetime | None:
        """When the next nudge is due (written mode), if nobody writes before; None when
        no nudge will come in this phase."""
        if self.mode is not Mode.WRITTEN or not self.waiting_for() or self.deadline is None:
            return None
        day = self.phase_started_at.astimezone(self.zone).date() + timedelta(days=1)
        if self.last_nudged_on is not None:
            day = max(day, self.last_nudged_on + timedelta(days=1))
        while not is_working_day(day, self.config.days_off):
            day += timedelta(days=1)
        moment = at_local(day, self.config.nudge_time, self.zone)
        return moment if moment < self.deadline else None

    def who_to_nudge(self, now: datetime) -> tuple[int, ...]:
        """Who is to be nudged at `now`: empty unless a nudge is due (see `nudge`)."""
        due = self.next_nudge_at()
        if due is None or ensure_utc(now) < due:
            return ()
        return self.waiting_for()

    def due_at(self) -> datetime | None:
        """The earliest moment `tick` has something to do: the row's due time."""
        candidates = [self.abandon_at(), self.next_nudge_at()]
        if self.status is Status.ACTIVE:
            candidates.append(self.deadline)
        found = [c for c in candidates if c is not None]
        return min(found) if found else None

    def summary(self) -> Summary:
        """The secretary's notes so far (complete once the round is finished)."""
        numbered = {c.number: c for c in self.contributions}
        takeaway = self.takeaway
        if takeaway is None:
            said = [c.text for c in self.in_phase(Phase.CLOSING) if c.person == self.case_giver]
            takeaway = "\n".join(said)
        by_person: dict[int, list[Contribution]] = {}
        for c in self.contributions:
            if c.person != self.case_giver:
                by_person.setdefault(c.person, []).append(c)
        return Summary(
            case=self.case,
            case_giver=self.case_giver,
            moderator=self.moderator,
            mode=self.mode,
            key_question=self.key_question,
            method=self.method,
            by_phase=tuple(
                (phase, self.in_phase(phase)) for phase in PHASES if self.in_phase(phase)
            ),
            helped=tuple(numbered[n] for n in self.helped if n in numbered),
            takeaway=takeaway,
            by_person=tuple((p, tuple(cs)) for p, cs in by_person.items()),
        )

    # -- helpers for transitions --

    def _reject(self, person: int, reason: RejectReason, hint: str) -> Step:
        return Step(self, (Rejected(person, reason, hint),))

    def _refuse_closed(self, person: int) -> Step | None:
        """A rejection when the round takes no input now (paused or over), else None."""
        if self.status is Status.PAUSED:
            return self._reject(
                person, RejectReason.PAUSED, _("The round is paused; the moderator can resume it.")
            )
        if not self.is_open:
            return self._reject(person, RejectReason.OVER, _(_OVER[self.status]))
        return None

    def _not_member(self, person: int) -> Step | None:
        if person in self.members:
            return None
        return self._reject(
            person, RejectReason.NOT_MEMBER, _("Only the learning group takes part in its round.")
        )

    def _refuse_outsider(self, person: int) -> Step | None:
        return self._not_member(person) or self._refuse_closed(person)

    def _moderator_counts(self) -> dict[int, int]:
        return dict(self.moderated)

    def _start_phase(self, phase: Phase, now: datetime) -> tuple[AdviceRound, PhaseStarted]:
        deadline = self.phase_end(phase, now)
        moved = replace(self, phase=phase, phase_started_at=now, deadline=deadline)
        method = moved.method if phase is Phase.CONSULTATION else None
        return moved, PhaseStarted(phase, PURPOSES[phase], moved.speakers(), deadline, method)

    def _advance(self, now: datetime) -> Step:
        """Leave the current phase, filling in the defaults the timebox rules name."""
        effects: list[Effect] = []
        current = self
        if current.phase is Phase.CLOSING:
            return current._finish(now)
        if current.phase is Phase.CASTING and current.moderator is None:
            chosen = fair_moderator(current.members, current.case_giver, self._moderator_counts())
            if chosen is None:  # pragma: no cover - start and member_left prevent it
                return current._cancel(None, now, NOBODY_TO_MODERATE)
            current = replace(current, moderator=chosen)
            effects.append(ModeratorChosen(chosen, ModeratorChoice.ROTATED))
        if current.phase is Phase.METHOD_CHOICE and current.method_id is None:
            default = current.config.methods[0]
            current = replace(current, method_id=default.id)
            effects.append(MethodChosen(default, None))
        current, started = current._start_phase(PHASES[PHASES.index(current.phase) + 1], now)
        return Step(current, (*effects, started))

    def _finish(self, now: datetime) -> Step:
        done = replace(self, status=Status.FINISHED, deadline=None, ended_at=now)
        return Step(done, (RoundClosed(done.summary()),))

    def _cancel(self, by: int | None, now: datetime, note: str) -> Step:
        done = replace(
            self,
            status=Status.CANCELLED,
            deadline=None,
            paused_at=None,
            ended_at=now,
            end_note=note,
        )
        return Step(done, (RoundCancelled(by, note),))

    def _active(self, now: datetime) -> AdviceRound:
        return replace(self, last_activity_at=now)

    # -- transitions --

    def choose_moderator(self, by: int, person: int | None, now: datetime) -> Step:
        """In casting, `by` names the moderator (themselves, to volunteer), or asks for
        the fair choice with `person=None`. A new choice replaces the earlier one."""
        now = ensure_utc(now)
        if refused := self._refuse_outsider(by):
            return refused
        if self.phase is not Phase.CASTING:
            return self._reject(
                by, RejectReason.WRONG_PHASE, _("The moderator is chosen in the casting.")
            )
        how = ModeratorChoice.CHOSEN
        if person is None:
            person = fair_moderator(self.members, self.case_giver, self._moderator_counts())
            how = ModeratorChoice.ROTATED
        if person is None or person not in self.members or person == self.case_giver:
            return self._reject(
                by,
                RejectReason.BAD_CANDIDATE,
                _("The moderator is someone in the group other than the case-giver."),
            )
        return Step(replace(self._active(now), moderator=person), (ModeratorChosen(person, how),))

    def next(self, person: int, now: datetime) -> Step:
        """The moderator moves the round to the next phase (from closing: ends it)."""
        now = ensure_utc(now)
        if refused := self._refuse_closed(person):
            return refused
        if self.moderator is None:
            return self._reject(
                person, RejectReason.NO_MODERATOR, _("Choose a moderator first: they move on.")
            )
        if person != self.moderator:
            return self._reject(
                person, RejectReason.NOT_MODERATOR, _("Only the moderator moves the round on.")
            )
        if self.phase is Phase.KEY_QUESTION and not self.key_question:
            return self._reject(
                person, RejectReason.NEEDS_KEY_QUESTION, _("Set the key question first.")
            )
        if self.phase is Phase.METHOD_CHOICE and not self.method_id:
            return self._reject(person, RejectReason.NEEDS_METHOD, _("Choose a method first."))
        return self._active(now)._advance(now)

    def deadline_passed(self, now: datetime) -> Step:
        """The timebox of the current phase ended: move on as `next` would, with the
        defaults of the module docstring. Before the deadline, or when the round is not
        running, nothing happens."""
        now = ensure_utc(now)
        if self.status is not Status.ACTIVE or self.deadline is None or now < self.deadline:
            return Step(self)
        return self._advance(now)

    def contribute(self, person: int, text: str, now: datetime) -> Step:
        """A message in the round's thread. The case-giver's are held in the
        consultation; advisors' are split into one idea each."""
        now = ensure_utc(now)
        if refused := self._refuse_outsider(person):
            return refused
        if not text.strip():
            return self._reject(person, RejectReason.EMPTY, _("There is nothing in that message."))
        if person == self.case_giver and self.phase is Phase.CONSULTATION:
            held = replace(self._active(now), held=(*self.held, HeldMessage(text.strip(), now)))
            return Step(held, (ContributionHeld(person, text.strip()),))
        pieces = (text.strip(),) if person == self.case_giver else split_ideas(text)
        number = len(self.contributions)
        added = tuple(
            Contribution(number + i, person, self.phase, piece, now)
            for i, piece in enumerate(pieces, start=1)
        )
        moved = replace(self._active(now), contributions=(*self.contributions, *added))
        return Step(moved, tuple(ContributionRecorded(c) for c in added))

    def set_key_question(self, person: int, text: str, now: datetime) -> Step:
        """In phase 3 the case-giver (or the moderator, for them) sets the key question;
        setting it again replaces it."""
        now = ensure_utc(now)
        if refused := self._refuse_outsider(person):
            return refused
        if self.phase is not Phase.KEY_QUESTION:
            return self._reject(
                person, RejectReason.WRONG_PHASE, _("The key question is set in phase 3.")
            )
        if person not in (self.case_giver, self.moderator):
            return self._reject(
                person,
                RejectReason.NOT_ALLOWED,
                _("The case-giver sets the key question (or the moderator for them)."),
            )
        if not text.strip():
            return self._reject(person, RejectReason.EMPTY, _("The key question is empty."))
        moved = replace(self._active(now), key_question=text.strip())
        return Step(moved, (KeyQuestionSet(text.strip(), person),))

    def choose_method(self, person: int, method_id: str, now: datetime) -> Step:
        """In phase 4 the moderator or the case-giver chooses a method of the library."""
        now = ensure_utc(now)
        if refused := self._refuse_outsider(person):
            return refused
        if self.phase is not Phase.METHOD_CHOICE:
            return self._reject(
                person, RejectReason.WRONG_PHASE, _("The method is chosen in phase 4.")
            )
        if person not in (self.case_giver, self.moderator):
            return self._reject(
                person, RejectReason.NOT_ALLOWED, _("The moderator or the case-giver chooses.")
            )
        method = self.config.method(method_id)
        if method is None:
            known = ", ".join(m.id for m in self.config.methods)
            return self._reject(
                person,
                RejectReason.UNKNOWN_METHOD,
                _("No method '{method}'; choose {known}.").format(method=method_id, known=known),
            )
        moved = replace(self._active(now), method_id=method.id)
        return Step(moved, (MethodChosen(method, person),))

    def conclude(self, person: int, helped: Iterable[int], takeaway: str, now: datetime) -> Step:
        """In the closing the case-giver names the contributions that helped (numbers)
        and what they take away; the round ends with the summary."""
        now = ensure_utc(now)
        if refused := self._refuse_outsider(person):
            return refused
        if person != self.case_giver:
            return self._reject(
                person, RejectReason.NOT_ALLOWED, _("The case-giver closes the round.")
            )
        if self.phase is not Phase.CLOSING:
            return self._reject(person, RejectReason.WRONG_PHASE, _("That comes in the closing."))
        numbers = tuple(dict.fromkeys(helped))
        others = {c.number for c in self.contributions if c.person != self.case_giver}
        unknown = [n for n in numbers if n not in others]
        if unknown:
            return self._reject(
                person,
                RejectReason.UNKNOWN_CONTRIBUTION,
                ngettext(
                    "No advisor's contribution has number {numbers}.",
                    "No advisor's contributions have the numbers {numbers}.",
                    len(unknown),
                ).format(numbers=", ".join(map(str, unknown))),
            )
        moved = replace(self._active(now), helped=numbers, takeaway=takeaway.strip())
        return moved._finish(now)

    def pause(self, person: int, now: datetime) -> Step:
        now = ensure_utc(now)
        if refused := self._refuse_outsider(person):
            return refused
        if person not in (self.case_giver, self.moderator):
            return self._reject(
                person, RejectReason.NOT_ALLOWED, _("The moderator or the case-giver pauses.")
            )
        paused = replace(self._active(now), status=Status.PAUSED, paused_at=now)
        return Step(paused, (RoundPaused(person, now),))

    def resume(self, person: int, now: datetime) -> Step:
        """Go on where the round paused; the deadline moves by the time spent paused."""
        now = ensure_utc(now)
        if refused := self._not_member(person):
            return refused
        if self.status is not Status.PAUSED:
            if refused := self._refuse_closed(person):
                return refused
            return self._reject(person, RejectReason.NOT_PAUSED, _("The round is not paused."))
        if person not in (self.case_giver, self.moderator):
            return self._reject(
                person, RejectReason.NOT_ALLOWED, _("The moderator or the case-giver resumes.")
            )
        assert self.paused_at is not None and self.deadline is not None
        deadline = self.deadline + (now - self.paused_at)
        resumed = replace(
            self._active(now), status=Status.ACTIVE, paused_at=None, deadline=deadline
        )
        return Step(resumed, (RoundResumed(person, deadline),))

    def cancel(self, person: int, now: datetime, note: str = "") -> Step:
        """The case-giver or the moderator ends the round without a summary."""
        now = ensure_utc(now)
        if refused := self._not_member(person):
            return refused
        if not self.is_open:
            return self._reject(person, RejectReason.OVER, _(_OVER[self.status]))
        if person not in (self.case_giver, self.moderator):
            return self._reject(
                person, RejectReason.NOT_ALLOWED, _("The case-giver or the moderator cancels.")
            )
        return self._cancel(person, now, note.strip())  # no note: nothing to add

    def abandon_if_idle(self, now: datetime) -> Step:
        """Past the abandonment bound without activity, the round is abandoned."""
        now = ensure_utc(now)
        bound = self.abandon_at()
        if bound is None or now < bound:
            return Step(self)
        note = (
            f"No activity since {self.last_activity_at:%Y-%m-%d %H:%M} UTC: the round is "
            "closed. The notes so far are kept; start again with /learn advice."
        )
        done = replace(
            self,
            status=Status.ABANDONED,
            deadline=None,
            paused_at=None,
            ended_at=now,
            end_note=note,
        )
        return Step(done, (RoundAbandoned(note),))

    def member_left(self, person: int, now: datetime) -> Step:
        """`person` left the group. See "A person leaving" in the module docstring."""
        now = ensure_utc(now)
        if person not in self.members or not self.is_open:
            return Step(self)
        if person == self.case_giver:
            return self._cancel(None, now, CASE_GIVER_LEFT)
        members = tuple(p for p in self.members if p != person)
        if members == (self.case_giver,):
            gone = replace(self, members=members)
            return gone._cancel(None, now, NOBODY_TO_ADVISE)
        moved = replace(self, members=members)
        if person != self.moderator:
            return Step(moved)
        chosen = fair_moderator(members, self.case_giver, self._moderator_counts())
        assert chosen is not None
        return Step(
            replace(moved, moderator=chosen), (ModeratorChosen(chosen, ModeratorChoice.REPLACED),)
        )

    def nudge(self, now: datetime) -> Step:
        """Nudge those `who_to_nudge(now)` names, and note that today's nudge is done."""
        now = ensure_utc(now)
        people = self.who_to_nudge(now)
        if not people:
            return Step(self)
        assert self.deadline is not None
        nudged = replace(self, last_nudged_on=now.astimezone(self.zone).date())
        return Step(nudged, (Nudge(people, self.phase, self.deadline),))

    def tick(self, now: datetime) -> Step:
        """Whatever is due at `now`: abandonment, else the end of the timebox, then the
        day's nudge. What the scheduler's heartbeat calls when `due_at()` has come."""
        now = ensure_utc(now)
        if not self.is_open:
            return Step(self)
        abandoned = self.abandon_if_idle(now)
        if abandoned.effects:
            return abandoned
        current, effects = self.deadline_passed(now)
        if current.status is Status.ACTIVE:
            current, nudges = current.nudge(now)
            effects = (*effects, *nudges)
        return Step(current, effects)

    # -- storage --

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (str, int, list, dict, None only) that `from_dict` restores."""

        def moment(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "v": DICT_VERSION,
            "mode": self.mode.value,
            "case_giver": self.case_giver,
            "case": self.case,
            "members": list(self.members),
            "timezone": self.timezone,
            "config": self.config.to_dict(),
            "started_at": moment(self.started_at),
            "phase": self.phase.value,
            "status": self.status.value,
            "phase_started_at": moment(self.phase_started_at),
            "deadline": moment(self.deadline),
            "last_activity_at": moment(self.last_activity_at),
            "moderated": [[p, n] for p, n in self.moderated],
            "moderator": self.moderator,
            "key_question": self.key_question,
            "method_id": self.method_id,
            "contributions": [
                {
                    "number": c.number,
                    "person": c.person,
                    "phase": c.phase.value,
                    "text": c.text,
                    "at": moment(c.at),
                }
                for c in self.contributions
            ],
            "held": [{"text": h.text, "at": moment(h.at)} for h in self.held],
            "helped": list(self.helped),
            "takeaway": self.takeaway,
            "paused_at": moment(self.paused_at),
            "last_nudged_on": self.last_nudged_on.isoformat() if self.last_nudged_on else None,
            "ended_at": moment(self.ended_at),
            "end_note": self.end_note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AdviceRound:
        if data.get("v") != DICT_VERSION:
            raise ValueError(f"unknown advice round format {data.get('v')!r}")

        def moment(value: str | None) -> datetime | None:
            return ensure_utc(datetime.fromisoformat(value)) if value is not None else None

        def required(value: str) -> datetime:
            return ensure_utc(datetime.fromisoformat(value))

        return cls(
            mode=Mode(data["mode"]),
            case_giver=int(data["case_giver"]),
            case=data["case"],
            members=tuple(int(p) for p in data["members"]),
            timezone=data["timezone"],
            config=AdviceConfig.from_dict(data["config"]),
            started_at=required(data["started_at"]),
            phase=Phase(data["phase"]),
            status=Status(data["status"]),
            phase_started_at=required(data["phase_started_at"]),
            deadline=moment(data["deadline"]),
            last_activity_at=required(data["last_activity_at"]),
            moderated=tuple((int(p), int(n)) for p, n in data["moderated"]),
            moderator=None if data["moderator"] is None else int(data["moderator"]),
            key_question=data["key_question"],
            method_id=data["method_id"],
            contributions=tuple(
                Contribution(
                    number=int(c["number"]),
                    person=int(c["person"]),
                    phase=Phase(c["phase"]),
                    text=c["text"],
                    at=required(c["at"]),
                )
                for c in data["contributions"]
            ),
            held=tuple(HeldMessage(h["text"], required(h["at"])) for h in data["held"]),
            helped=tuple(int(n) for n in data["helped"]),
            takeaway=data["takeaway"],
            paused_at=moment(data["paused_at"]),
            last_nudged_on=(
                date.fromisoformat(data["last_nudged_on"]) if data["last_nudged_on"] else None
            ),
            ended_at=moment(data["ended_at"]),
            end_note=data["end_note"],
        )


def start(
    case_giver: int,
    case: str,
    members: Iterable[int],
    mode: Mode,
    now: datetime,
    config: AdviceConfig | None = None,
    *,
    timezone: str = "UTC",
    moderator: int | None = None,
    moderated: Mapping[int, int] | None = None,
) -> Step:
    """Open a round in casting. `members` is the learning group (the case-giver is added
    if missing); `moderated` counts how often each member moderated before, for the fair
    rotation; `moderator`, if given, is chosen at once. `timezone` is the group's, for
    working days and nudges. Raises `CannotStart` (a message for the case-giver) for an
    empty case or a group without at least two people besides the case-giver."""
    now = ensure_utc(now)
    config = config or AdviceConfig()
    group = tuple(dict.fromkeys((*members, case_giver)))
    if not case.strip():
        raise CannotStart(_("Say what the case is: /learn advice <your case in a sentence>."))
    if len(group) < 3:
        raise CannotStart(_("A round needs the case-giver, a moderator and at least one advisor."))
    if moderator is not None and (moderator not in group or moderator == case_giver):
        raise CannotStart(_("The moderator is someone in the group other than the case-giver."))
    ZoneInfo(timezone)  # an unknown zone fails here, not at the first deadline
    counts = tuple(sorted((p, int(n)) for p, n in (moderated or {}).items() if p in group))
    fresh = AdviceRound(
        mode=mode,
        case_giver=case_giver,
        case=case.strip(),
        members=group,
        timezone=timezone,
        config=config,
        started_at=now,
        phase=Phase.CASTING,
        status=Status.ACTIVE,
        phase_started_at=now,
        deadline=None,
        last_activity_at=now,
        moderated=counts,
        moderator=moderator,
    )
    fresh, started = fresh._start_phase(Phase.CASTING, now)
    effects: tuple[Effect, ...] = (started,)
    if moderator is not None:
        effects = (ModeratorChosen(moderator, ModeratorChoice.CHOSEN), started)
    return Step(fresh, effects)
