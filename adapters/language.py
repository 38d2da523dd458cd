"""Which language an adapter speaks its own words in (buttons, notes, modal titles, errors
it says itself), for the person it renders for.

The core says in which language it answered (`Outcome.language`); where it did not
answer (a refusal before the core ran, a form checked before the ack, the database
gone) the platform's profile says it (Slack's `users.info` locale, Discord's
interaction locale), else the deployment's default (`TANDEM_LOCALE`)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import Profile
from bot.i18n import normalize
from bot.policy import Policy
from bot.replies import Reply


def of_profile(policy: Policy, profile: Profile | None) -> str:
    """The language of a person the core has not been asked about: their platform's
    locale when Tandem speaks it, else the deployment's."""
    return normalize(profile.locale if profile else None) or policy.language_of(None)


def of_answer(replies: Sequence[Reply], policy: Policy, profile: Profile | None = None) -> str:
    """The language the core answered in (an `Outcome` carries it), else `of_profile`."""
    return getattr(replies, "language", None) or of_profile(policy, profile)
