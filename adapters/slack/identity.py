"""Slack people as the core knows them: ids to identities, `users.info` to profiles.

Profiles (display name, time zone, locale) are cached for an hour per user, so a busy
person does not cost a `users.info` call per click, and a changed time zone still
arrives within the hour.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain import Identity, Platform, Profile

PROFILE_TTL = 3600.0
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
# A link: `<url>` or `<url|label>`. The URL holds no `|` (Slack sends it percent-encoded),
# so the first `|` ends it; the label may hold more of them, and never a raw `>`.
_LINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]*:[^|>]+)(?:\|([^>]*))?>")


@dataclass(frozen=True)
class Asker:
    """Who made a request, and where to answer them: the request's response_url (a
    command's, a click's) or else their DM."""

    user_id: str
    response_url: str | None = None


def identity(team_id: str, user_id: str) -> Identity:
    return Identity(Platform.SLACK, team_id, user_id)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _link(match: re.Match[str]) -> str:
    """`<https://x.y|this article>` as "this article (https://x.y)": label and URL both,
    so a diary entry keeps where it points. A label that only repeats the URL (Slack
    writes `<http://x.y|x.y>` for a typed `x.y`, `<mailto:a@b.c|a@b.c>` for an address)
    gives the URL alone."""
    url, label = _unescape(match.group(1)), _unescape(match.group(2) or "").strip()
    bare = url.split(":", 1)[1].removeprefix("//") if ":" in url else url
    if not label or label in (url, bare, bare.rstrip("/")):
        return bare if url.startswith("mailto:") else url
    return f"{label} ({url})"


def plain_text(text: str) -> str:
    """Slack's escaped text as typed: `<@U123|ana>` becomes `@U123`, `<#C1|name>` `#name`,
    a link its label and URL (`label (url)`), and `&amp;`, `&lt;`, `&gt;` their
    characters."""
    text = _MENTION.sub(lambda m: f"@{m.group(1)}", text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    parts = []  # links unescape their own parts; the text between them is unescaped here
    last = 0
    for match in _LINK.finditer(text):
        parts.append(_unescape(text[last : match.start()]))
        parts.append(_link(match))
        last = match.end()
    parts.append(_unescape(text[last:]))
    return "".join(parts)


def mentioned_ids(text: str) -> list[str]:
    """The user ids Slack's escaped text mentions (`<@U123|ana>`), each once."""
    return list(dict.fromkeys(m.group(1) for m in _MENTION.finditer(text)))


class Profiles:
    def __init__(
        self, client: AsyncWebClient, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._client = client
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, Profile]] = {}
        self._bots: set[str] = set()

    def is_bot(self, user_id: str) -> bool:
        """True if `users.info` said this is a bot (or Slackbot)."""
        return user_id in self._bots

    async def of_mentioned(self, text: str) -> dict[str, Profile]:
        """Profiles of the people `text` mentions (cached like any other)."""
        found = {}
        for user_id in mentioned_ids(text)[:50]:  # users.info is cached, and Tier 4
            profile = await self.get(user_id)
            if profile is not None:
                found[user_id] = profile
        return found

    async def get(self, user_id: str) -> Profile | None:
        cached = self._cache.get(user_id)
        if cached and self._monotonic() - cached[0] < PROFILE_TTL:
            return cached[1]
        try:
            response = await self._client.users_info(user=user_id, include_locale=True)
        except SlackApiError:
            return cached[1] if cached else None  # keep what we knew; the core has defaults
        user = response.get("user") or {}
        if user.get("is_bot") or user_id == "USLACKBOT":
            self._bots.add(user_id)
        names = user.get("profile") or {}
        profile = Profile(
            display_name=names.get("display_name")
            or names.get("real_name")
            or user.get("name")
            or user_id,
            timezone=user.get("tz"),
            locale=user.get("locale"),
        )
        self._cache[user_id] = (self._monotonic(), profile)
        return profile
