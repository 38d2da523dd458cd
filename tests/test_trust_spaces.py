"""Issue 13 items 6 and 7 (part): spaces that match the circle, a group cadence only for
those who accept it, no silent `agree` to a non-manager, private chart files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from adapters import chart_files
from adapters.charts import erase_chart_files, save_png
from bot.replies import Chart, Series

CHART = Chart(
    title="Progress",
    categories=("Communication",),
    series=(Series(name="now", values=(3.0,)),),
    alt_text="Communication: 3",
    filename="progress-2026-11-30.png",
)


# --- chart files ----------------------------------------------------------------------


def test_a_chart_file_is_private_unique_and_per_person(tmp_path: Path) -> None:
    first = save_png(CHART, "console:ana", tmp_path)
    second = save_png(CHART, "console:ana", tmp_path)
    bens = save_png(CHART, "console:ben", tmp_path)
    assert first != second  # one file per request, though the chart's name is the same
    assert first.parent == second.parent != bens.parent  # one directory per person
    for path in (first, second, bens):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert path.read_bytes().startswith(b"\x89PNG")
    assert "ana" not in str(first)  # the directory does not carry the person's name


def test_a_planted_symlink_is_never_followed(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("precious")
    folder = chart_files.person_directory("console:ana", tmp_path)
    for n in range(50):  # every name a request could take is taken by a link
        (folder / f"progress-2026-11-30-{n}.png").symlink_to(target)
    path = save_png(CHART, "console:ana", tmp_path)
    assert not path.is_symlink() and path.read_bytes().startswith(b"\x89PNG")
    assert target.read_text() == "precious"


def test_a_planted_person_directory_link_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / chart_files._person_part("console:ana")).symlink_to(elsewhere)
    with pytest.raises(PermissionError):
        save_png(CHART, "console:ana", tmp_path)
    assert list(elsewhere.iterdir()) == []


def test_a_shared_base_directory_that_is_not_ours_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chart_files.tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(chart_files, "_fallback", None)
    planted = tmp_path / f"tandem-charts-{os.getuid()}"
    planted.symlink_to(tmp_path)  # someone planted a link where the base would be
    path = save_png(CHART, "console:ana")
    assert planted not in path.parents and tmp_path in path.parents
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    chart_files.discard_chart_files()


def test_chart_files_are_removed_after_the_console_and_erased_by_forget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chart_files.tempfile, "tempdir", str(tmp_path))
    shown = save_png(CHART, "console:ana")
    kept = save_png(CHART, "console:ben")
    assert chart_files.discard_chart_files() == 2  # the console, as it exits
    assert not shown.exists() and not kept.exists()
    again = save_png(CHART, "console:ana")
    other = save_png(CHART, "console:ben")
    assert erase_chart_files("console:ana") == 1  # forget
    assert not again.exists() and other.exists()
    chart_files.discard_chart_files()
