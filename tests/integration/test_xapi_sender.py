"""The LRS sender (adapters/xapi.py) against a local HTTP server that answers as told:
what it sends (basic auth, X-Experience-API-Version 1.0.3, the statements as a JSON
list to <url>/statements), and what it makes of each answer (2xx sent; 429 a wait
without an attempt, Retry-After obeyed; 5xx and an unreachable LRS retried; 400 or 409
refused for good). Also the settings and the wiring: no LRS configured, no worker."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import ValidationError

from adapters.settings import Settings
from adapters.xapi import DEFAULT_WAIT, HttpLrsSender, retry_after
from bot.delivery import Outcome
from tests.support.processes import free_port

STATEMENT = {"id": "7ccd3322-e1a5-411a-a67d-6a735c76f119", "verb": {"id": "x"}}


class Lrs:
    """Records each request; answers with the next of `answers` ((status, headers))."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.requests: list[dict[str, Any]] = []
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                lrs.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}
                )
                status, headers = lrs.answers.pop(0) if lrs.answers else (200, {})
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(b'["ok"]' if status == 200 else b'{"detail": "no"}')

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/xAPI/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def lrs() -> Iterator[Lrs]:
    server = Lrs()
    yield server
    server.close()


def test_it_posts_the_batch_with_basic_auth_and_the_version_header(lrs):
    result = HttpLrsSender(lrs.url, "key", "secret").send([STATEMENT, STATEMENT])
    assert result.outcome is Outcome.SENT
    [request] = lrs.requests
    assert request["path"] == "/xAPI/statements"
    headers = {k.lower(): v for k, v in request["headers"].items()}  # names are case-blind
    assert headers["x-experience-api-version"] == "1.0.3"
    assert headers["authorization"] == "Basic " + base64.b64encode(b"key:secret").decode()
    assert headers["content-type"] == "application/json"
    assert request["body"] == [STATEMENT, STATEMENT]


@pytest.mark.parametrize(
    ("status", "headers", "outcome", "wait", "attempt"),
    [
        (429, {"Retry-After": "17"}, Outcome.RETRY, timedelta(seconds=17), False),
        (429, {}, Outcome.RETRY, DEFAULT_WAIT, False),
        (503, {"Retry-After": "40"}, Outcome.RETRY, timedelta(seconds=40), True),
        (500, {}, Outcome.RETRY, None, True),
        (401, {}, Outcome.RETRY, None, True),  # credentials being fixed: not for good
        (400, {}, Outcome.FAILED, None, True),
        (409, {}, Outcome.FAILED, None, True),
    ],
)
def test_each_answer_means_what_it_says(lrs, status, headers, outcome, wait, attempt):
    lrs.answers.append((status, headers))
    result = HttpLrsSender(lrs.url, "k", "s").send([STATEMENT])
    assert result.outcome is outcome
    assert result.retry_after == wait
    assert result.counts_as_attempt is attempt
    assert str(status) in (result.reason or "")


def test_an_unreachable_lrs_is_tried_again():
    result = HttpLrsSender(f"http://127.0.0.1:{free_port()}/xAPI", "k", "s", timeout=2).send(
        [STATEMENT]
    )
    assert result.outcome is Outcome.RETRY and "unreachable" in (result.reason or "")


def test_retry_after_reads_seconds_and_dates():
    assert retry_after("120") == timedelta(seconds=120)
    assert retry_after(None) is None and retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == timedelta(0)  # in the past


def test_the_settings(monkeypatch):
    for key in ("TANDEM_XAPI_URL", "TANDEM_XAPI_KEY", "TANDEM_XAPI_SECRET"):
        monkeypatch.delenv(key, raising=False)
    assert Settings(_env_file=None).xapi_url is None
    monkeypatch.setenv("TANDEM_XAPI_URL", "https://lrs.example.com/xAPI")
    monkeypatch.setenv("TANDEM_XAPI_KEY", "tandem")
    monkeypatch.setenv("TANDEM_XAPI_SECRET", "s3cret")
    settings = Settings(_env_file=None)
    assert settings.xapi_key == "tandem" and settings.xapi_secret is not None
    assert "s3cret" not in repr(settings)
    monkeypatch.setenv("TANDEM_XAPI_URL", "lrs.example.com")
    with pytest.raises(ValidationError, match="not an http"):
        Settings(_env_file=None)


def test_the_composition_root_runs_the_lane_only_with_an_lrs(tmp_path, monkeypatch):
    from adapters.bootstrap import build
    from adapters.clock import SystemClock

    for key in ("TANDEM_XAPI_URL", "TANDEM_XAPI_KEY", "TANDEM_XAPI_SECRET"):
        monkeypatch.delenv(key, raising=False)
    plain = build(
        Settings(_env_file=None, DATABASE_URL=f"sqlite:///{tmp_path}/a.db"), SystemClock()
    )
    assert plain.lrs is None and not plain.tandem.policy.lrs_enabled
    plain.close()
    monkeypatch.setenv("TANDEM_XAPI_URL", "http://127.0.0.1:9/xAPI")
    wired = build(
        Settings(_env_file=None, DATABASE_URL=f"sqlite:///{tmp_path}/b.db"), SystemClock()
    )
    assert wired.lrs is not None and wired.tandem.policy.lrs_enabled
    assert isinstance(wired.lrs.sender, HttpLrsSender)
    assert wired.lrs.sender.endpoint == "http://127.0.0.1:9/xAPI/statements"
    wired.close()
