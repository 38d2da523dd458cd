"""What an operator sees: `/metrics` in Prometheus format that moves with a scripted
session (signed slash commands and a DM to a real `tandem slack`), JSON log lines that
carry none of what the session wrote, and `/readyz` that fails when the database does
(`/healthz`, liveness, does not)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import signal

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from adapters import endpoints, logs
from storage.engine import make_engine
from tests.support.fake_slack import FakeSlack
from tests.support.processes import SECRET, SlackProcess, eventually
from tests.support.slack_requests import dm_message, event_callback, signed_post, slash_command

USER, NAME = "U0QUINBY", "quinby"
DIARY = [
    "Told my manager I felt lost in the migration project",
    "Afraid the team thinks I am too slow --share partner",
]
ANSWER = "I kept quiet in the review although I disagreed"


def scrape(app: SlackProcess) -> dict[tuple[str, tuple], float]:
    status, body = app.get("/metrics")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def fake():
    fake = FakeSlack().start()
    fake.add_user(USER, NAME)
    yield fake
    fake.stop()


def test_a_scripted_session_moves_the_metrics_and_leaves_no_personal_data_in_the_logs(
    tmp_path, fake
):
    app = SlackProcess(
        tmp_path, "tandem", fake.api_url, DATABASE_URL=f"sqlite:///{tmp_path / 'tandem.db'}"
    )
    try:
        app.wait_healthy()
        before = scrape(app)
        assert value(before, "tandem_commands_total", kind="WriteDiary", outcome="ok") == 0
        assert value(before, "tandem_database_up") == 1

        def command(text: str, reply_to: str) -> None:
            body = slash_command(USER, text, fake.response_url(reply_to))
            status, _ = signed_post(f"{app.url}/slack/events", body, SECRET, FORM)
            assert status == 200
            fake.wait_for(f"response_url:{reply_to}")

        for i, text in enumerate(DIARY):
            command(f"diary {text}", f"diary-{i}")
        command("no such command", "unknown")
        fake.throttle_next("chat.postMessage", 1, retry_after=1)  # the first send gets a 429
        command("checkin now", "now")
        eventually(lambda: fake.messages.get("D" + USER[1:]), "the check-in DM")
        event = event_callback(dm_message(USER, ANSWER, "1764500001.000100"), "Ev0QUINBY1")
        status, _ = signed_post(f"{app.url}/slack/events", event, SECRET, "application/json")
        assert status == 200
        eventually(lambda: len(fake.calls_to("chat.postMessage")) >= 3, "the thank-you post")

        def answered() -> dict | None:
            samples = scrape(app)
            return samples if value(samples, "tandem_checkins_total", event="answered") else None

        after = eventually(answered, "the answer to be counted")
        assert value(after, "tandem_commands_total", kind="WriteDiary", outcome="ok") == 2
        assert value(after, "tandem_commands_total", kind="unparsed", outcome="refused") == 1
        assert value(after, "tandem_commands_total", kind="CheckinNow", outcome="ok") == 1
        assert value(after, "tandem_commands_total", kind="message", outcome="ok") == 1
        assert value(after, "tandem_command_duration_seconds_count", kind="WriteDiary") == 2
        assert (
            value(after, "tandem_outbox_sent_total", platform="slack", kind="checkin-requested")
            == 1
        )
        assert value(after, "tandem_delivery_latency_seconds_count", platform="slack") == 1
        assert value(after, "tandem_rate_limited_total", platform="slack") == 1
        assert value(after, "tandem_checkins_total", event="sent") == 1
        assert value(after, "tandem_checkins_total", event="answered") == 1
        assert value(after, "tandem_outbox_depth", status="pending") == 0
        assert value(after, "tandem_outbox_depth", status="claimed") == 0
        assert value(after, "process_resident_memory_bytes") > 0

        app.signal(signal.SIGTERM)
        assert app.wait(15) == 0
    finally:
        app.stop()

    log_lines = app.stderr.splitlines()
    entries = [json.loads(line) for line in log_lines]  # every line is JSON (not a terminal)
    handled = [e for e in entries if e["message"] == "command handled"]
    assert {e["kind"] for e in handled} >= {"WriteDiary", "CheckinNow", "message", "unparsed"}
    assert any(e["message"] == "Slack answered 429; holding off for 1.0 s" for e in entries)
    everything = app.stderr + app.stdout
    for secret in [*DIARY, ANSWER, "Told my manager", "disagreed", USER, NAME]:
        assert secret not in everything, f"{secret!r} is in the logs"


FORM = "application/x-www-form-urlencoded"


def get(engine, path: str) -> tuple[int, str]:
    async def run() -> tuple[int, str]:
        web_app = web.Application()
        endpoints.add_routes(web_app, engine)
        async with TestClient(TestServer(web_app)) as client:
            response = await client.get(path)
            return response.status, await response.text()

    return asyncio.run(run())


def test_readyz_checks_the_database_and_healthz_does_not(tmp_path):
    working = make_engine(f"sqlite:///{tmp_path / 'tandem.db'}")
    assert get(working, "/readyz") == (200, json.dumps({"ok": True}))
    assert get(working, "/healthz") == (200, json.dumps({"ok": True}))
    broken = make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder.db'}")
    status, body = get(broken, "/readyz")
    assert status == 503 and json.loads(body) == {"ok": False, "database": "OperationalError"}
    assert get(broken, "/healthz") == (200, json.dumps({"ok": True}))  # liveness: no database
    assert get(broken, "/livez") == (200, json.dumps({"ok": True}))
    status, body = get(broken, "/metrics")  # metrics still answer, and say the database is down
    assert status == 200 and "tandem_database_up 0.0" in body


def test_discord_serves_metrics_and_health_on_a_port_of_its_own(tmp_path):
    from storage.migrate import upgrade
    from tests.support.processes import free_port

    engine = make_engine(f"sqlite:///{tmp_path / 'tandem.db'}")
    upgrade(engine)
    port = free_port()

    async def run() -> tuple[int, str]:
        import aiohttp

        runner = await endpoints.serve(engine, "127.0.0.1", port)
        try:
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as health:
                    assert health.status == 200
                async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                    return response.status, await response.text()
        finally:
            await runner.cleanup()

    status, body = asyncio.run(run())
    assert status == 200 and "tandem_database_up 1.0" in body


def test_an_exception_in_the_logs_shows_its_type_and_stack_but_not_what_it_quoted():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    log = logging.getLogger("tandem.test")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            quoted = " ".join(["my", "private", "diary", "line"])  # a value, not source text
            raise ValueError(f"could not parse {quoted!r}")
        except ValueError:
            log.exception("a request failed", extra={"kind": "WriteDiary"})
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError:
            log.exception("the database is away")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["error"] == "builtins.ValueError" and first["kind"] == "WriteDiary"
    assert "private diary" not in stream.getvalue() and "test_observability.py" in first["stack"]
    assert "Connection refused" in second["error_message"]


def test_tandem_discord_serves_metrics_on_its_port_and_stops_on_sigterm(tmp_path):
    import time
    import urllib.request

    from tests.support.fake_discord import FakeDiscord
    from tests.support.processes import Process, clean_environment, free_port

    fake = FakeDiscord().start()
    port = free_port()
    env = clean_environment(DISCORD_TOKEN="fake-token", DISCORD_API_URL=fake.api_url)
    bot = Process(tmp_path, "discord", ["discord", "--metrics-port", str(port)], env)

    def get(path: str) -> tuple[int, str] | None:
        assert not bot.exited(), bot.stderr
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                return response.status, response.read().decode()
        except OSError:
            return None

    try:
        assert eventually(lambda: get("/healthz"), "/healthz on the metrics port")[0] == 200
        status, body = get("/metrics")
        assert status == 200 and "tandem_database_up 1.0" in body
        asked = time.monotonic()
        bot.signal(signal.SIGTERM)
        assert bot.wait(15) == 0, bot.stderr
        assert time.monotonic() - asked < 10
    finally:
        bot.stop()
        fake.stop()
