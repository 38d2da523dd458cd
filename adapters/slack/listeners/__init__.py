"""Bolt listeners, one module per kind of request, each with `register(app, context)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from adapters.slack.answers import SlackContext
from adapters.slack.listeners import actions, commands, events, views


def register(app: AsyncApp, context: SlackContext) -> None:
    commands.register(app, context)
    events.register(app, context)
    actions.register(app, context)
    views.register(app, context)
