"""`tandem matrix` refuses a start that cannot work, in one line (no homeserver needed)."""

from __future__ import annotations


def test_tandem_matrix_without_settings_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    from adapters.cli import main

    for name in ("MATRIX_HOMESERVER", "MATRIX_USER", "MATRIX_PASSWORD", "MATRIX_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tandem.db'}")
    assert main(["matrix"]) == 2
    assert capsys.readouterr().err.strip() == (
        "tandem matrix: MATRIX_HOMESERVER and MATRIX_USER must be set"
    )
