"""The rules for the report's cells (bot/report_figures.py): a count of one to four, or a
share whose rest is one to four, is withheld; rows that add up to a total are merged
with a neighbour until none would be withheld, so no row can be had by subtraction."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from bot.replies import Reply
from bot.report_figures import _Bin, merge_rows, withheld
from bot.report_model import Figure, FigureRow


@pytest.mark.parametrize(
    ("part", "whole", "hidden"),
    [
        (0, None, False),
        (1, None, True),
        (4, None, True),
        (5, None, False),
        (0, 0, False),
        (0, 3, True),  # all three did not: that is about three people
        (0, 5, False),
        (5, 9, True),  # the 4 who did not
        (5, 10, False),
        (10, 10, False),
    ],
)
def test_withheld(part, whole, hidden) -> None:  # noqa: ANN001
    assert withheld(part, whole) is hidden


def _bins(counts, wholes=None):  # noqa: ANN001, ANN202
    wholes = wholes or [None] * len(counts)
    return [
        _Bin(labels=[f"r{i}"], keys=[str(i)], count=c, whole=w, week=date(2026, 1, 5 + i))
        for i, (c, w) in enumerate(zip(counts, wholes, strict=True))
    ]


def test_a_small_row_merges_with_its_smaller_neighbour_that_has_something() -> None:
    rows = merge_rows(_bins([0, 6, 2, 9, 0]), "{} to {}")
    assert [(r.category_key, r.count) for r in rows] == [("0", 0), ("1+2", 8), ("3", 9), ("4", 0)]
    assert rows[1].category == "r1 to r2" and rows[1].week == date(2026, 1, 6)


def test_shares_merge_until_both_sides_pass() -> None:
    rows = merge_rows(_bins([5, 7], [10, 10]), "{} to {}")  # 7 of 10: the 3 would show
    assert [(r.count, r.whole) for r in rows] == [(12, 20)]


def test_all_together_still_small_is_one_withheld_row() -> None:
    rows = merge_rows(_bins([1, 2]), "{} to {}")
    assert [(r.count, r.withheld) for r in rows] == [(None, True)]


@pytest.mark.parametrize("counts", list(itertools.product([0, 1, 3, 5, 8], repeat=4)))
def test_no_merged_row_is_small_and_the_rows_keep_the_total(counts) -> None:  # noqa: ANN001
    rows = merge_rows(_bins(list(counts)), "{} to {}")
    shown = [r.count for r in rows if r.count is not None]
    assert all(n == 0 or n >= 5 for n in shown)
    if all(r.count is not None for r in rows):
        assert sum(shown) == sum(counts)
    else:  # withheld only as one row for everything
        assert len(rows) == 1 and 0 < sum(counts) < 5


def test_a_report_travels_in_a_reply_as_json() -> None:
    figure = Figure(key="k", title="t", explanation="e", rows=(FigureRow(count=5, whole=9),))
    assert figure.rows[0].withheld is False and FigureRow().withheld is True
    reply = Reply(text="x")
    assert Reply.model_validate_json(reply.model_dump_json()).report is None
