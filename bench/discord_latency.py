"""Time from a Discord interaction reaching the bot until its answer (or defer) reaches
Discord, for `/learn diary write` by 1 and by 50 people at once.


The bot is Tandem's own (`adapters.discord.app.DeliveringBot`, built as `tandem discord`
builds it, on a SQLite file in a temporary folder, or with --postgres in a schema of
its own on DATABASE_URL's server), logged in to the local fake of
Discord's REST API (tests/support/fake_discord.py, here in a process of its own); no
gateway: discord.py's own ConnectionState parses each real-shaped INTERACTION_CREATE
payload (as the gateway would hand it over) and drives the real command tree. A latency
is from the parse until the fake has received the interaction's callback (type 4, the
answer, or 5, the defer); "answered" is until the answer itself (the type 4 callback, or
after a defer the first followup through the interaction's token). At 50, the 50
interactions of a burst are parsed together and the next burst starts when all 50 are
answered. The reference is the same bot answering `/learn help` (no database write), in
the same run; the target is a p99 under 100 ms (of the callback).

    python bench/discord_latency.py [--bursts 20] [--runs 3] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_P99_MS = 100.0


def fake_main() -> None:
    """The fake in a process of its own; it prints its port, then, for each line read
    from stdin (the JSON of a list of interaction ids and followup tokens), the JSON of
    {id or token: [time of the first callback or followup's arrival, the callback's type
    (0 for a followup)]} of those that arrived (only those asked: the whole record, sent
    at every poll, cost the machine more as the run went on)."""
    from tests.support.fake_discord import FakeDiscord

    arrived: dict[str, tuple[float, int]] = {}

    class TimedFake(FakeDiscord):
        def _record(self, method, path, body):  # noqa: ANN001, ANN202
            if path.startswith(("/interactions/", "/webhooks/")):
                arrived.setdefault(path.split("/")[2], (time.time(), body.get("type", 0)))
            super()._record(method, path, body)

    fake = TimedFake().start()
    print(fake.port, flush=True)
    for line in sys.stdin:
        wanted = json.loads(line)
        print(json.dumps({k: arrived[k] for k in wanted if k in arrived}), flush=True)


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="on DATABASE_URL's server")
    parser.add_argument("--fake", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fake:
        fake_main()
        return

    from discord.http import Route

    from adapters.bootstrap import build
    from adapters.clock import SystemClock
    from adapters.discord.app import DeliveringBot
    from adapters.settings import Settings
    from bench.schemas import own_schema
    from bot.domain import Platform
    from tests.support import discord_payloads as p

    fake = subprocess.Popen(
        [sys.executable, __file__, "--fake"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdin is not None and fake.stdout is not None
    api_url = f"http://127.0.0.1:{int(fake.stdout.readline())}/api/v10"
    Route.BASE = api_url  # what DISCORD_API_URL does
    folder = tempfile.mkdtemp(prefix="tandem-bench-discord-")
    database = os.environ.get("DATABASE_URL", "")
    url = f"sqlite:///{folder}/tandem.db"
    schemas = contextlib.ExitStack()
    if database.startswith("postgres") and args.postgres:
        url = schemas.enter_context(own_schema(database))[1]
    print(f"database: {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}")
    settings = Settings(
        DATABASE_URL=url,
        DISCORD_TOKEN="fake-token",
        DISCORD_API_URL=api_url,
    )
    app = build(settings, SystemClock(), platform=Platform.DISCORD)
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    def run(coroutine):  # noqa: ANN001, ANN202
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(120)

    async def start() -> DeliveringBot:
        bot = DeliveringBot(app)
        await bot.login("fake-token")
        return bot

    bot = run(start())
    people = [p.user(f"3000000000{i:08d}", f"user{i}") for i in range(50)]

    def arrivals(keys: list[str]) -> dict[str, list[float]]:
        fake.stdin.write(json.dumps(keys) + "\n")
        fake.stdin.flush()
        return json.loads(fake.stdout.readline())

    def burst(size: int, sub: str, n: int) -> tuple[list[float], list[float]]:
        """The latencies of the callbacks, and of the answers."""
        payloads = [
            p.slash(people[i], sub, text=f"Bench entry {n}.{i} #communication")
            if sub == "diary write"
            else p.slash(people[i], sub)
            for i in range(size)
        ]

        async def parse() -> dict[str, float]:
            sent = {}
            for payload in payloads:
                sent[payload["id"]] = time.time()
                bot._connection.parse_interaction_create(payload)
            return sent

        sent = run(parse())
        token = {payload["id"]: payload["token"] for payload in payloads}
        deadline = time.monotonic() + 60
        while True:
            got = arrivals([*sent, *token.values()])
            answered = {
                i: got[i][0] if got[i][1] != 5 else got[token[i]][0]
                for i in sent
                if i in got and (got[i][1] != 5 or token[i] in got)
            }
            if len(answered) == len(sent):
                return (
                    [(got[i][0] - t) * 1000 for i, t in sent.items()],
                    [(answered[i] - t) * 1000 for i, t in sent.items()],
                )
            if time.monotonic() > deadline:
                raise RuntimeError("interactions left unanswered")
            time.sleep(0.01)

    try:
        for size in (1, 50):  # warm-up: both commands, both sizes
            burst(size, "help", -1)
            burst(size, "diary write", -1)
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, "
            f"load {os.getloadavg()[0]:.2f}"
        )
        print(
            f"{args.bursts} bursts per level and run, median of {args.runs} runs "
            f"(of each run's median and p99)\n"
        )
        print(
            f"{'':24}{'callback (answer or defer)':>26}{'answered':>20}\n"
            f"{'at once':>8}  {'command':<14}{'median ms':>13}{'p99 ms':>13}"
            f"{'median ms':>10}{'p99 ms':>10}"
        )
        results: dict[tuple[int, str], tuple[float, float]] = {}
        for size in (1, 50):
            for sub in ("help", "diary write"):
                medians, tails, answer_medians, answer_tails = [], [], [], []
                for run_number in range(args.runs):
                    latencies: list[float] = []
                    answers: list[float] = []
                    for n in range(args.bursts):
                        first, answer = burst(size, sub, run_number * 1000 + n)
                        latencies += first
                        answers += answer
                    medians.append(statistics.median(latencies))
                    tails.append(p99(latencies))
                    answer_medians.append(statistics.median(answers))
                    answer_tails.append(p99(answers))
                results[size, sub] = statistics.median(medians), statistics.median(tails)
                median, tail = results[size, sub]
                print(
                    f"{size:>8}  {sub:<14}{median:>13.2f}{tail:>13.2f}"
                    f"{statistics.median(answer_medians):>10.2f}"
                    f"{statistics.median(answer_tails):>10.2f}"
                )
        worst = max(tail for _, tail in results.values())
        print(
            f"\nworst p99 {worst:.1f} ms (target under {TARGET_P99_MS:.0f} ms); load "
            f"{os.getloadavg()[0]:.2f}"
        )
    finally:
        run(bot.close())
        loop.call_soon_threadsafe(loop.stop)
        app.close()
        fake.terminate()
        fake.wait(15)
        schemas.close()


if __name__ == "__main__":
    main()
