"""How long `tandem console` takes to its prompt, beside `python -c pass` in the same run.

    python bench/startup.py [--runs 15] [--compare PATH]

Each run starts `tandem console --as ana` on a terminal (a pseudo-terminal, so it is the
interactive console with its banner) and times from the start of the process until the
prompt `ana> ` is on the screen, then leaves with Ctrl-D. The database is a SQLite file
in a temporary folder, made (and migrated) by one start before the timed runs, as a
second start on a desk finds it. The reference is the bare interpreter's start, timed
the same way until it exits. It prints the median and the slowest of each, the median
CPU time of each whole run (start, prompt, leave: less moved by other load on the
machine than the wall clock), and whether matplotlib was imported by the console (it
must not be: only a chart imports it). `--compare PATH` times another checkout's code
(e.g. a worktree of main) the same way in the same run, with the same interpreter."""

from __future__ import annotations

import argparse
import os
import platform
import pty
import resource
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def console_to_prompt(folder: Path, env: dict[str, str], timeout: float = 30.0) -> float:
    """Seconds from the start of `tandem console` until its prompt is on the terminal."""
    leader, follower = pty.openpty()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "console", "--as", "ana"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=folder,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    seen = b""
    try:
        while b"ana> " not in seen:
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"no prompt within {timeout} s: {seen[-300:]!r}")
            ready, _, _ = select.select([leader], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(leader, 4096)
                except OSError:  # the console ended before its prompt
                    raise RuntimeError(f"the console ended: {seen[-300:]!r}") from None
        elapsed = time.perf_counter() - started
        os.write(leader, b"\x04")  # Ctrl-D: leave
        process.wait(timeout=30)
        return elapsed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)


def bare_python(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
    return time.perf_counter() - started


def timed(folder: Path, env: dict[str, str], run) -> tuple[float, float]:
    """(wall seconds as `run` measures them, CPU seconds of the whole child)."""
    before = cpu_of_children()
    wall = run(folder, env) if run is console_to_prompt else run(env)
    return wall, cpu_of_children() - before


def line(what: str, results: list[tuple[float, float]]) -> str:
    walls, cpus = [w for w, _ in results], [c for _, c in results]
    return (
        f"{what:34} median {statistics.median(walls) * 1000:7.1f} ms, slowest "
        f"{max(walls) * 1000:7.1f} ms; CPU median {statistics.median(cpus) * 1000:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--compare", type=Path, help="another checkout to time the same way")
    args = parser.parse_args()
    trees = {"this checkout": ROOT}
    if args.compare:
        trees[f"{args.compare}"] = args.compare.resolve()
    with tempfile.TemporaryDirectory() as scratch:
        envs = {}
        for index, (name, tree) in enumerate(trees.items()):
            folder = Path(scratch) / str(index)
            folder.mkdir()
            envs[name] = folder, {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(folder),
                "PYTHONPATH": str(tree),
                "DATABASE_URL": f"sqlite:///{folder / 'tandem.db'}",
                "TERM": "dumb",
            }
            console_to_prompt(folder, envs[name][1])  # makes and migrates the database
        bare: list[tuple[float, float]] = []
        console: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
        for _ in range(args.runs):  # interleaved, so load on the machine hits all alike
            folder, env = envs["this checkout"]
            bare.append(timed(folder, env, bare_python))
            for name in trees:
                console[name].append(timed(*envs[name], console_to_prompt))
        folder, env = envs["this checkout"]
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, adapters.cli, adapters.console.repl; "
                "print('matplotlib' in sys.modules)",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(line("python -c pass:", bare) + f" ({args.runs} runs)")
    for name in trees:
        print(line(f"console to prompt ({name}):", console[name]))
    print(f"matplotlib imported at start (this checkout): {probe.stdout.strip()}")


if __name__ == "__main__":
    main()
