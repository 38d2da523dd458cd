"""Drawing the core's charts as PNG pictures (matplotlib, without a screen)."""

from __future__ import annotations

import atexit
import io
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from adapters import chart_files
from adapters.chart_files import write_chart_file
from bot.replies import Chart

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_COLOURS = ("#9aa5b1", "#2f6fde", "#e07b39", "#3c9d5d")
_lock = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe


def _writable(folder: str) -> bool:
    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def config_directory() -> str:
    """A writable MPLCONFIGDIR: the one set, if it is writable, else a fresh temporary
    folder (matplotlib writes its font cache there; under `readOnlyRootFilesystem` or a
    read-only HOME its default, ~/.config/matplotlib, cannot be written)."""
    chosen = os.environ.get("MPLCONFIGDIR")
    if chosen and _writable(chosen):
        return chosen
    if not chosen:  # matplotlib's own defaults, where they can be written, keep its cache
        try:
            home = Path.home()
        except (RuntimeError, KeyError):  # no HOME, no passwd entry
            home = None
        if home is not None:
            config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "matplotlib"
            cache = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "matplotlib"
            if _writable(str(config)) and _writable(str(cache)):
                return str(config)
    folder = tempfile.mkdtemp(prefix="tandem-matplotlib-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["MPLCONFIGDIR"] = folder
    return folder


def _figure_class() -> type[Figure]:
    """matplotlib, imported on the first chart only (a start does not pay for it, nor need
    a writable config folder), without a screen (the Agg backend)."""
    config_directory()
    import matplotlib

    matplotlib.use("Agg")  # no display: draw into memory
    from matplotlib.figure import Figure

    return Figure


# For other drawings of the adapters (the cohort report's SVG charts): the same lock, and
# matplotlib imported the same way.
drawing_lock = _lock
figure_class = _figure_class


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
    figure = _figure_class()(figsize=(7, 1.2 + 0.42 * count), dpi=100)
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
