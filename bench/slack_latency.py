"""Latency of a signed `/learn diary` slash command until its HTTP 200, for Tandem's Slack
app and, in the same run, for a bare Bolt app that only acks the same command.

Both run as their own processes in HTTP mode on this machine, against a local fake of
the Slack Web API (tests/support/fake_slack.py, in a third process) that also receives the
response_url posts.
Requests are signed as Slack signs them and sent by 1 and by 50 concurrent senders
(aiohttp, kept-alive connections). Two bare apps: Bolt's default (it polls for the ack
every 10 ms) and Bolt with process_before_response=True, the mode Tandem runs in.
Reported: median and 99th percentile per app and level, and the ratios of the medians.

    python bench/slack_latency.py [--requests 2000] [--warmup 100]

Tandem acks only after the request is recorded in its inbox (bot/inbox.py), so its ack
includes one database write. It runs twice in the same run: on SQLite (a temporary
file) and, when DATABASE_URL names a PostgreSQL server, on PostgreSQL (a schema of its
own), each beside the same bare apps.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from tests.support.slack_requests import slash_command  # noqa: E402

SECRET = "bench-signing-secret"


def bare_server(port: int, api_url: str, inline: bool) -> None:
    """A Bolt app that acks /learn and does nothing else: the floor we compare against.
    `inline`: process_before_response=True, the mode Tandem runs in (the HTTP response
    leaves when the listener returns); otherwise Bolt's default, which polls for the ack
    every 10 ms."""
    from aiohttp import web
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(
        client=AsyncWebClient(token="xoxb-bench", base_url=api_url),
        signing_secret=SECRET,
        process_before_response=inline,
    )

    @app.command("/learn")
    async def learn(ack):  # noqa: ANN001, ANN202
        await ack()

    web_app = app.web_app(path="/slack/events", port=port)
    web_app.router.add_get("/healthz", lambda request: web.json_response({"ok": True}))
    web.run_app(web_app, host="127.0.0.1", port=port, print=None, access_log=None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not come up")


async def load(port: int, fake_url: str, total: int, concurrency: int) -> list[float]:
    url = f"http://127.0.0.1:{port}/slack/events"
    verifier = SignatureVerifier(SECRET)
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def sender() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                user = f"U{i % 500:05d}"
                text = f"diary Bench entry {i} #communication"
                body = slash_command(user, text, f"{fake_url}/response/bench")
                stamp = str(int(time.time()))
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": stamp,
                    "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=body),
                }
                began = time.perf_counter()
                async with session.post(url, data=body.encode(), headers=headers) as response:
                    await response.read()
                    assert response.status == 200, response.status
                latencies.append((time.perf_counter() - began) * 1000)

        await asyncio.gather(*(sender() for _ in range(concurrency)))
    return latencies


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--inline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        bare_server(args.bare_server, args.api_url, args.inline)
        return

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_slack", "500"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    fake_url = f"http://127.0.0.1:{int(fake.stdout.readline())}"
    api_url = f"{fake_url}/api/"
    folder = tempfile.mkdtemp(prefix="tandem-bench-slack-")
    database = os.environ.get("DATABASE_URL", "")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_"))}
    env.update(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api_url)
    env.pop("DATABASE_URL", None)
    schema = None
    tandem_envs = {"Tandem SQLite": {**env, "DATABASE_URL": f"sqlite:///{folder}/tandem.db"}}
    if database.startswith("postgres"):
        from sqlalchemy import text

        from storage.engine import make_engine
        from storage.migrate import upgrade

        schema = f"tandem_bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(database)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        upgrade(make_engine(database, search_path=schema))
        tandem_envs["Tandem PG"] = {
            **env,
            "DATABASE_URL": f"{database}?options=-csearch_path%3D{schema}",
        }

    bare_port, inline_port = free_port(), free_port()
    bare_cmd = [
        sys.executable,
        __file__,
        "--bare-server",
        str(bare_port),
        "--api-url",
        api_url,
    ]
    inline_cmd = [*bare_cmd[:3], str(inline_port), *bare_cmd[4:], "--inline"]
    log = open(Path(folder) / "servers.log", "w")  # noqa: SIM115
    servers = {
        "bare Bolt": (
            bare_port,
            subprocess.Popen(bare_cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT),
        ),
        "bare inline": (
            inline_port,
            subprocess.Popen(inline_cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT),
        ),
    }
    for name, tandem_env in tandem_envs.items():
        port = free_port()
        command = [
            str(Path(sys.executable).with_name("tandem")),
            "slack",
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ]
        servers[name] = (
            port,
            subprocess.Popen(
                command, env=tandem_env, stdout=log, stderr=subprocess.STDOUT, cwd=folder
            ),
        )
    try:
        for port, process in servers.values():
            wait_healthy(port, process)
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}; "
            f"load average {os.getloadavg()[0]:.2f}; Tandem on {', '.join(tandem_envs)}"
        )
        print(
            f"{args.requests} signed `/learn diary` requests per level, "
            f"after {args.warmup} warm-up\n"
        )
        print(f"{'senders':>8}  {'app':<14}{'median ms':>10}{'p99 ms':>10}")
        for concurrency in (1, 50):
            medians = {}
            for name, (port, _) in servers.items():
                asyncio.run(load(port, fake_url, args.warmup, concurrency))
                latencies = asyncio.run(load(port, fake_url, args.requests, concurrency))
                medians[name] = statistics.median(latencies)
                print(f"{concurrency:>8}  {name:<14}{medians[name]:>10.2f}{p99(latencies):>10.2f}")
            for tandem in tandem_envs:
                for bare in ("bare Bolt", "bare inline"):
                    ratio = medians[tandem] / medians[bare]
                    print(
                        f"{concurrency:>8}  {'ratio':<14}{ratio:>8.2f}  "
                        f"({tandem} / {bare}, medians)"
                    )
    finally:
        for _, process in servers.values():
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        fake.terminate()
        fake.wait(15)
        if schema:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
