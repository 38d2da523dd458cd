"""Bolt listeners, one module per kind of request, each with `register(app, context)`.

Every listener acks and hands its work to `SlackContext.spawn`, then returns. The app runs
with `process_before_response=True`, so the HTTP response goes out the moment the
listener returns (Bolt's default instead polls for the ack every 10 ms), while the work
goes on in a task of its own. (Bolt's lazy listeners would do the same, but they
deep-copy the request, and with it the Web API client and its shared HTTP session.)
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from adapters.slack.answers import SlackContext
from adapters.slack.listeners import actions, commands, events, views


def register(app: AsyncApp, context: SlackContext) -> None:
    commands.register(app, context)
    events.register(app, context)
    actions.register(app, context)
    views.register(app, context)
