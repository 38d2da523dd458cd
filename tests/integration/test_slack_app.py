"""How the Slack app is put together: what listens where, in each mode."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from adapters.bootstrap import build
from adapters.clock import SystemClock
from adapters.settings import Settings
from adapters.slack.app import (
    EVENTS_PATH,
    MissingSetting,
    create_bolt_app,
    web_application,
)
from adapters.slack.handoff import InboxFront


def settings(tmp_path, **values: str) -> Settings:
    return Settings(
        DATABASE_URL=f"sqlite:///{tmp_path / 'tandem.db'}", SLACK_BOT_TOKEN="xoxb-1", **values
    )


def routes(web_app) -> set[str]:
    return {route.resource.canonical for route in web_app.router.routes()}


def assemble(config: Settings):
    async def inside_a_loop():
        async with aiohttp.ClientSession() as session:
            app = build(config, SystemClock())
            front = InboxFront(app.inbox, lambda item_id: None, session)
            bolt = create_bolt_app(app, session, front)
            socket_mode = config.slack_app_token is not None
            return routes(web_application(app, bolt, socket_mode, 3000))

    return asyncio.run(inside_a_loop())


def test_http_mode_takes_slacks_requests_and_answers_health(tmp_path):
    found = assemble(settings(tmp_path, SLACK_SIGNING_SECRET="s"))
    assert found >= {EVENTS_PATH, "/healthz", "/livez", "/readyz", "/metrics"}


def test_socket_mode_takes_no_request_over_http(tmp_path):
    found = assemble(settings(tmp_path, SLACK_APP_TOKEN="xapp-1"))
    # nothing at /slack/events to forge a request to
    assert found == {"/healthz", "/livez", "/readyz", "/metrics"}


def test_http_mode_needs_the_signing_secret(tmp_path):
    with pytest.raises(MissingSetting, match="SLACK_SIGNING_SECRET"):
        assemble(settings(tmp_path))
