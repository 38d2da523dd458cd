"""Latency of a signed `/learn diary` slash command until its HTTP 200, for Tandem's Slack
app and, in the same run, for a bare Bolt app that only acks the same command.

Both run as their own processes in HTTP mode on this machine, against a local fake of
the Slack Web API (tests/support/fake_slack.py, in a third process) that also receives the
response_url posts.
Requests are signed as Slack signs them and sent by 1 and by 50 concurrent senders
(aiohttp, kept-alive connections). Two bare apps: Bolt's default (it polls for the ack
every 10 ms) and Bolt with process_before_response=True, the mode Tandem runs in.
Each level is measured RUNS times in a row (after one warm-up); reported per app and
level: the median over the runs of each run's median and of its 99th percentile, each
run's median beside them, and the ratios of those medians.

    python bench/slack_latency.py [--requests 2000] [--warmup 100] [--runs 3]

Tandem acks only after the request is recorded in its inbox (bot/inbox.py), so its ack
includes one database write. It runs on SQLite (a temporary file) and, when DATABASE_URL
names a PostgreSQL server, on PostgreSQL (a schema of its own), each beside the same
bare apps, and each in two shapes: as `tandem slack` runs in HTTP mode (this process
acks, a worker process does the work after the ack) and, marked "1p", with the work in
the acking process itself (tasks beside the acks, as Socket Mode runs), to compare.
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


def tandem_here(port: int) -> None:
    """`tandem slack` in HTTP mode with the work after the ack in this same process."""
    import logging

    from adapters import logs
    from adapters.settings import Settings
    from adapters.single_process import hold_sqlite
    from adapters.slack.serve import serve

    logs.configure(logging.WARNING)
    logging.getLogger().setLevel(logging.INFO)  # as `tandem slack` logs
    settings = Settings()
    hold_sqlite(settings.database_url)
    os._exit(asyncio.run(serve(settings, port, "127.0.0.1", work_here=True)))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fake_slack(users: int) -> tuple[subprocess.Popen, str]:
    """The local fake of Slack's Web API (tests/support/fake_slack.py) in a process of its
    own, and its base URL (its Web API is at URL/api/)."""
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_slack", str(users)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdout is not None
    return fake, f"http://127.0.0.1:{int(fake.stdout.readline())}"


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
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--inline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--tandem-here", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        bare_server(args.bare_server, args.api_url, args.inline)
        return
    if args.tandem_here:
        tandem_here(args.tandem_here)
        return

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    fake, fake_url = fake_slack(500)
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
    tandems = []
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
        tandems.append(name)
    # The same, with the work in the acking process: one at a time on a database (SQLite
    # takes one process), so these start once the two-process ones have been measured.
    here = {f"{name} 1p": tandem_env for name, tandem_env in tandem_envs.items()}
    try:
        for port, process in servers.values():
            wait_healthy(port, process)
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}; "
            f"load average {os.getloadavg()[0]:.2f}; Tandem on {', '.join(tandem_envs)}"
        )
        print(
            f"{args.requests} signed `/learn diary` requests per level and run, "
            f"after {args.warmup} warm-up; median of {args.runs} runs\n"
        )
        print(f"{'senders':>8}  {'app':<18}{'median ms':>10}{'p99 ms':>10}  each run's median")
        results: dict[tuple[int, str], float] = {}

        def measure(name: str, port: int) -> None:
            for concurrency in (1, 50):
                asyncio.run(load(port, fake_url, args.warmup, concurrency))
                medians, p99s = [], []
                for _ in range(args.runs):
                    latencies = asyncio.run(load(port, fake_url, args.requests, concurrency))
                    medians.append(statistics.median(latencies))
                    p99s.append(p99(latencies))
                results[concurrency, name] = statistics.median(medians)
                print(
                    f"{concurrency:>8}  {name:<18}{results[concurrency, name]:>10.2f}"
                    f"{statistics.median(p99s):>10.2f}  {', '.join(f'{m:.1f}' for m in medians)}",
                    flush=True,
                )

        for name, (port, _) in list(servers.items()):
            measure(name, port)
            if name in tandems:  # stop it, and measure the same with the work in-process
                process = servers.pop(name)[1]
                process.terminate()
                process.wait(30)
                port = free_port()
                servers[f"{name} 1p"] = (
                    port,
                    subprocess.Popen(
                        [sys.executable, __file__, "--tandem-here", str(port)],
                        env={**here[f"{name} 1p"], "PYTHONPATH": str(ROOT)},
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        cwd=folder,
                    ),
                )
                wait_healthy(port, servers[f"{name} 1p"][1])
                measure(f"{name} 1p", port)
        for concurrency in (1, 50):
            for tandem in [*tandems, *here]:
                for bare in ("bare Bolt", "bare inline"):
                    ratio = results[concurrency, tandem] / results[concurrency, bare]
                    print(
                        f"{concurrency:>8}  {'ratio':<18}{ratio:>8.2f}  "
                        f"({tandem} / {bare}, medians)"
                    )
        print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
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
