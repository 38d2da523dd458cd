"""Make the README's sample report from the generated cohort (tests/support/report_cohort.py):
the HTML page, its CSV, and a screenshot taken with Debian's headless Chromium.

    python scripts/sample_report.py                  # docs/report-sample.png
    python scripts/sample_report.py --lang de --out /tmp/sample --full

Needs the test extras (playwright) and /usr/bin/chromium (`apt-get install chromium`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.competence_model import load  # noqa: E402
from adapters.report import render_csv, render_html  # noqa: E402
from bot.i18n import speaking  # noqa: E402
from bot.policy import Policy  # noqa: E402
from bot.report_figures import cohort_figures  # noqa: E402
from tests.support.chromium import executable  # noqa: E402
from tests.support.fakes import FakeDatabase  # noqa: E402
from tests.support.report_cohort import NOW, build  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="en", choices=("en", "de"))
    parser.add_argument("--out", default=str(ROOT / "docs"), help="folder for the files")
    parser.add_argument("--full", action="store_true", help="the whole page, not its top")
    args = parser.parse_args()
    model = load()
    db = FakeDatabase()
    build(db, model)
    with db() as uow:
        [cohort] = uow.cohorts.all()
        with speaking(args.lang):
            figures = cohort_figures(uow, cohort, Policy(competences=model), NOW)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    page = out / f"report-sample{'-de' if args.lang == 'de' else ''}.html"
    page.write_text(render_html(figures), encoding="utf-8")
    (out / page.with_suffix(".csv").name).write_text(render_csv(figures), encoding="utf-8")
    chromium = executable()
    if chromium is None:
        print("no chromium: wrote the HTML and CSV only", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        tab = browser.new_page(viewport={"width": 1000, "height": 2300}, device_scale_factor=1)
        tab.goto(page.as_uri())
        shot = page.with_suffix(".png")
        tab.screenshot(path=str(shot), full_page=args.full)
        browser.close()
    print(shot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
