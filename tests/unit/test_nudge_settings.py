"""The nudge rules and the digests' day and time come from the environment, as data for
the core; a bad one stops the start with the setting named."""

from __future__ import annotations

from datetime import time

import pytest
from pydantic import ValidationError

from adapters.settings import Settings
from bot.nudges import NudgeRules

NAMES = (
    "TANDEM_NUDGE_MISSED_CHECKINS",
    "TANDEM_NUDGE_QUIET_DAYS",
    "TANDEM_NUDGE_NOT_MET",
    "TANDEM_NUDGE_OVERDUE_DAYS",
    "TANDEM_DIGEST_DAY",
    "TANDEM_DIGEST_TIME",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_the_defaults_are_the_issues_rules():
    assert Settings().nudge_rules() == NudgeRules(3, 14, 2, 7, 0, time(9, 0))


def test_each_rule_and_the_digest_time_can_be_set(monkeypatch):
    for name, value in zip(NAMES, ("4", "0", "3", "10", "Friday", "16:30"), strict=True):
        monkeypatch.setenv(name, value)
    assert Settings().nudge_rules() == NudgeRules(4, 0, 3, 10, 4, time(16, 30))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TANDEM_DIGEST_DAY", "someday"),
        ("TANDEM_DIGEST_TIME", "25:00"),
        ("TANDEM_NUDGE_QUIET_DAYS", "-1"),
        ("TANDEM_NUDGE_MISSED_CHECKINS", "three"),
    ],
)
def test_a_bad_value_is_refused_with_its_name(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert name in str(refused.value)
