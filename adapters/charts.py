"""Drawing the core's charts as PNG pictures (matplotlib, without a screen)."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: draw into memory

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)

from adapters import chart_files  # noqa: E402
from adapters.chart_files import write_chart_file  # noqa: E402
from bot.replies import Chart  # noqa: E402

_COLOURS = ("#9aa5b1", "#2f6fde", "#e07b39", "#3c9d5d")
_lock = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe


def render_png(chart: Chart) -> bytes:
    """`chart` as a PNG picture."""
    with _lock:
        figure = draw(chart)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def draw(chart: Chart) -> Figure:
    """`chart` as grouped horizontal bars, one group per category, a bar per series
    (call under `_lock`, or from one thread)."""
    count = max(len(chart.categories), 1)
    width = 0.8 / max(len(chart.series), 1)
    figure = Figure(figsize=(7, 1.2 + 0.42 * count), dpi=100)
    axes = figure.add_subplot()
    for index, series in enumerate(chart.series):
        rows = [
            (position + index * width, value)
            for position, value in enumerate(series.values)
            if value is not None
        ]
        if rows:
            axes.barh(
                [y for y, _ in rows],
                [v for _, v in rows],
                height=width,
                label=series.name,
                color=_COLOURS[index % len(_COLOURS)],
            )
    axes.set_yticks([i + width * (len(chart.series) - 1) / 2 for i in range(count)])
    axes.set_yticklabels(chart.categories or ("",), fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, chart.max_value)
    axes.set_xticks(range(int(chart.max_value) + 1))
    axes.set_title(chart.title, fontsize=10)
    axes.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    return figure


def save_png(chart: Chart, owner: str, directory: Path | None = None) -> Path:
    """Draw `chart` into a new PNG file of `owner` (a person reference), private to them
    (see adapters/chart_files.py); return its path."""
    return write_chart_file(owner, chart.filename, render_png(chart), directory)


def erase_chart_files(person_ref: str) -> int:
    """Forget's hook: remove every chart picture of the person."""
    return chart_files.erase_chart_files(person_ref)
