"""On the console, `/time +7d` brings the week's digests: the tutor's (who may be drifting
away) and a community's (new posts), printed as the direct messages they are, in the
reader's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_story_preliminary import ConsoleDriver


def _week(driver: ConsoleDriver, weeks: int = 1) -> str:
    start = len(driver.out.getvalue())
    for _ in range(weeks):
        driver.console.handle_line("/time +7d")
    return driver.out.getvalue()[start:]


def _team(driver: ConsoleDriver) -> None:
    assert "is open" in driver.command("fay", "/learn cohort open Spring")
    driver.command("fay", "/learn cohort invite @ana")
    driver.command("ana", "/learn cohort join 1")
    assert "Added to Spring" in driver.command("fay", "/learn cohort add @tom tutor --of @ana")


def test_three_weeks_of_silence_reach_the_tutor_as_one_digest(tmp_path: Path) -> None:
    driver = ConsoleDriver(tmp_path)
    _team(driver)
    said = _week(driver, 3)
    digests = said.count("tandem (direct message to tom): This week 1 of your learners")
    assert digests >= 1
    assert "  ▸ ana" in said
    assert "direct message to ana): I have not heard from you" in said or "check-ins passed" in said


def test_a_weeks_new_posts_reach_the_other_members(tmp_path: Path) -> None:
    driver = ConsoleDriver(tmp_path)
    assert "is open" in driver.command("fay", "/learn cop open facilitation")
    driver.command("ana", "/learn cop join facilitation")
    driver.command("ben", "/learn cop join facilitation")
    driver.command("ana", "/learn cop share facilitation Silent start | what I learned")
    said = _week(driver)
    assert "tandem (direct message to ben): New in facilitation this week: 1 post." in said
    assert "  ▸ Silent start" in said and "by ana" in said and "→ cop:1" in said
    assert "direct message to ana): New in facilitation" not in said  # her own post
    assert "New in facilitation" not in _week(driver)  # nothing new: nothing sent


@pytest.mark.parametrize("language", ["de"])
def test_a_german_console_reads_the_digest_in_german(tmp_path: Path, language: str) -> None:
    driver = ConsoleDriver(tmp_path, language)
    assert "eröffnet" in driver.command("fay", "/learn gemeinschaft eröffnen facilitation")
    driver.command("ana", "/learn gemeinschaft beitreten facilitation")
    driver.command("ben", "/learn gemeinschaft beitreten facilitation")
    driver.command("ana", "/learn gemeinschaft teilen facilitation Stiller Start | gelernt")
    said = _week(driver)
    assert "Neu in facilitation diese Woche: 1 Beitrag." in said and "von ana" in said
