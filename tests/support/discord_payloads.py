"""Gateway payloads shaped as Discord sends them (INTERACTION_CREATE, MESSAGE_CREATE)."""

from __future__ import annotations

import itertools
from typing import Any

from tests.support.fake_discord import APP_ID, GUILD

CHANNEL = "1200000000000000001"
_ids = itertools.count(1)


def snowflake() -> str:
    return str(1300000000000000000 + next(_ids))


def user(user_id: str, name: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": name,
        "discriminator": "0",
        "global_name": name.title(),
        "avatar": None,
        "public_flags": 0,
    }


def _base(kind: int, who: dict[str, Any], *, in_dm: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": snowflake(),
        "application_id": APP_ID,
        "type": kind,
        "token": f"tok-{snowflake()}",
        "version": 1,
        "locale": "de",
        "app_permissions": "2147483647",
        "entitlements": [],
        "attachment_size_limit": 8388608,
    }
    if in_dm:
        dm = "7" + who["id"][-17:]
        payload.update(
            channel_id=dm,
            user=who,
            context=1,
            channel={"id": dm, "type": 1, "recipients": [who]},
            authorizing_integration_owners={"1": who["id"]},
        )
    else:
        payload.update(
            guild_id=GUILD,
            channel_id=CHANNEL,
            context=0,
            guild_locale="en-US",
            channel={
                "id": CHANNEL,
                "type": 0,
                "guild_id": GUILD,
                "name": "general",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "flags": 0,
            },
            member={
                "user": who,
                "roles": [],
                "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
                "pending": False,
                "permissions": "2147483647",
                "nick": None,
                "avatar": None,
            },
            authorizing_integration_owners={"0": GUILD},
        )
    return payload


def slash(who: dict[str, Any], sub: str, **options: Any) -> dict[str, Any]:
    """`/learn <sub> option:value ...`, as an APPLICATION_COMMAND interaction in a guild."""
    types = {str: 3, bool: 5, int: 4}
    inner, users, channels = [], {}, {}
    for name, value in options.items():
        if isinstance(value, dict) and "type" in value:  # a channel option (see `channel`)
            inner.append({"type": 7, "name": name, "value": value["id"]})
            channels[value["id"]] = value
        elif isinstance(value, dict):  # a user option: the id, and the user under `resolved`
            inner.append({"type": 6, "name": name, "value": value["id"]})
            users[value["id"]] = value
        else:
            inner.append({"type": types[type(value)], "name": name, "value": value})
    payload = _base(2, who, in_dm=False)
    payload["data"] = {
        "id": "1400000000000000001",
        "name": "learn",
        "type": 1,
        "options": [{"type": 1, "name": sub, "options": inner}],
    }
    if users:
        payload["data"]["resolved"] = {"users": users}
    if channels:
        payload["data"].setdefault("resolved", {})["channels"] = channels
    return payload


def channel(channel_id: str, name: str, kind: int = 15) -> dict[str, Any]:
    """A channel picked in a channel option (15: a forum), as `resolved` carries it."""
    return {"id": channel_id, "name": name, "type": kind, "permissions": "2147483647"}


def button(who: dict[str, Any], custom_id: str, message: dict[str, Any]) -> dict[str, Any]:
    """A click on a button of `message` in the person's DM (MESSAGE_COMPONENT)."""
    payload = _base(3, who, in_dm=True)
    payload["message"] = message
    payload["data"] = {"custom_id": custom_id, "component_type": 2}
    return payload


def modal_submit(who: dict[str, Any], custom_id: str, values: dict[str, str]) -> dict[str, Any]:
    payload = _base(5, who, in_dm=False)
    payload["data"] = {
        "custom_id": custom_id,
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
            for k, v in values.items()
        ],
    }
    return payload


def dm_message(who: dict[str, Any], content: str) -> dict[str, Any]:
    return {
        "id": snowflake(),
        "channel_id": "7" + who["id"][-17:],
        "author": who,
        "content": content,
        "timestamp": "2026-11-30T09:05:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "components": [],
    }
