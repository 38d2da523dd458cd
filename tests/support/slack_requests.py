"""Requests shaped and signed the way Slack sends them (for the adapter's tests and bench).

Shapes follow Slack's documentation for slash commands, interactivity payloads
(block_actions, view_submission) and the Events API (event_callback); signatures are
`v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")` in X-Slack-Signature.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

TEAM = "T0TANDEM"
APP = "A0TANDEM"


def signed_post(
    url: str,
    body: str,
    secret: str,
    content_type: str,
    *,
    timestamp: int | None = None,
    extra_headers: dict[str, str] | None = None,
    signature: str | None = None,
) -> tuple[int, str]:
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature
        or SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body),
        **(extra_headers or {}),
    }
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def slash_command(
    user: str,
    text: str,
    response_url: str,
    trigger_id: str = "13345224609.738474920.8088930838d88f008e0",
) -> str:
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": TEAM,
            "team_domain": "tandem",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/learn",
            "text": text,
            "api_app_id": APP,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def block_actions(
    user: str, value: str, response_url: str, message_ts: str = "1764500000.000100"
) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": APP,
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": "D" + user[1:],
            "is_ephemeral": False,
        },
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "team": {"id": TEAM, "domain": "tandem"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": "D" + user[1:], "name": "directmessage"},
        "message": {"type": "message", "ts": message_ts, "text": "Tandem", "user": "UBOT0001"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": "tandem:run:0",
                "block_id": "b1",
                "type": "button",
                "text": {"type": "plain_text", "text": "Go"},
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def view_submission(
    user: str, callback_id: str, values: dict[str, Any], view_id: str = "V0MODAL1"
) -> str:
    state: dict[str, Any] = {}
    for name, value in values.items():
        if name == "share":
            state[name] = {
                "value": {
                    "type": "static_select",
                    "selected_option": {
                        "text": {"type": "plain_text", "text": value},
                        "value": value,
                    },
                }
            }
        else:
            state[name] = {"value": {"type": "plain_text_input", "value": value}}
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "tandem"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": APP,
        "token": "deprecated-verification-token",
        "trigger_id": "1.2.3",
        "view": {
            "id": view_id,
            "team_id": TEAM,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": "",
            "state": {"values": state},
            "hash": "1764500000.abcdef",
            "title": {"type": "plain_text", "text": "Diary entry"},
            "blocks": [],
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }
    return urlencode({"payload": json.dumps(payload)})


def event_callback(event: dict[str, Any], event_id: str) -> str:
    return json.dumps(
        {
            "token": "deprecated-verification-token",
            "team_id": TEAM,
            "api_app_id": APP,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM,
                    "user_id": "UBOT0001",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def dm_message(user: str, text: str, ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": "D" + user[1:],
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im",
        "client_msg_id": f"c-{ts}",
        "team": TEAM,
    }


def thread_message(user: str, channel: str, text: str, ts: str, thread_ts: str) -> dict[str, Any]:
    """A person's reply in a thread of a channel (message.channels), as Slack sends it."""
    return {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "parent_user_id": "UBOT0001",
        "event_ts": ts,
        "channel_type": "channel",
        "client_msg_id": f"c-{ts}",
        "team": TEAM,
    }
