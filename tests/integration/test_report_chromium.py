"""Issue 18: the HTML report opened in a real browser (Debian's headless Chromium over
the DevTools protocol): it renders without console errors or failed requests, every chart
has a text alternative (role="img", an aria-label, a <title>, a table of its figures),
the page declares its language, in English and German; it prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.competence_model import load
from adapters.report import render_html
from bot.i18n import speaking
from bot.policy import Policy
from bot.report_figures import cohort_figures
from tests.support.chromium import browser
from tests.support.fakes import FakeDatabase
from tests.support.report_cohort import NOW, build

MODEL = load()


def _page_file(tmp_path: Path, language: str) -> Path:
    db = FakeDatabase()
    build(db, MODEL)
    with db() as uow:
        [cohort] = uow.cohorts.all()
        with speaking(language):
            figures = cohort_figures(uow, cohort, Policy(competences=MODEL), NOW)
    path = tmp_path / f"report-{language}.html"
    path.write_text(render_html(figures), encoding="utf-8")
    return path


@pytest.mark.chromium
@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "The cohort at a glance"), ("de", "Die Kohorte auf einen Blick")],
)
def test_the_report_renders_in_chromium_with_text_alternatives_and_its_language(
    tmp_path, language, heading
) -> None:  # noqa: ANN001
    path = _page_file(tmp_path, language)
    with browser() as chromium:
        page = chromium.new_page()
        problems: list[str] = []
        page.on(
            "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("requestfailed", lambda request: problems.append(request.url))
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(path.as_uri(), wait_until="load")
        assert problems == []
        assert requests == [path.as_uri()]  # self-contained: nothing else is fetched
        assert page.evaluate("document.documentElement.lang") == language
        assert heading in page.locator("h2").all_inner_texts()
        charts = page.locator("svg")
        assert charts.count() >= 8
        for i in range(charts.count()):
            chart = charts.nth(i)
            assert chart.get_attribute("role") == "img"
            label = chart.get_attribute("aria-label") or ""
            assert len(label) > 20, label
            assert chart.locator("title").first.text_content() == label
            # each chart sits in a section with a table of the same figures
            section = chart.locator("xpath=ancestor::section[1]")
            assert section.locator("table tbody tr").count() >= 1
            box = chart.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 50
        # the accessibility tree names each chart by its text alternative
        names = page.evaluate(
            "Array.from(document.querySelectorAll('svg[role=img]')).map(s => s.getAttribute('aria-label'))"
        )
        assert all(names)
        explained = page.locator("#explanations dt").all_inner_texts()
        assert heading in explained
        pdf = page.pdf(format="A4")  # the print stylesheet lays it out
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        page.close()
