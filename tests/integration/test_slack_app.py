"""How the Slack app is put together: what listens where, in each mode; the acking side
without a core; the one way to stop; Socket Mode end to end over a fake websocket."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import urllib.parse

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from adapters.bootstrap import build
from adapters.clock import SystemClock
from adapters.settings import Settings
from adapters.slack import serve as serving
from adapters.slack.app import (
    EVENTS_PATH,
    MissingSetting,
    create_bolt_app,
    web_application,
)
from adapters.slack.handoff import InboxFront
from tests.support.fake_slack import FakeSlack
from tests.support.processes import SECRET, SlackProcess, free_port
from tests.support.slack_requests import slash_command


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
            bolt = create_bolt_app(config, session, front)
            socket_mode = config.slack_app_token is not None
            return routes(web_application(app.engine, bolt, socket_mode, 3000))

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


# -- the acking side builds no core; one way to stop -----------------------------------


class IdleWorkingSide:
    """Stands in for the worker process: records what the acking side asks of it."""

    def __init__(self) -> None:
        self.woken: list[int] = []
        self.stopped_with: list[float] = []
        self.port_refused_when_stopped: bool | None = None
        self.port = 0

    async def start(self, session) -> None:
        pass

    def wake(self, item_id: int) -> None:
        self.woken.append(item_id)

    def on_end(self, callback) -> None:
        pass

    def condition(self) -> str | None:
        return None

    async def metrics(self, request):
        return web.Response(text="")

    def alive(self) -> bool:
        return True

    def failed(self) -> bool:
        return False

    async def stop(self, timeout: float) -> None:
        try:  # the listener must be closed by now: a new connection is refused
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.close()
            self.port_refused_when_stopped = False
        except ConnectionRefusedError:
            self.port_refused_when_stopped = True
        self.stopped_with.append(timeout)

    async def hand_back(self, release, timeout: float) -> None:
        raise AssertionError("it did not die")


@pytest.fixture
def fake():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def test_http_mode_acks_without_a_core_and_stops_listener_first(tmp_path, monkeypatch, fake):
    def no_core(*args, **kwargs):
        raise AssertionError("the acking side built a core")

    working = IdleWorkingSide()
    monkeypatch.setattr("adapters.bootstrap.build", no_core)  # serve imports it where it builds
    monkeypatch.setattr(serving, "WorkerProcess", lambda: working)
    config = settings(tmp_path, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.api_url)
    working.port = port = free_port()

    async def scenario() -> int:
        running = asyncio.ensure_future(serving.serve(config, port, "127.0.0.1"))
        url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            for _ in range(200):  # until it listens (it is starting, not scheduled)
                try:
                    async with session.get(f"{url}/readyz") as ready:
                        if ready.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            body = slash_command("U0ACK", "diary Recorded, not done here", fake.response_url("r"))
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(
                    timestamp=stamp, body=body
                ),
            }
            async with session.post(f"{url}{EVENTS_PATH}", data=body, headers=headers) as acked:
                assert (acked.status, await acked.text()) == (200, "")
        os.kill(os.getpid(), signal.SIGTERM)  # the loop's handler takes it: the one stop
        return await running

    assert asyncio.run(scenario()) == 0
    assert len(working.woken) == 1  # recorded, and the working side woken with its id
    assert working.port_refused_when_stopped is True  # the listener closed before the drain
    assert len(working.stopped_with) == 1 and 0 < working.stopped_with[0] <= 9.0


def test_socket_mode_acks_over_the_websocket_does_the_work_and_stops_cleanly(tmp_path, fake):
    """Socket Mode, one process: the command comes as an envelope over Slack's websocket,
    is acked there once recorded, done beside the acks, and answered through its
    response_url; SIGTERM closes the websocket first, then the process drains and exits 0."""
    fake.add_user("U0SOCK", "sol")
    app = SlackProcess(
        tmp_path,
        "socket",
        fake.api_url,
        SLACK_APP_TOKEN="xapp-1-test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'tandem.db'}",
    )
    try:
        app.wait_healthy()
        fake.wait_for("socket:connect")
        body = slash_command("U0SOCK", "diary Over the socket", fake.response_url("sock"))
        fake.send_envelope(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": dict(urllib.parse.parse_qsl(body)),
            }
        )
        [ack] = fake.wait_for("socket:ack")
        assert ack.body["envelope_id"] == "env-1"
        [answer] = fake.wait_for("response_url:sock")
        assert "saved" in json.dumps(answer.body).lower()
        app.signal(signal.SIGTERM)
        assert app.wait(serving.SHUTDOWN_BOUND + 5) == 0, app.stderr
        assert fake.calls_to("socket:closed")
        assert "Socket Mode; health on" in app.stdout
    finally:
        app.stop()
