"""How long `tandem console` takes to its prompt, beside `python -c pass` in the same run.

    python bench/startup.py [--runs 15]

Each run starts `tandem console --as ana` on a terminal (a pseudo-terminal, so it is the
interactive console with its banner) and times from the start of the process until the
prompt `ana> ` is on the screen, then leaves with Ctrl-D. The database is a SQLite file
in a temporary folder, made (and migrated) by one start before the timed runs, as a
second start on a desk finds it. The reference is the bare interpreter's start, timed
the same way until it exits. It prints the median and the slowest of each, and where
matplotlib was imported by the console (it must not be: only a chart imports it)."""

from __future__ import annotations

import argparse
import os
import platform
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(folder),
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite:///{folder / 'tandem.db'}",
            "TERM": "dumb",
        }
        console_to_prompt(folder, env)  # makes and migrates the database
        console, bare = [], []
        for _ in range(args.runs):
            bare.append(bare_python(env))
            console.append(console_to_prompt(folder, env))
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
    print(f"python -c pass:          median {statistics.median(bare) * 1000:7.1f} ms, "
          f"slowest {max(bare) * 1000:7.1f} ms ({args.runs} runs)")
    print(f"tandem console to prompt: median {statistics.median(console) * 1000:7.1f} ms, "
          f"slowest {max(console) * 1000:7.1f} ms ({args.runs} runs)")
    print(f"matplotlib imported at start: {probe.stdout.strip()}")


if __name__ == "__main__":
    main()
