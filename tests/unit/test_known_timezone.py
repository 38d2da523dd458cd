"""`is_known_timezone` loads the one zone asked for instead of listing the tz database
(issue 21, "Lean start"): it must still answer exactly as membership in that list."""

from __future__ import annotations

from zoneinfo import available_timezones

import pytest

from bot.domain import is_known_timezone


def test_every_listed_zone_is_known_except_the_files_that_are_no_zones() -> None:
    listed = available_timezones()
    assert len(listed) > 300
    for name in listed:
        assert is_known_timezone(name) == (name not in ("localtime", "posixrules", "Factory"))


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Europe",
        "Europe/",
        "Europe/berlin",
        "posix/Europe/Berlin",
        "right/UTC",
        "posixrules",
        "localtime",
        "Factory",
        "zone.tab",
        "tzdata.zi",
        "../etc/passwd",
        "/etc/localtime",
        "UTC ",
        "Nowhere/City",
        "\x00",
    ],
)
def test_names_outside_the_list_are_unknown(name: str) -> None:
    assert name not in available_timezones() or name in ("localtime", "Factory")
    assert not is_known_timezone(name)
