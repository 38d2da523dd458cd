"""The personnel-development report as data: figures, each a list of rows (a count, of a
whole where it is a share, or withheld), in the reader's language. The core computes it
(bot/report_figures.py); the adapters draw it as HTML with SVG charts or write it as CSV
(adapters/report/). Pydantic models, so a reply carrying one round-trips as JSON."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChartKind(StrEnum):
    NONE = "none"  # a table only
    BARS = "bars"  # one bar per row (categories)
    WEEKS = "weeks"  # one point per week and series


class FigureRow(_Model):
    """One cell of a figure: `count` (of `whole`, where it is a share), or withheld
    (`count` None: fewer than five on one side)."""

    category: str = ""  # the row's label: a series, a method, a change, a period
    category_key: str = ""  # the same, stable across languages (for the CSV)
    week: date | None = None  # the Monday of the week, for weekly trends
    count: int | None = None
    whole: int | None = None
    mean: float | None = None  # e.g. the mean change, where shown
    in_chart: bool = True  # False: in the figure's table only (another unit than its chart)

    @property
    def withheld(self) -> bool:
        return self.count is None


class Figure(_Model):
    key: str  # stable id (the CSV's `figure` column)
    title: str
    explanation: str  # what it counts and how, for the page that explains each figure
    chart: ChartKind = ChartKind.NONE
    rows: tuple[FigureRow, ...] = ()
    alt_text: str = ""  # the chart in words (the SVG's title and aria-label)
    shares: bool = False  # the chart shows each row's count as a share of its whole (%)
    group: str = ""  # e.g. the competence group a distribution is of


class CohortFigures(_Model):
    """A cohort's report: the figures over the fixed roster, or none when fewer than
    five learners are counted."""

    cohort_id: int
    cohort_name: str
    status: str  # the cohort's status, in the reader's language
    made_at: datetime
    language: str
    learners: int  # counted (the roster, with the share of erased members)
    shown: bool  # False: fewer than five counted, no figure about learning
    notes: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
