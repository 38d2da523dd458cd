"""The drill (issue 14, "Done when" line 1): nothing acknowledged is lost, nothing is done
twice, whatever happens to a replica or the database.

Two real `tandem slack` replicas (HTTP mode) on one PostgreSQL schema, reached through a
TCP proxy the test runs (it can drop every connection and refuse new ones), behind a
small round-robin HTTP front (it tries the other replica when one refuses, as the
shipped Caddyfile's retry does), against the fake Slack Web API. Signed `/learn diary`
commands go in continuously, each with a unique marker, so each one's effect can be
counted in the database. Meanwhile: SIGTERM of a replica (then restarted), a killed
worker process (the replica exits non-zero; restarted), SIGKILL of a replica that holds
outbox claims (restarted; the other delivers its rows within 60 s), and a 10-second
database outage. Then every request is classified: acked (200, success), told "not
saved", not answered with success (refused or failed: Slack tells the person), taken
effect exactly once, lost (acked, no effect), duplicated (effect twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, ClientTimeout, web
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, func, select

from bot.inbox import NOT_SAVED
from storage.tables import diary_entries, inbox, outbox
from tests.support.fake_slack import FakeSlack
from tests.support.processes import SECRET, Process, clean_environment, eventually, free_port
from tests.support.slack_people import posted_keys, queue_messages
from tests.support.slack_requests import slash_command

pytestmark = pytest.mark.postgres

FORM = "application/x-www-form-urlencoded"
USERS = [f"U0DRILL{i}" for i in range(4)]
MARK = "drillmark"
OUTBOX_ROWS = 12
TAKEOVER_BOUND = 60.0  # seconds: a killed replica's claimed rows are delivered within this
OUTAGE = 10.0
PACE = 0.25  # seconds between one sender's commands (3 senders: ~10 a second)


class Replica(Process):
    """`tandem slack` in HTTP mode on a fixed port (a restart takes the same address)."""

    def __init__(self, folder: Path, name: str, port: int, env: dict[str, str]) -> None:
        self.port = port
        super().__init__(folder, name, ["slack", "--port", str(port), "--host", "127.0.0.1"], env)

    def healthy(self) -> bool:
        if self.exited():
            raise AssertionError(f"{self.name} exited: {self.stderr[-2000:]}")
        try:
            url = f"http://127.0.0.1:{self.port}/readyz"
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status == 200
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.5)  # starting: look again in a moment, without loading the machine
            return False

    def worker(self) -> int:
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return next(
            int(child)
            for child in children
            if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()
        )


class Loop:
    """An asyncio loop in a thread of its own, for the proxy and the front."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Any, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class DatabaseProxy:
    """TCP proxy in front of PostgreSQL; `outage` drops every connection and refuses new
    ones (the listening socket is closed) for a while."""

    def __init__(self, loop: Loop, target: tuple[str, int]) -> None:
        self._loop, self._target = loop, target
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, upstream_writer}
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )
        self._writers -= {writer, upstream_writer}

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._client, "127.0.0.1", self.port, reuse_address=True
        )

    async def _drop(self) -> None:
        assert self._server is not None
        self._server.close()  # refuse new connections ...
        for writer in list(self._writers):  # ... and drop those open
            writer.transport.abort()
        self._writers.clear()

    def start(self) -> DatabaseProxy:
        self._loop.run(self._listen())
        return self

    def outage(self, seconds: float) -> None:
        self._loop.run(self._drop())
        time.sleep(seconds)  # the outage's length is the point of the exercise
        self._loop.run(self._listen())


class Front:
    """Round robin over the replicas; a replica that refuses the connection is skipped
    for the next (as a load balancer with retries does)."""

    def __init__(self, loop: Loop, ports: list[int]) -> None:
        self._loop, self._ports = loop, ports
        self.port = free_port()
        self._next = 0
        self._session: ClientSession | None = None
        self._runner: web.AppRunner | None = None

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {
            k: v for k, v in request.headers.items() if k.lower().startswith(("x-slack", "content"))
        }
        for _ in range(len(self._ports)):
            port = self._ports[self._next % len(self._ports)]
            self._next += 1
            try:
                async with self._session.post(
                    f"http://127.0.0.1:{port}{request.path}", data=body, headers=headers
                ) as answer:
                    return web.Response(status=answer.status, body=await answer.read())
            except Exception:  # refused, or dropped before an answer: the next one
                continue
        return web.Response(status=502, text="no replica answered")

    async def _start(self) -> None:
        self._session = ClientSession(timeout=ClientTimeout(total=5))
        app = web.Application()
        app.router.add_post("/slack/events", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _stop(self) -> None:
        assert self._session is not None and self._runner is not None
        await self._runner.cleanup()
        await self._session.close()

    def start(self) -> Front:
        self._loop.run(self._start())
        return self

    def stop(self) -> None:
        self._loop.run(self._stop())


@dataclass
class Traffic:
    """Senders of signed `/learn diary <marker>` commands through the front."""

    url: str
    outcomes: dict[str, str] = field(default_factory=dict)  # marker -> acked|not saved|failed
    reasons: Counter[str] = field(default_factory=Counter)  # and why, for the print
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _send(self, sender: int) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            marker = f"{MARK}{sender}x{n}"
            body = slash_command(USERS[sender % len(USERS)], f"diary {marker}", RESPONSE_URL)
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": FORM,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(
                    timestamp=stamp, body=body
                ),
            }
            request = urllib.request.Request(self.url, body.encode(), headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    text = response.read().decode()
                    outcome = "not saved" if NOT_SAVED in text else "acked"
            except urllib.error.HTTPError as error:  # not success: Slack tells the person
                outcome, why = "failed", f"HTTP {error.code}"
            except OSError as error:
                outcome, why = "failed", type(error).__name__
            else:
                why = outcome
            with self._lock:
                self.outcomes[marker] = outcome
                self.reasons[why] += 1
            time.sleep(PACE)  # a person's pace, not a wait for the system

    def start(self, senders: int) -> None:
        for i in range(senders):
            thread = threading.Thread(target=self._send, args=(i,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)

    def count(self) -> Counter[str]:
        with self._lock:
            return Counter(self.outcomes.values())


RESPONSE_URL = ""  # set from the fake at the start of the drill


def effects(engine: Engine) -> Counter[str]:
    with engine.connect() as connection:
        texts = connection.execute(
            select(diary_entries.c.text).where(diary_entries.c.text.like(f"{MARK}%"))
        ).scalars()
        return Counter(text.strip() for text in texts)


def unfinished_inbox(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count())
            .select_from(inbox)
            .where(inbox.c.status.in_(["pending", "claimed"]))
        ).scalar_one()


def outbox_by_key(engine: Engine) -> dict[str, tuple[str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(outbox.c.idempotency_key, outbox.c.status, outbox.c.claimed_by)
        )
        return {row.idempotency_key: (row.status, row.claimed_by) for row in rows}


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def kill_replica(replica: Replica) -> None:
    """SIGKILL of the whole replica, as a node or container dies: both processes."""
    worker = replica.worker()
    os.kill(worker, signal.SIGKILL)
    replica.signal(signal.SIGKILL)
    replica.wait(10)


def test_the_drill_loses_nothing_acked_and_does_nothing_twice(
    tmp_path, postgres_engine, postgres_schema_url
):
    global RESPONSE_URL
    fake = FakeSlack().start()
    for user in USERS:
        fake.add_user(user, user.lower())
    RESPONSE_URL = fake.response_url("drill")
    url, schema = postgres_schema_url
    loop = Loop()
    proxy = DatabaseProxy(loop, ("127.0.0.1", 5432)).start()
    proxied = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    assert proxied != url, "the drill expects DATABASE_URL on 127.0.0.1:5432"
    env = clean_environment(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        PYTHONFAULTHANDLER="1",
        DATABASE_URL=f"{proxied}{'&' if '?' in proxied else '?'}options=-csearch_path%3D{schema}",
    )
    ports = [free_port(), free_port()]
    generation = Counter[str]()

    def start(index: int) -> Replica:
        name = f"replica{index}"
        generation[name] += 1
        return Replica(tmp_path, f"{name}.{generation[name]}", ports[index], env)

    replicas = [start(0), start(1)]
    front = Front(loop, ports).start()
    traffic = Traffic(f"http://127.0.0.1:{front.port}/slack/events")
    began = time.monotonic()
    timings: dict[str, float] = {}

    def phase(name: str) -> None:
        timings[name] = round(time.monotonic() - began, 1)

    try:
        for replica in replicas:
            eventually(replica.healthy, f"{replica.name} to be ready", timeout=90)
        traffic.start(senders=3)
        eventually(lambda: traffic.count()["acked"] >= 10, "the first acks", timeout=30)
        phase("ready")

        # 1. SIGTERM of replica 0 (a rolling update): its listener closes at once, so its
        # successor starts on the same port while it drains; it exits 0 within its bound
        replicas[0].signal(signal.SIGTERM)
        eventually(lambda: refused(ports[0]), "replica 0 to close its listener", timeout=5)
        stopping, replicas[0] = replicas[0], start(0)
        try:
            assert stopping.wait(15) == 0, stopping.stderr[-2000:]
        except Exception:
            stopping.signal(signal.SIGABRT)
            time.sleep(2)
            print("HUNG", stopping.stderr[-12000:])
            raise
        eventually(replicas[0].healthy, "replica 0 back after SIGTERM", timeout=90)
        phase("sigterm done")

        # 2. the worker process of replica 1 dies: the replica exits non-zero at once
        os.kill(replicas[1].worker(), signal.SIGKILL)
        assert replicas[1].wait(15) == 1, replicas[1].stderr[-2000:]
        replicas[1] = start(1)
        eventually(replicas[1].healthy, "replica 1 back after its worker died", timeout=90)
        phase("worker death done")

        # 3. a 10-second database outage: acks say "not saved" meanwhile
        proxy.outage(OUTAGE)
        acked_before = traffic.count()["acked"]
        eventually(
            lambda: traffic.count()["acked"] >= acked_before + 5, "acks after the outage", 30
        )
        phase("outage done")

        # 4. SIGKILL of the replica holding outbox claims (a slow Slack keeps them in hand)
        fake.delay["chat.postMessage"] = 0.3
        keys = queue_messages(postgres_engine, fake, OUTBOX_ROWS)
        workers = {str(replica.worker()): i for i, replica in enumerate(replicas)}

        def holder() -> tuple[int, list[str]] | None:
            """The replica holding (most of) the claims, and what it holds."""
            held: dict[int, list[str]] = {}
            for key, (status, by) in outbox_by_key(postgres_engine).items():
                pid = (by or "").rsplit(":", 1)[-1]
                if status == "claimed" and pid in workers:
                    held.setdefault(workers[pid], []).append(key)
            return max(held.items(), key=lambda item: len(item[1])) if held else None

        victim, held = eventually(holder, "a replica to hold outbox claims", timeout=30)
        kill_replica(replicas[victim])
        killed_at = time.monotonic()
        held = [k for k in held if outbox_by_key(postgres_engine)[k][0] == "claimed"]
        fake.delay.clear()
        replicas[victim] = start(victim)

        def killed_rows_sent() -> bool:
            rows = outbox_by_key(postgres_engine)
            return all(rows[key][0] == "sent" for key in held)

        eventually(killed_rows_sent, "the killed replica's claimed rows", TAKEOVER_BOUND)
        took = time.monotonic() - killed_at
        timings["killed replica's claims delivered after (s)"] = round(took, 1)
        eventually(replicas[victim].healthy, "the killed replica back", timeout=90)
        traffic.stop()
        phase("sigkill done")

        eventually(
            lambda: unfinished_inbox(postgres_engine) == 0, "the inbox to be worked", timeout=60
        )
        eventually(
            lambda: all(s == "sent" for s, _ in outbox_by_key(postgres_engine).values()),
            "every outbox row to be delivered",
            timeout=45,
        )
        phase("settled")
        done = effects(postgres_engine)
        outcomes = dict(traffic.outcomes)
        acked = [m for m, o in outcomes.items() if o == "acked"]
        counts = {
            "sent": len(outcomes),
            "acked": len(acked),
            "told not saved": sum(1 for o in outcomes.values() if o == "not saved"),
            "not answered with success": sum(1 for o in outcomes.values() if o == "failed"),
            "taken effect exactly once": sum(1 for m in outcomes if done[m] == 1),
            "lost (acked, no effect)": sum(1 for m in acked if done[m] == 0),
            "duplicated (effect twice or more)": sum(1 for m in outcomes if done[m] > 1),
            "told not saved, yet done": sum(
                1 for m, o in outcomes.items() if o == "not saved" and done[m]
            ),
            "killed replica's claimed outbox rows": len(held),
        }
        print("\ndrill counts:", counts, dict(traffic.reasons), timings)
        print(f"drill took {time.monotonic() - began:.0f} s")
        assert counts["sent"] > 0 and counts["acked"] > 0 and counts["told not saved"] > 0
        assert counts["lost (acked, no effect)"] == 0, counts
        assert counts["duplicated (effect twice or more)"] == 0, counts
        assert held, "the killed replica held no outbox claims: the takeover was not tested"
        assert timings["killed replica's claims delivered after (s)"] <= TAKEOVER_BOUND
        posted = posted_keys(fake)
        assert all(posted[key] == 1 for key in keys), posted  # each DM once, none twice
    finally:
        traffic.stop()
        for replica in replicas:
            replica.stop()
        with contextlib.suppress(Exception):
            front.stop()
        loop.close()
        fake.stop()
