"""Everything people were sent, read back from what each platform received: the texts a
person reads (answers, DMs, posts, buttons, select options, form titles and labels, the
App Home), one string per message, so a German story can check that none of it is
English (`tests/support/language.py`)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from tests.support.fake_discord import FakeDiscord
from tests.support.fake_slack import FakeSlack
from tests.support.language import assert_german

# Slack Web API methods whose bodies a person reads
_SLACK_METHODS = (
    "chat.postMessage",
    "chat.postEphemeral",
    "chat.update",
    "views.open",
    "views.update",
    "views.push",
    "views.publish",
    "files.completeUploadExternal",
)
# keys of a Discord message, embed, component or modal whose values a person reads
_DISCORD_KEYS = {"content", "title", "description", "label", "placeholder", "text"}


def slack_texts(value: Any) -> list[str]:
    """The texts of a Slack body: its `text` fields (Block Kit's text objects, buttons,
    options, a view's title, submit and close), `initial_comment`, and `blocks` given as
    JSON."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("text", "initial_comment") and isinstance(item, str):
                found.append(item)
            elif key in ("blocks", "view") and isinstance(item, str) and item[:1] in "[{":
                found += slack_texts(json.loads(item))
            else:
                found += slack_texts(item)
    elif isinstance(value, list):
        for item in value:
            found += slack_texts(item)
    return found


def from_slack(fake: FakeSlack) -> list[str]:
    """One string per message or view Tandem sent to Slack (or to a response_url)."""
    said = []
    for call in list(fake.calls):
        if call.method in _SLACK_METHODS or call.method.startswith("response_url:"):
            texts = [html.unescape(t) for t in slack_texts(call.body)]
            if texts:
                said.append("\n".join(texts))
    return said


def discord_texts(value: Any) -> list[str]:
    """The texts of a Discord body: content, embeds (title, description, fields, footer,
    author), components' labels and placeholders, select options, a modal's title."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _DISCORD_KEYS and isinstance(item, str):
                found.append(item)
            elif key == "fields" and isinstance(item, list):
                for embed_field in item:
                    found += [embed_field.get("name", ""), embed_field.get("value", "")]
            elif key in ("author", "footer") and isinstance(item, dict):
                found += [t for k in ("name", "text") if isinstance(t := item.get(k), str)]
            elif key == "options" and isinstance(item, list):  # a select's options
                found += [o["label"] for o in item if isinstance(o, dict) and "label" in o]
                found += [d for o in item if isinstance(d := o.get("description"), str)]
            elif key == "name" and isinstance(item, str) and "message" in value:
                found.append(item)  # a forum post's title
            elif key not in ("_file", "_file_head", "attachments"):
                found += discord_texts(item)
    elif isinstance(value, list):
        for item in value:
            found += discord_texts(item)
    return found


def from_discord(fake: FakeDiscord) -> list[str]:
    """One string per message, answer, follow-up, forum post or modal Tandem sent."""
    said = []
    for method, path, body in list(fake.calls):
        if method not in ("POST", "PATCH") or "/commands" in path:
            continue
        texts = [t for t in discord_texts(body) if t]
        if texts:
            said.append("\n".join(texts))
    return said


# what the console prints of Tandem's: its lines up to the next one typed or printed
_CONSOLE = re.compile(r"^tandem \((?:.*?)\): ", re.M)


def from_console(transcript: str, typed: tuple[str, ...] = ()) -> list[str]:
    """Each message the console printed (`tandem (...): ...` with its following lines),
    and the console's own notes in parentheses; the lines typed are left out."""
    said: list[str] = []
    for line in transcript.splitlines():
        if any(line.startswith(f"{who}> ") for who in typed):
            continue
        if _CONSOLE.match(line) or not said:
            said.append(line)
        else:
            said[-1] += "\n" + line
    return [s for s in said if s.strip()]


def assert_all_german(said: list[str], allow: tuple[str, ...] = ()) -> None:
    """Each text in `said` is German (`assert_german`), with the words in `allow` (names,
    typed text) left out; the failures of all of them at once."""
    assert said, "nothing was received"
    problems = []
    for text in said:
        try:
            assert_german(text, allow=allow)
        except AssertionError as error:
            problems.append(str(error))
    assert not problems, f"{len(problems)} of {len(said)} texts not German:\n\n" + "\n\n".join(
        problems[:8]
    )


def said_in(language: str, message: str) -> str:
    """`message` (a msgid) as the catalogue says it in `language` (itself while it has no
    translation): a button's label, a console heading."""
    from bot.i18n import _, speaking

    with speaking(language):
        return _(message)


# Modules still being put into the catalogue (issue #17, the "team" and "plan" helpers):
# a German story that reads their words fails until they are merged, and is marked so.


def as_a_german_client_sees_it(synced: dict[str, Any], payload: dict[str, Any], line: str) -> None:
    """The `/learn` subcommand `payload` runs, as the synced tree (`PUT .../commands`)
    shows it to a German client, is what the German `line` typed: its group (and
    subcommand) carry German names, and the group's is the word typed."""
    [learn] = [c for c in synced["commands"] if c["name"] == "learn"]
    [chosen] = payload["data"]["options"]
    [group] = [o for o in learn["options"] if o["name"] == chosen["name"]]
    shown = [group["name_localizations"]["de"]]
    if chosen["type"] == 2:  # a group and its subcommand
        [sub] = chosen["options"]
        [node] = [o for o in group["options"] if o["name"] == sub["name"]]
        shown.append(node["name_localizations"]["de"])
    words = line.removeprefix("/learn").split()
    assert not words or words[0] == shown[0], (line, shown)  # `/learn` alone: `weiter`
