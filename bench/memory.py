"""Resident memory of an idle `tandem slack` replica (HTTP mode) and an idle `tandem
discord`, each its whole process tree.

It starts the local fake of the Slack Web API (tests/support/fake_slack.py), then
`tandem slack --port P` against it on a SQLite file (and, when DATABASE_URL names a
PostgreSQL server, on a schema of its own there), waits for `GET /healthz`, lets it idle
IDLE seconds and reads /proc for the replica and every process under it: RSS (what the
issue measured: a page two processes share, such as the interpreter's and the
libraries' code, counts once per process), PSS (shared pages divided among the
processes sharing them, those of other processes on the machine included) and "pages":
the physical pages resident in the tree, each counted once however many of its
processes map it (read from /proc/PID/pagemap, which shows page frames to root only;
else "n/a"). That is what the replica holds in memory, and what a container's memory
counts of it. Each is the median of RUNS starts. The SQLite file is migrated
before (`tandem migrate`), as every start of a replica but its first finds it: a start
that migrates SQLite itself also keeps Alembic, Mako and Pygments (some 10 MB) in the
acking process. `tandem discord --metrics-port P` is measured the same way against the
local fake of Discord's REST API (tests/support/fake_discord.py), whose gateway address
answers nothing: the bot idles reconnecting, its guild cache empty (a real gateway's
would add to it). The reference in the same run is a bare `python -c` that imports
slack_bolt and idles, measured the same way; the target is 150 MB (issue 21: about
290 MB, two processes of 139 MB and a helper).

`--compare PATH` measures another checkout's code (e.g. `git archive main` unpacked) the
same way in the same run, with the same interpreter, the runs interleaved.

    python bench/memory.py [--runs 3] [--idle 5] [--compare PATH] [--no-discord]
"""

from __future__ import annotations

import argparse
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

import numpy as np  # noqa: E402

from bench.schemas import own_schema  # noqa: E402
from bench.slack_latency import fake_slack, free_port, wait_healthy  # noqa: E402

TARGET_MB = 150.0


def tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(c) for c in children)
    return found


Memory = tuple[float, float, int, list[float], float | None]

PRESENT = np.uint64(1 << 63)  # pagemap: the page is in memory
FRAME = np.uint64((1 << 55) - 1)  # pagemap: its page frame number (0 unless root)


def frames(pid: int) -> np.ndarray:
    """The page frames of every page resident in `pid` (Linux's /proc/PID/pagemap: one
    64-bit entry per virtual page)."""
    page = os.sysconf("SC_PAGE_SIZE")
    found = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for line in maps:
            if line.rstrip().endswith("[vsyscall]"):
                continue  # the kernel's, outside the process's page table
            start, end = (int(part, 16) for part in line.split()[0].split("-"))
            pagemap.seek(start // page * 8)
            entries = np.frombuffer(pagemap.read((end - start) // page * 8), dtype="<u8")
            found.append(entries[(entries & PRESENT) != 0] & FRAME)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.uint64)


def distinct_pages_mb(pids: list[int]) -> float | None:
    """The tree's resident pages, each once however many of its processes map it; None
    where the frame numbers cannot be read (not root: they read as 0)."""
    try:
        every = np.concatenate([frames(pid) for pid in pids])
    except OSError:
        return None
    if every.size == 0 or not every.any():
        return None
    return np.unique(every).size * os.sysconf("SC_PAGE_SIZE") / 1048576


def memory(pid: int) -> Memory:
    """(RSS MB, PSS MB, processes, RSS MB of each process, distinct pages MB) over the
    tree under `pid` (each in the order the tree is walked: the replica first)."""
    rss = pss = 0
    each_rss: list[float] = []
    pids = tree(pid)
    for each in pids:
        own = 0
        try:
            for line in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
                name, _, rest = line.partition(":")
                if name == "Rss":
                    own = int(rest.split()[0])
                    rss += own
                elif name == "Pss":
                    pss += int(rest.split()[0])
        except OSError:
            continue
        each_rss.append(own / 1024)
    return rss / 1024, pss / 1024, len(pids), each_rss, distinct_pages_mb(pids)


def idle_tree(
    command: list[str], env: dict[str, str], cwd: str, port: int | None, idle: float
) -> Memory:
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        if port is not None:
            wait_healthy(port, process)
        time.sleep(idle)  # idle: the heartbeat and delivery loops have run
        return memory(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


CLI = "import sys; from adapters.cli import main; sys.exit(main())"


def median_row(what: str, runs: list[Memory]) -> str:
    rss = statistics.median(run[0] for run in runs)
    pss = statistics.median(run[1] for run in runs)
    read = [run[4] for run in runs if run[4] is not None]
    pages = f"{statistics.median(read):>8.0f}" if read else f"{'n/a':>8}"
    return (
        f"{what:<52}{rss:>8.0f}{pss:>8.0f}{pages}{runs[0][2]:>6}  "
        f"{', '.join(f'{run[0]:.0f}' for run in runs)}"
        f"  (each process, last run: {' + '.join(f'{e:.0f}' for e in runs[-1][3])})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=5.0)
    parser.add_argument("--compare", type=Path, help="another checkout to measure the same way")
    parser.add_argument("--no-discord", action="store_true", help="measure Slack only")
    args = parser.parse_args()
    trees = {"": ROOT}
    if args.compare:
        trees[f" ({args.compare})"] = args.compare.resolve()
    fake, fake_url = fake_slack(10)
    api_url = f"{fake_url}/api/"
    discord = None
    if not args.no_discord:
        from tests.support.fake_discord import FakeDiscord

        discord = FakeDiscord().start()
    folder = tempfile.mkdtemp(prefix="tandem-bench-memory-")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TANDEM_", "SLACK_", "DISCORD_")) and k != "PYTHONPATH"
    }
    env.update(
        SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET="bench-secret", SLACK_API_URL=api_url
    )
    if discord is not None:
        env.update(DISCORD_TOKEN="bench-token", DISCORD_API_URL=discord.api_url)
    database = env.pop("DATABASE_URL", "")
    targets = {"SQLite": "sqlite"}
    schemas = contextlib.ExitStack()
    if database.startswith("postgres"):
        targets["PostgreSQL"] = schemas.enter_context(own_schema(database))[1]
    modes = {
        "slack": ["slack", "--port", "{port}", "--host", "127.0.0.1"],
        # The one-process shape (this checkout only: an older one may not know the flag).
        "slack --one-process": [
            "slack",
            "--port",
            "{port}",
            "--host",
            "127.0.0.1",
            "--one-process",
        ],
    }
    if discord is not None:
        modes["discord"] = ["discord", "--metrics-port", "{port}"]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, "
        f"load {os.getloadavg()[0]:.2f}; idle {args.idle:.0f} s, median of {args.runs} starts\n"
    )
    print(f"{'what':<52}{'RSS MB':>8}{'PSS MB':>8}{'pages':>8}{'procs':>6}  RSS of each run")
    rows: dict[str, list[Memory]] = {"python + slack_bolt, idle (floor)": []}
    for mode in modes:  # as a replica's every start but its first finds it (at head)
        for index, tree in enumerate(trees.values()):
            if index and "--one-process" in modes[mode]:
                continue
            subprocess.run(
                [sys.executable, "-c", CLI, "migrate"],
                env={
                    **env,
                    "DATABASE_URL": f"sqlite:///{folder}/{mode}-{index}.db",
                    "PYTHONPATH": str(tree),
                },
                cwd=folder,
                check=True,
                capture_output=True,
            )
    try:
        for _ in range(args.runs):  # interleaved, so load on the machine hits all alike
            rows["python + slack_bolt, idle (floor)"].append(
                idle_tree(
                    [sys.executable, "-c", "import slack_bolt, time; time.sleep(60)"],
                    env,
                    folder,
                    None,
                    args.idle,
                )
            )
            for mode, arguments in modes.items():
                for label, url in targets.items():
                    for index, (name, tree) in enumerate(trees.items()):
                        if index and "--one-process" in arguments:
                            continue
                        # SQLite: a file of each checkout's and mode's own
                        db = f"sqlite:///{folder}/{mode}-{index}.db" if url == "sqlite" else url
                        port = free_port()
                        command = [a.format(port=port) for a in arguments]
                        rows.setdefault(f"tandem {mode} on {label}, idle{name}", []).append(
                            idle_tree(
                                [sys.executable, "-c", CLI, *command],
                                {**env, "DATABASE_URL": db, "PYTHONPATH": str(tree)},
                                folder,
                                port,
                                args.idle,
                            )
                        )
        for what, runs in rows.items():
            print(median_row(what, runs))
        print(
            f"\ntarget: under {TARGET_MB:.0f} MB resident; issue 21 measured about 290 MB "
            "(RSS summed over the processes). pages: each resident page once, MB"
        )
    finally:
        fake.terminate()
        fake.wait(15)
        if discord is not None:
            discord.stop()
        schemas.close()


if __name__ == "__main__":
    main()
