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
from pathlib import Path

import pytest
import yaml

from adapters.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SETTINGS = {field.alias for field in Settings.model_fields.values()}


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
    assert "health_uri /healthz" in caddyfile


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
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert pod["terminationGracePeriodSeconds"] > 10  # the process stops within 10 s
    sources = {next(iter(s)): s[next(iter(s))]["name"] for s in container["envFrom"]}
    assert sources == {"secretRef": "tandem", "configMapRef": "tandem"}

    secret = one("Secret", "tandem")
    assert set(secret["stringData"]) >= {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL"}
    assert set(secret["stringData"]) <= SETTINGS
    assert set(one("ConfigMap", "tandem")["data"]) <= SETTINGS

    job = one("Job", "tandem-migrate")
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
        assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
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
    assert "/healthz" in healthcheck
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
