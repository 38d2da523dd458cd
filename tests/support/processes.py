"""Real `tandem` processes for the operations tests: started with an environment of their
own, their stdout and stderr kept in files, waited for (with a deadline) while they
start, stop, or work, never for a schedule."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import libfaketime

TANDEM = Path(sys.executable).with_name("tandem")
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
T = TypeVar("T")


def command() -> list[str]:
    return [str(TANDEM)] if TANDEM.exists() else [sys.executable, "-m", "adapters.cli"]


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without Tandem's settings, plus `settings`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "TANDEM_", "SLACK_", "DISCORD_"))
    }
    env.update(settings)
    return env


class PinnedClock:
    """The wall clock of the `tandem` processes a test starts, set to `at` (and running on
    from there), so that what they do does not depend on the hour the test runs at.
    libfaketime is preloaded into them with one constant offset: every process (and the
    workers it spawns) and this one's `now()` agree to the second. Monotonic time is left
    alone, so timeouts and leases measured with it run as they would."""

    def __init__(self, at: datetime) -> None:
        self.offset = round((at - datetime.now(UTC)).total_seconds())

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def env(self) -> dict[str, str]:
        _, preload = libfaketime.get_reload_information()
        library_path = os.pathsep.join(
            p for p in (preload["LD_LIBRARY_PATH"], os.environ.get("LD_LIBRARY_PATH")) if p
        )
        return {**preload, "LD_LIBRARY_PATH": library_path, "FAKETIME": f"{self.offset:+d}"}


_handed_out: set[int] = set()


def free_port() -> int:
    """A port to listen on, free now, below the kernel's ephemeral range: a port the kernel
    offers for `bind(0)` could be offered again (to a process's own listener, to an
    outgoing connection) before the process it was for has bound it, and under load it
    was. Chosen at random, and never one handed out before in this run."""
    low, _ = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    while True:
        port = random.randrange(max(1024, low - 12000), low)
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port


def postgres_url(url: str, schema: str) -> str:
    """DATABASE_URL for a process that is to work in `schema` of the server at `url`."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def eventually(check: Callable[[], T], what: str, timeout: float = 30.0) -> T:
    """Poll `check` until it returns something truthy (another process is working)."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return result


class Process:
    """One `tandem ...` process; stdout and stderr go to files in `folder`."""

    def __init__(self, folder: Path, name: str, args: list[str], env: dict[str, str]) -> None:
        self.folder, self.name = folder, name
        self.stdout_path = folder / f"{name}.stdout"
        self.stderr_path = folder / f"{name}.stderr"
        with open(self.stdout_path, "w") as out, open(self.stderr_path, "w") as err:
            self.process = subprocess.Popen(
                [*command(), *args], env=env, stdout=out, stderr=err, cwd=folder
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text()

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def exited(self) -> bool:
        return self.process.poll() is not None

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout)

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def stop(self) -> None:
        """End it if it still runs (test clean-up)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class SlackProcess(Process):
    """`tandem slack` in HTTP mode on a free port, against a fake Slack Web API."""

    def __init__(
        self, folder: Path, name: str, api_url: str, *flags: str, **settings: str
    ) -> None:
        self.port = free_port()
        env = clean_environment(
            SLACK_BOT_TOKEN="xoxb-test-token",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=api_url,
            **settings,
        )
        args = ["slack", "--port", str(self.port), "--host", "127.0.0.1", *flags]
        super().__init__(folder, name, args, env)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def wait_healthy(self, timeout: float = 60.0) -> None:  # slow to start on a busy machine
        def up() -> bool:
            if self.exited():
                raise AssertionError(f"{self.name} exited: {self.stderr}\n{self.stdout}")
            try:
                return self.get("/readyz")[0] == 200
            except OSError:
                return False

        eventually(up, f"{self.name} to answer /readyz", timeout)
