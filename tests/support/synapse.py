"""A real Synapse homeserver for the Matrix tests: `matrix-synapse` from PyPI in a venv of
its own (`.ci-parts/synapse`, made on first use and kept; `.ci/parts/synapse.sh` makes it
in CI), SQLite, a free port on localhost, a generated config with shared-secret
registration, no federation, and a message rate limit a burst can reach.

People are registered through the shared-secret admin API (what `register_new_matrix_user`
does). Only the bot is rate-limited as configured: everyone else gets an override, so the
people's own client never waits.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.support.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("TANDEM_SYNAPSE_VENV", ROOT / ".ci-parts" / "synapse"))
SERVER_NAME = "localhost"
SECRET = "tandem-test-registration-secret"

# The bot's message budget: a burst past it is refused with M_LIMIT_EXCEEDED.
MESSAGES_PER_SECOND = 2.0
MESSAGE_BURST = 8


class SynapseUnavailable(RuntimeError):
    pass


def call(method: str, url: str, body: dict | None = None, token: str | None = None) -> dict:
    """One JSON request to the homeserver; its JSON answer (an HTTP error raises)."""
    request = urllib.request.Request(
        url,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"{}")


def python() -> Path:
    """The venv's Python with Synapse in it, installed on first use."""
    interpreter = VENV / "bin" / "python"
    if interpreter.exists() and _has_synapse(interpreter):
        return interpreter
    if os.environ.get("TANDEM_SYNAPSE_NO_INSTALL") == "1":
        raise SynapseUnavailable(f"no Synapse in {VENV} and installing is switched off")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, timeout=120)
        subprocess.run(
            [str(interpreter), "-m", "pip", "install", "--quiet", "matrix-synapse>=1.100,<2"],
            check=True,
            timeout=900,
            capture_output=True,
        )
    except (subprocess.SubprocessError, OSError) as error:
        raise SynapseUnavailable(f"matrix-synapse could not be installed ({error})") from None
    if not _has_synapse(interpreter):
        raise SynapseUnavailable("matrix-synapse installed but does not import")
    return interpreter


def _has_synapse(interpreter: Path) -> bool:
    probe = subprocess.run(
        [str(interpreter), "-c", "import synapse.app.homeserver"],
        capture_output=True,
        timeout=120,
    )
    return probe.returncode == 0


@dataclass(frozen=True)
class Account:
    user_id: str
    password: str
    access_token: str
    device_id: str


class Synapse:
    """One homeserver process in `folder`; `start()` waits until it answers."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "synapse.out"

    def configure(self, interpreter: Path) -> Path:
        config = self.folder / "homeserver.yaml"
        subprocess.run(
            [
                str(interpreter),
                "-m",
                "synapse.app.homeserver",
                "--server-name",
                SERVER_NAME,
                "--config-path",
                str(config),
                "--data-directory",
                str(self.folder),
                "--generate-config",
                "--report-stats=no",
            ],
            check=True,
            cwd=self.folder,
            capture_output=True,
            timeout=120,
        )
        settings = yaml.safe_load(config.read_text())
        plenty = {"per_second": 1000, "burst_count": 1000}
        settings.update(
            listeners=[
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            database={
                "name": "sqlite3",
                "args": {"database": str(self.folder / "homeserver.db")},
            },
            registration_shared_secret=SECRET,
            enable_registration=False,  # people are made with the shared secret only
            # no federation: no federation listener, no key servers, no other servers
            federation_domain_whitelist=[],
            trusted_key_servers=[],
            suppress_key_server_warning=True,
            report_stats=False,
            presence={"enabled": False},
            rc_message={"per_second": MESSAGES_PER_SECOND, "burst_count": MESSAGE_BURST},
            rc_registration=plenty,
            rc_login={"address": plenty, "account": plenty, "failed_attempts": plenty},
            rc_joins={"local": plenty, "remote": plenty},
            rc_joins_per_room=plenty,
            rc_invites={"per_room": plenty, "per_user": plenty, "per_issuer": plenty},
            rc_room_creation=plenty,
            rc_3pid_validation=plenty,
            rc_admin_redaction=plenty,
            rc_delayed_event_mgmt=plenty,
            media_store_path=str(self.folder / "media"),
            signing_key_path=settings.get("signing_key_path"),
        )
        config.write_text(yaml.safe_dump(settings))
        return config

    def start(self, timeout: float = 120.0) -> Synapse:
        interpreter = python()
        config = self.configure(interpreter)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(interpreter), "-m", "synapse.app.homeserver", "-c", str(config)],
                cwd=self.folder,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SynapseUnavailable(f"Synapse exited at start: {self._tail()}")
            try:
                call("GET", f"{self.url}/_matrix/client/versions")
                return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)  # waiting for a process to listen, not for a schedule
        self.stop()
        raise SynapseUnavailable(f"Synapse did not answer within {timeout:.0f} s: {self._tail()}")

    def _tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def register(self, localpart: str | None = None, admin: bool = False) -> Account:
        """A new account through the shared-secret admin API (as `register_new_matrix_user`)."""
        localpart = localpart or f"u{uuid.uuid4().hex[:10]}"
        password = uuid.uuid4().hex
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        nonce = call("GET", endpoint)["nonce"]
        mac = hmac.new(SECRET.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode()]))
        mac.update(b"\x00admin" if admin else b"\x00notadmin")
        body = call(
            "POST",
            endpoint,
            {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        return Account(body["user_id"], password, body["access_token"], body["device_id"])

    def unlimited(self, admin: Account, user_id: str) -> None:
        """Lift the message rate limit for `user_id` (the people; never the bot)."""
        call(
            "POST",
            f"{self.url}/_synapse/admin/v1/users/{user_id}/override_ratelimit",
            {"messages_per_second": 0, "burst_count": 0},
            admin.access_token,
        )


def started(folder: Path) -> Synapse:
    """A running homeserver, or the test skips (fails in CI) saying why it cannot run."""
    from tests.support import real_parts

    try:
        return Synapse(folder).start()
    except SynapseUnavailable as error:
        real_parts.unavailable("synapse", str(error))
