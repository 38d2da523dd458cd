"""Deployment choices the core needs to know: who facilitates, default zone and locale."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.advice import AdviceConfig
from bot.checkins import CheckinRules
from bot.competences import CompetenceModel, ResolvedTags
from bot.domain import Person, Profile
from bot.i18n import ENGLISH, normalize
from bot.nudges import NudgeRules


@dataclass(frozen=True)
class Policy:
    default_timezone: str = "UTC"
    default_locale: str = "en"
    facilitator_refs: frozenset[str] = field(default_factory=frozenset)
    # The console sets this: on an empty database its first person is a facilitator,
    # so a newcomer can try every part of the bot alone.
    first_person_is_facilitator: bool = False
    checkins: CheckinRules = field(default_factory=CheckinRules)
    # The value and competence model tags resolve against (None: every tag is free).
    competences: CompetenceModel | None = None
    # How often learning partners get a co-coaching prompt.
    cocoaching_every: timedelta = timedelta(days=14)
    # Colleague-advice timeboxes and the method library (a company may add methods).
    advice: AdviceConfig = field(default_factory=AdviceConfig)
    # How far ahead a goal's or a milestone's date may lie (one window for both).
    plan_horizon: timedelta = timedelta(days=730)
    plan_horizon_words: str = "two years"
    # When a learner counts as drifting away, and when the weekly digests go out.
    nudges: NudgeRules = field(default_factory=NudgeRules)
    # A learning record store is connected (TANDEM_XAPI_URL): only then do the learning
    # events of those who said yes go to the LRS lane (bot/xapi.py).
    lrs_enabled: bool = False

    def resolve_tags(self, tags: tuple[str, ...]) -> ResolvedTags:
        if self.competences is None:  # no model to hold them against: take them as given
            return ResolvedTags(tags, ())
        return self.competences.resolve(tags)

    def language_of(self, person: Person | None) -> str:
        """The language `person` is answered in: the one they chose (`/learn language`),
        else their platform's locale when Tandem speaks it, else the deployment's default
        (`TANDEM_LOCALE`), else English."""
        if person is not None:
            for said in (person.language, person.locale):
                if language := normalize(said):
                    return language
        return self.default_language()

    def default_language(self) -> str:
        """`TANDEM_LOCALE` as a language Tandem speaks (English when it is none)."""
        return normalize(self.default_locale) or ENGLISH

    def language_of_group(self, people: Iterable[Person]) -> str:
        """The language a post everyone in a group reads speaks (a round's thread): the
        one most of `people` are answered in; a tie, or nobody, goes to the deployment's
        default (`TANDEM_LOCALE`)."""
        default = self.language_of(None)
        counts = Counter(self.language_of(person) for person in people)
        if not counts:
            return default
        most = max(counts.values())
        leading = [language for language, n in counts.items() if n == most]
        return leading[0] if len(leading) == 1 else default

    def language_for(self, person: Person | None, profile: Profile | None) -> str:
        """The language of someone who may not be stored yet, with what their platform
        says now (`profile`): the one they chose, else the profile's locale (fresher than
        the one stored), else the stored one, else the default."""
        if person is not None and (language := normalize(person.language)):
            return language
        if profile is not None and (language := normalize(profile.locale)):
            return language
        return self.language_of(person)

    def is_facilitator(self, person: Person) -> bool:
        return person.is_facilitator or person.identity.ref in self.facilitator_refs
