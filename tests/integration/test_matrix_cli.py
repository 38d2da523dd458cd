"""`tandem matrix` refuses a start that cannot work, in one line (no homeserver needed)."""

from __future__ import annotations


def test_tandem_matrix_without_settings_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    from adapters.cli import main

    for name in ("MATRIX_HOMESERVER", "MATRIX_USER", "MATRIX_PASSWORD", "MATRIX_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tandem.db'}")
    assert main(["matrix"]) == 2
    # Only its own line: JSON log records on stderr are asyncio's, about aiohttp sessions
    # earlier tests in this process left to the garbage collector, not this command's.
    said = [
        line
        for line in capsys.readouterr().err.splitlines()
        if line.strip() and not line.startswith('{"time"')
    ]
    assert said == ["tandem matrix: MATRIX_HOMESERVER and MATRIX_USER must be set"]
