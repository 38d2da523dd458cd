"""A real Ralph LRS for the xAPI tests: Ralph lives in a venv of its own
(`.ci-parts/ralph`, gitignored: its pins must not meet ours), made on first use here and
by `.ci/parts/ralph.sh` in CI; credentials are made with `ralph auth`; Ralph's own ASGI
app is served on the fs backend on a free local port, from a temporary directory, by
`launch.py` (which switches the fs backend to APPEND: see there)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.processes import eventually, free_port

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
VENV = Path(os.environ.get("TANDEM_RALPH_VENV", ROOT / ".ci-parts" / "ralph"))
PACKAGES = ("ralph-malph[cli,backend-fs,lrs]>=5.1,<5.2", "requests>=2.31,<3")
USER, SECRET = "tandem", "tandem-test-secret"


def python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv() -> str | None:
    """Ralph's venv, made if missing; None when it works, else why it cannot."""
    if python().exists() and _imports():
        return None
    base = shutil.which("python3.11") or sys.executable
    try:
        subprocess.run(
            [base, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=120
        )
        subprocess.run(
            [str(python()), "-m", "pip", "install", "--quiet", *PACKAGES],
            check=True,
            capture_output=True,
            timeout=900,
        )
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        return (
            f"could not install Ralph in {VENV}: {error} {detail.decode(errors='replace')[-300:]}"
        )
    return None if _imports() else f"Ralph does not import in {VENV}"


def _imports() -> bool:
    probe = subprocess.run(
        [str(python()), "-c", "import ralph.backends.lrs.fs, ralph.models.xapi, uvicorn"],
        capture_output=True,
        timeout=120,
    )
    return probe.returncode == 0


class Ralph:
    """One Ralph LRS on a free port, storing in `folder` (kept across `stop`/`start`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RALPH_")},
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_AUTH_FILE": str(folder / "auth.json"),
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder),
            "RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH": str(folder),
        }
        subprocess.run(
            [str(VENV / "bin" / "ralph"), "auth", "-u", USER, "-p", SECRET, "-s", "all",
             "-A", "tandem", "https://tandem.invalid", "-w"],
            env=self.env, check=True, capture_output=True, timeout=120,
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI"

    def start(self) -> None:
        log = open(self.folder / "ralph.log", "ab")  # noqa: SIM115 (kept open by the process)
        self.process = subprocess.Popen(
            [str(python()), str(HERE / "launch.py"), "127.0.0.1", str(self.port)],
            env=self.env, stdout=log, stderr=log, cwd=self.folder,
        )  # fmt: skip
        eventually(self._healthy, f"Ralph on port {self.port}", timeout=90)

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            log = (self.folder / "ralph.log").read_text(errors="replace")[-2000:]
            raise AssertionError(f"Ralph exited: {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def _get(self, path: str) -> Any:
        token = base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            headers={"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def statements(self) -> list[dict[str, Any]]:
        """Every statement Ralph serves on GET /xAPI/statements, page by page."""
        found: list[dict[str, Any]] = []
        page = self._get("/xAPI/statements?limit=100")
        while True:
            found += page["statements"]
            more = page.get("more")
            if not more:
                return found
            page = self._get(more if more.startswith("/") else urllib.parse.urlparse(more).path)

    def stored(self) -> list[dict[str, Any]]:
        """Every statement in Ralph's fs file, as written (a duplicate would show twice)."""
        path = self.folder / "fs_lrs.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def validate(self, statements: list[dict[str, Any]]) -> list[str]:
        """Errors of Ralph's own xAPI models (BaseXapiStatement) for `statements`."""
        done = subprocess.run(
            [str(python()), str(HERE / "validate.py")],
            input=json.dumps(statements).encode(),
            capture_output=True,
            check=True,
            timeout=120,
        )
        return json.loads(done.stdout)
