"""Bolt listeners, one module per kind of request, each with `register(app, context)`.

Every listener acks and hands its work (a module-level coroutine function and its
arguments) to `context.hand_off`, then returns. The app runs with
`process_before_response=True`, so the HTTP response goes out the moment the listener
returns (Bolt's default instead polls for the ack every 10 ms). In HTTP mode the work is
done by a worker process of its own (adapters/slack/worker.py), so the acks never wait
for it; in Socket Mode, by a task beside them. (Bolt's lazy listeners would do the
latter, but they deep-copy the request, and with it the Web API client and its shared
HTTP session.)
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from adapters.slack.handoff import Front
from adapters.slack.listeners import actions, commands, events, views


def register(app: AsyncApp, context: Front) -> None:
    commands.register(app, context)
    events.register(app, context)
    actions.register(app, context)
    views.register(app, context)
