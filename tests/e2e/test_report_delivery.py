"""Issue 18, item 1: `/learn cohort report` sends the facilitator the HTML report on every
adapter, with the text answer as before: Slack uploads it into the DM (files.uploadV2:
getUploadURLExternal, the bytes, completeUploadExternal, against the fake Web API),
Discord attaches it (the fake REST API), the console writes it to a private file and
prints the path; `tandem report` writes HTML or CSV for the operator. The cohort is the
generated one (tests/support/report_cohort.py), written into the app's database."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.competence_model import load
from adapters.report import CSV_COLUMNS
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.e2e.test_story_preliminary import (  # noqa: F401 - the fixtures
    ConsoleDriver,
    DiscordDriver,
    SlackDriver,
    discord_harness,
    slack_world,
)
from tests.support.report_cohort import build

MODEL = load()


def _seed(database: Path) -> int:
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    truth = build(SqlUnitOfWorkFactory(engine), MODEL)
    engine.dispose()
    return truth.cohort_id


def _html(data: bytes, language: str) -> str:
    page = data.decode()
    assert page.startswith("<!DOCTYPE html>") and f'<html lang="{language}">' in page
    assert page.count('role="img"') >= 8  # the charts, each with its text alternative
    return page


@pytest.mark.parametrize("language", ["en", "de"])
def test_slack_uploads_the_report_into_the_facilitators_dm(slack_world, language) -> None:  # noqa: ANN001, F811
    fake, app = slack_world
    driver = SlackDriver(fake, app, language)
    driver.command("fay", "/learn help")  # fay is stored (a facilitator by the settings)
    _seed(driver.database)
    answer = driver.command("fay", "/learn cohort report")
    assert ("figures over 20 learners" if language == "en" else "Zahlen zu 20 Lernenden") in answer
    [requested] = fake.wait_for("files.getUploadURLExternal")
    assert requested.body["filename"].startswith("report-Spring-")
    assert requested.body["filename"].endswith(".html")
    [completed] = fake.wait_for("files.completeUploadExternal")
    assert completed.body["channel_id"] == "D" + SlackDriver.user("fay")[1:]  # her DM
    title = (
        "Personnel-development report"
        if language == "en"
        else "Bericht für die Personalentwicklung"
    )
    [uploaded] = json.loads(completed.body["files"])
    assert uploaded["title"] == f"{title}: Spring"
    page = _html(driver.picture("fay"), language)
    assert ("The cohort at a glance" if language == "en" else "Die Kohorte auf einen Blick") in page


def test_a_learner_on_slack_gets_no_file(slack_world) -> None:  # noqa: ANN001, F811
    fake, app = slack_world
    driver = SlackDriver(fake, app)
    driver.command("fay", "/learn help")
    _seed(driver.database)
    answer = driver.command("ana", "/learn cohort report")
    assert "Reports are for tutors" in answer
    assert fake.calls_to("files.getUploadURLExternal") == []


def test_discord_attaches_the_report(discord_harness) -> None:  # noqa: ANN001, F811
    driver = DiscordDriver(discord_harness)
    driver.command("fay", "/learn help")
    _seed(driver.database)
    before = len(driver.fake.calls)
    answer = driver.command("fay", "/learn cohort report")
    assert "figures over 20 learners" in answer
    attached = [
        body
        for _method, _path, body in driver.fake.calls[before:]
        if (body.get("_file") or "").startswith("report-Spring-")
    ]
    assert attached, "no report attached"
    assert attached[-1]["_file"].endswith(".html")
    assert bytes.fromhex(attached[-1]["_file_head"]) == b"<!DOCTYP"  # the HTML page


def test_the_console_prints_the_path_of_a_private_report_file(tmp_path) -> None:  # noqa: ANN001
    driver = ConsoleDriver(tmp_path)  # fay, the first person, facilitates
    _seed(driver.database)
    said = driver.command("fay", "/learn cohort report")
    assert "figures over 20 learners" in said
    [path] = re.findall(r"  report: (\S+)", said)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    _html(Path(path).read_bytes(), "en")


def _tandem(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TANDEM_"))}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_tandem_report_writes_html_and_csv_and_refuses_an_unknown_cohort(tmp_path) -> None:  # noqa: ANN001
    database = tmp_path / "tandem.db"
    cohort = _seed(database)
    html_path, csv_path = tmp_path / "r.html", tmp_path / "r.csv"
    done = _tandem(
        "report",
        "--cohort",
        str(cohort),
        "--out",
        str(html_path),
        "--lang",
        "de",
        database=database,
    )
    assert done.returncode == 0, done.stderr
    assert "written to" in done.stderr  # the terminal speaks TANDEM_LOCALE; --lang is the report's
    _html(html_path.read_bytes(), "de")
    done = _tandem(
        "report",
        "--cohort",
        str(cohort),
        "--format",
        "csv",
        "--out",
        str(csv_path),
        database=database,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(csv_path.read_text())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [
        "summary",
        "The cohort at a glance",
        "learners",
        "Learners counted",
        "",
        "20",
        "",
        "",
        "0",
    ] in rows
    missing = _tandem(
        "report", "--cohort", "999", "--out", str(tmp_path / "x.html"), database=database
    )
    assert missing.returncode == 1 and "no cohort 999" in missing.stderr
    assert not (tmp_path / "x.html").exists()
