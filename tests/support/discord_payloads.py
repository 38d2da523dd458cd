"""Gateway payloads shaped as Discord sends them (INTERACTION_CREATE, MESSAGE_CREATE)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from adapters.discord.tree import name_of
from bot.grammar.convert import Kind
from bot.grammar.parser import read
from bot.grammar.table import TABLE
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
        "locale": "en-US",  # a client set to English (tests set "de" where they mean it)
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
    """`/learn <sub> option:value ...` (`sub` may be a group and its subcommand, `"diary
    write"`), as an APPLICATION_COMMAND interaction in a guild."""
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
    if " " in sub:  # a subcommand of a subcommand group (type 2)
        group, name = sub.split(" ", 1)
        payload["data"]["options"] = [
            {"type": 2, "name": group, "options": [{"type": 1, "name": name, "options": inner}]}
        ]
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


def typed(who: dict[str, Any], line: str, people: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """A `/learn` line as the subcommand and typed options a person fills in on Discord
    (read with the core's command table, from which the bot's tree is made): people
    picked as users (`people` by name), numbers as integers, flags as booleans, a
    compound value part by part; as an APPLICATION_COMMAND interaction."""
    found = read(line, TABLE)
    group, verb = found.group, found.verb
    single = len(group.verbs) == 1 and not verb.words
    sub = group.word if single else f"{group.word} {name_of(verb)}"
    options: dict[str, Any] = {}
    for param in verb.params:
        raw = found.words.get(param.name)
        if raw is None:
            continue
        convert, spot = param.convert, group.spot(verb, param)
        if convert.parts:
            parts = zip((p.name for p in convert.parts), convert.text(raw, spot), strict=False)
            options.update({name: value for name, value in parts if value not in (None, "")})
        elif convert.kind is Kind.PERSON:
            options[param.name] = people[raw.split()[0].lstrip("@")]
        elif convert.kind is Kind.FLAG:
            options[param.name] = True
        elif convert.kind is Kind.INTEGER:
            options[param.name] = convert.text(raw, spot)
        else:
            options[param.name] = raw
    return slash(who, sub, **options)
