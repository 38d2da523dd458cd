"""The personnel-development report drawn: one self-contained HTML file (charts as
inline SVG made with matplotlib, each with a text alternative and a data table; print
CSS; in the reader's language) and CSV (one row per figure and cell).

The figures come from the core (`bot.report_figures.cohort_figures`, a `CohortFigures`)
with every withheld cell already withheld; nothing here counts anything.

CSV columns (`CSV_COLUMNS`):
- `figure`: the figure's stable key (`summary`, `participation`, `checkins`,
  `cocoaching`, `milestones`, `goals`, `change:<competence group>`, `advice`,
  `community`);
- `figure_title`: its title in the reader's language;
- `row`: the row's stable key (`active`, a week's Monday, a method id, a change in
  levels; merged rows join their keys with `+`);
- `label`: the row's label in the reader's language;
- `week`: the Monday (ISO date) of the week a trend row starts in, else empty;
- `count`: the count, empty where withheld;
- `of`: the whole the count is a share of, empty where there is none or it is withheld;
- `mean`: a mean (the mean change in levels), else empty;
- `withheld`: 1 where the cell is withheld (one to four on one side), else 0.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from adapters.charts import drawing_lock, figure_class
from bot.i18n import _, format_date, format_datetime, format_number, format_percent, speaking
from bot.report_model import ChartKind, CohortFigures, Figure, FigureRow

CSV_COLUMNS = ("figure", "figure_title", "row", "label", "week", "count", "of", "mean", "withheld")
TEMPLATES = Path(__file__).parent / "templates"
_COLOURS = ("#2f6fde", "#e07b39", "#3c9d5d", "#9aa5b1")


def filename(figures: CohortFigures, kind: str) -> str:
    """The file's name: the cohort's name (letters, digits, dashes) and the date."""
    stem = re.sub(r"[^\w-]+", "-", figures.cohort_name).strip("-")[:40] or "cohort"
    return f"report-{stem}-{figures.made_at.date().isoformat()}.{kind}"


# --- values in words -----------------------------------------------------------------


def value_text(row: FigureRow) -> str:
    """A cell as the reader reads it, numbers formatted for their language."""
    if row.count is None:
        return _("withheld (fewer than 5 on one side)")
    if row.mean is not None:
        return _("{mean} levels (over {n} learners)").format(
            mean=("+" if row.mean > 0 else "") + format_number(round(row.mean, 2)), n=row.count
        )
    if row.whole is not None:
        share = format_percent(row.count / row.whole) if row.whole else "-"
        return _("{part} of {whole} ({share})").format(
            part=format_number(row.count), whole=format_number(row.whole), share=share
        )
    return format_number(row.count)


# --- SVG charts ------------------------------------------------------------------------


def _chart_rows(figure: Figure) -> list[FigureRow]:
    return [r for r in figure.rows if r.in_chart]


def _svg_of(drawn: Any) -> str:
    buffer = io.StringIO()
    drawn.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _draw(figure: Figure) -> Any:
    rows = _chart_rows(figure)
    if figure.key == "participation":
        return _draw_lines(figure, rows)
    return _draw_bars(figure, rows)


def _draw_lines(figure: Figure, rows: list[FigureRow]) -> Any:
    weeks = sorted({r.week for r in rows if r.week is not None})
    series: dict[str, list[FigureRow]] = {}
    for row in rows:
        series.setdefault(row.category, []).append(row)
    drawn = figure_class()(figsize=(7.5, 3.2), dpi=100)
    axes = drawn.add_subplot()
    positions = {week: i for i, week in enumerate(weeks)}
    for index, (name, points) in enumerate(series.items()):
        xs = [positions[p.week] for p in points if p.week is not None and p.count is not None]
        ys = [p.count for p in points if p.week is not None and p.count is not None]
        axes.plot(xs, ys, marker="o", label=name, color=_COLOURS[index % len(_COLOURS)])
    step = max(1, len(weeks) // 8)
    axes.set_xticks(range(0, len(weeks), step))
    axes.set_xticklabels(
        [format_date(w, "short") for w in weeks][::step], fontsize=7, rotation=30, ha="right"
    )
    top = max((r.whole or r.count or 0 for r in rows), default=1)
    axes.set_ylim(0, max(top, 1) * 1.08)
    axes.set_ylabel(_("learners"), fontsize=8)
    axes.set_title(figure.title, fontsize=10)
    axes.legend(fontsize=7, loc="lower right")
    axes.grid(axis="y", color="#e4e8ee")
    drawn.tight_layout()
    return drawn


def _draw_bars(figure: Figure, rows: list[FigureRow]) -> Any:
    count = max(len(rows), 1)
    drawn = figure_class()(figsize=(7.5, 1.1 + 0.36 * count), dpi=100)
    axes = drawn.add_subplot()
    values: list[float | None] = []
    for row in rows:
        if row.count is None:
            values.append(None)
        elif figure.shares:
            values.append(100 * row.count / row.whole if row.whole else 0.0)
        else:
            values.append(float(row.count))
    top = 100.0 if figure.shares else max([v for v in values if v is not None] or [1.0])
    for position, (row, value) in enumerate(zip(rows, values, strict=True)):
        if value is None:
            axes.text(0, position, " " + _("withheld"), va="center", fontsize=7, color="#6b7686")
            continue
        axes.barh([position], [value], height=0.6, color=_COLOURS[0])
        label = value_text(row) if figure.shares else format_number(row.count or 0)
        axes.text(value, position, f" {label}", va="center", fontsize=7)
    axes.set_yticks(range(count))
    axes.set_yticklabels([r.category for r in rows] or [""], fontsize=7)
    axes.invert_yaxis()
    axes.set_xlim(0, top * 1.35 if top else 1)
    if figure.shares:  # room for the labels, but no scale beyond 100 %
        axes.set_xticks(range(0, 101, 20))
    axes.set_xlabel("%" if figure.shares else _("count"), fontsize=8)
    axes.set_title(figure.title, fontsize=10)
    drawn.tight_layout()
    return drawn


def svg(figure: Figure, number: int) -> str:
    """The figure's chart as inline SVG: `role="img"`, its text alternative as
    `aria-label` and `<title>`; ids prefixed with `number`, unique in the page."""
    with drawing_lock:
        figure_class()  # matplotlib imported, without a screen, before its rc_context
        import matplotlib

        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tandem"}):
            text = _svg_of(_draw(figure))
    prefix = f"c{number}-"
    text = re.sub(r'\bid="', f'id="{prefix}', text)
    text = text.replace("url(#", f"url(#{prefix}").replace('href="#', f'href="#{prefix}')
    alt = html.escape(figure.alt_text, quote=True)
    head_end = text.index(">") + 1
    head = text[:head_end].replace("<svg ", f'<svg role="img" aria-label="{alt}" ', 1)
    return f"{head}<title>{alt}</title>{text[head_end:]}"


# --- the page --------------------------------------------------------------------------


@dataclass(frozen=True)
class _ShownRow:
    week: str
    category: str
    value: str
    withheld: bool


@dataclass(frozen=True)
class _ShownFigure:
    anchor: str
    title: str
    explanation: str
    svg: str
    caption: str
    has_weeks: bool
    rows: tuple[_ShownRow, ...]


@cache
def _template() -> Any:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("report.html.j2")


def render_html(figures: CohortFigures) -> str:
    """The report as one self-contained HTML page in the report's language."""
    with speaking(figures.language):
        shown = []
        for number, figure in enumerate(figures.figures):
            drawable = figure.chart is not ChartKind.NONE and any(
                r.count is not None for r in _chart_rows(figure)
            )
            shown.append(
                _ShownFigure(
                    anchor=re.sub(r"[^\w-]", "-", figure.key),
                    title=figure.title,
                    explanation=figure.explanation,
                    svg=svg(figure, number) if drawable else "",
                    caption=_("The same figures are in the table below."),
                    has_weeks=any(r.week is not None for r in figure.rows),
                    rows=tuple(
                        _ShownRow(
                            week=format_date(r.week, "medium") if r.week else "",
                            category=r.category,
                            value=value_text(r),
                            withheld=r.withheld,
                        )
                        for r in figure.rows
                    ),
                )
            )
        words = {
            "table_caption": _("The chart's figures as a table"),
            "week": _("Week"),
            "what": _("What"),
            "value": _("Value"),
            "how_counted": _("How this is counted"),
            "explanations": _("What each figure means"),
            "withheld_title": _("Withheld"),
            "withheld_explained": _(
                "A count of one to four people or things, or a share whose rest is one to "
                "four, is withheld: it could point at someone. Rows that add up to a total "
                "are merged with a neighbour instead, so a withheld row cannot be worked out "
                "from the others. Who is counted is fixed at kickoff: a learner who leaves "
                "stays counted, later joiners are counted five at a time, and the share of "
                "someone who erased their data stays in the totals in no one's name."
            ),
        }
        return str(
            _template().render(
                lang=figures.language,
                title=_("Personnel-development report: {cohort}").format(
                    cohort=figures.cohort_name
                ),
                subtitle=_("{status}; figures over {n} learners; made {when} (UTC)").format(
                    status=figures.status,
                    n=format_number(figures.learners),
                    when=format_datetime(figures.made_at, format="medium"),
                ),
                rules=_(
                    "Counts only: no names, no diary, no ratings of anyone, no words of a "
                    "goal. Nothing is shown over fewer than five people."
                ),
                notes=figures.notes,
                shown=figures.shown,
                too_few=_(
                    "Fewer than five learners are counted: figures about learning are shown "
                    "from five learners on who joined themselves, so no one can be singled out."
                ),
                figures=shown,
                words=words,
                footer=_("Made by Tandem. The explanations are at the end of this page."),
            )
        )


def render_csv(figures: CohortFigures) -> str:
    """The report as CSV: a header row (`CSV_COLUMNS`), then one row per figure cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for figure in figures.figures:
        for row in figure.rows:
            writer.writerow(
                (
                    figure.key,
                    figure.title,
                    row.category_key,
                    row.category,
                    row.week.isoformat() if row.week else "",
                    "" if row.count is None else row.count,
                    "" if row.whole is None or row.count is None else row.whole,
                    "" if row.mean is None else f"{row.mean:.2f}",
                    int(row.withheld),
                )
            )
    return buffer.getvalue()


def render(figures: CohortFigures, kind: str) -> bytes:
    """The report as `kind` ("html" or "csv"), UTF-8."""
    if kind == "csv":
        return render_csv(figures).encode()
    return render_html(figures).encode()
