"""`storage.migrate.stated` reads a migration's `revision` and `down_revision` from their
own lines when it can (issue 21, "Lean start": every start reads every migration file);
it must give what the whole file's syntax tree gives, and fall back to it otherwise."""

from __future__ import annotations

import ast

import pytest

from storage.migrate import VERSIONS, by_syntax_tree, stated


def the_two(found: dict[str, object]) -> tuple[object, object]:
    def plain(value: object) -> object:
        return ast.dump(value) if isinstance(value, ast.AST) else value

    return plain(found.get("revision")), plain(found.get("down_revision", ...))


def test_every_shipped_migration_reads_the_same_both_ways() -> None:
    files = [p for p in VERSIONS.glob("*.py") if not p.name.startswith("_")]
    assert len(files) > 20
    for path in files:
        source = path.read_text(encoding="utf-8")
        assert the_two(stated(source)) == the_two(by_syntax_tree(source)), path.name


@pytest.mark.parametrize(
    "source",
    [
        'revision = "0002"\ndown_revision = "0001"\n',
        'revision: str = "0002"  # the second\ndown_revision: str | None = None\n',
        'revision = "0003"\ndown_revision = ("0001", "0002")\n',
        'revision = "0003"\ndown_revision = (\n    "0001",\n    "0002",\n)\n',
        'revision = down_revision = "0001"\n',
        'revision = "0002"; down_revision = "0001"\n',
        'revision = "0002"\ndown_revision = PARENT\n',
        'revision = "0002" if True else "x"\ndown_revision = None\n',
        'revision = "0002"\n',
        'down_revision = "0001"\n',
        'import x\n\nrevision = "0002"\ndown_revision = "0001"\nrevision = "0009"\n',
        'revision, down_revision = "0002", "0001"\n',
        "",
    ],
)
def test_odd_files_read_as_their_syntax_tree_reads(source: str) -> None:
    assert the_two(stated(source)) == the_two(by_syntax_tree(source))
