"""Where the CPU goes while 50 concurrent senders send signed `/learn diary` requests:
the latency of each, and the CPU time each process spent per request (read from
/proc/PID/stat before and after), for one server: `tandem slack` (HTTP mode, its acking
process and its worker process), or a bare Bolt app that only acks (Bolt's default, or
inline as Tandem runs). The sibling of bench/slack_latency.py, which compares the apps
in one run; this one shows why they differ. One run per call: run it several times.

    python bench/slack_cpu.py [tandem|inline|bare] [--requests 4000] [--senders 50]

The database is DATABASE_URL (a PostgreSQL URL: a schema of its own there), else a
temporary SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.schemas import own_schema  # noqa: E402
from bench.slack_latency import SECRET, fake_slack, free_port, load, p99, wait_healthy  # noqa: E402


def cpu_seconds(pid: int) -> float:
    """User and system time of `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", nargs="?", default="tandem", choices=("tandem", "inline", "bare"))
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--senders", type=int, default=50)
    args = parser.parse_args()
    fake, fake_url = fake_slack(500)
    api_url = f"{fake_url}/api/"
    folder = tempfile.mkdtemp(prefix="tandem-bench-cpu-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_"))}
    env.update(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api_url)
    database = env.pop("DATABASE_URL", "")
    schemas = contextlib.ExitStack()
    if database.startswith("postgres"):
        env["DATABASE_URL"] = schemas.enter_context(own_schema(database))[1]
    else:
        env["DATABASE_URL"] = f"sqlite:///{folder}/tandem.db"
    port = free_port()
    if args.server == "tandem":
        command = [str(Path(sys.executable).with_name("tandem")), "slack", "--port", str(port)]
        command += ["--host", "127.0.0.1"]
    else:
        command = [sys.executable, str(ROOT / "bench/slack_latency.py"), "--bare-server"]
        command += [str(port), "--api-url", api_url]
        command += ["--inline"] if args.server == "inline" else []
    log = open(Path(folder) / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(command, env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(port, server)
        asyncio.run(load(port, fake_url, 300, args.senders))  # warm-up
        time.sleep(1)
        processes = {"server (acks)": server.pid, "fake Slack": fake.pid}
        processes.update({f"child {c} (worker)": c for c in children(server.pid)})
        before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        client_before = time.process_time()
        began = time.perf_counter()
        latencies = asyncio.run(load(port, fake_url, args.requests, args.senders))
        wall = time.perf_counter() - began
        client = time.process_time() - client_before
        time.sleep(2)  # what the worker still does for them counts too
        after = {name: cpu_seconds(pid) for name, pid in processes.items()}
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, load {os.getloadavg()[0]:.2f}; "
            f"{'PostgreSQL' if database.startswith('postgres') else 'SQLite'}"
        )
        print(
            f"{args.server}: {args.requests} requests from {args.senders} senders in "
            f"{wall:.2f} s; median {statistics.median(latencies):.2f} ms, "
            f"p99 {p99(latencies):.2f} ms"
        )
        senders = client * 1000 / args.requests
        print(f"  {'the senders (this process)':<28}{senders:7.3f} ms CPU a request")
        for name in processes:
            spent = (after[name] - before[name]) * 1000 / args.requests
            print(f"  {name:<28}{spent:7.3f} ms CPU a request")
    finally:
        server.terminate()
        server.wait(30)
        fake.terminate()
        fake.wait(15)
        schemas.close()


if __name__ == "__main__":
    main()
