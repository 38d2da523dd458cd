"""How fast and how well `bot.pairing.propose_pairs` pairs generated cohorts.

Cohorts come from tests/support/cohorts.py (seeded): time zones in three regions, teams
of 8 with a manager, departments of 40, every trait rated 1-5, 2-3 goals, some history,
some not_with lists, 2% absent.

Speed (--sizes, cohort seed 1): the median of --runs runs, wall clock and CPU time,
after one warm-up run (the first call in a process also imports scipy; its time is
printed too), beside the target (under 1 s at 10,000) and the figure before this work.

Quality (--quality-sizes, --seeds cohorts each): ours / the reference, per size the
minimum, median and maximum over the seeds, for the proposal's total (pairs + the
triad) and, on the seeds whose present count is even (no triad), for the matching
alone: with a triad ours trades some of its base pair's score for the triad's total,
so the matchings alone do not compare. References:

- exact: networkx's maximum-weight matching (among maximum-cardinality ones) on the
  complete graph of the same scores, for sizes up to --exact-max; its leftover, when
  the count is odd, joins the pair it adds most to, so totals compare.
- near-exact above that: the same on each person's 30 truly best partners (a full
  scan); on 300 people this already gives the exact value.
- bound: half the best assignment of the complete graph (scipy, exact), an upper
  bound on every matching's weight; ours / bound is a floor on ours / the optimum.
  At 10,000 (speed table) the bound is taken on each person's 30 best partners.
- random: people paired in a random order, skipping pairs the hard rules forbid.

The quality over the seeds is plotted to --plot (matplotlib, Agg); the tables are also
written as Markdown to --results.

    python bench/pairing.py [--sizes 50,300,2000,10000] [--runs 5]
        [--quality-sizes 50,100,200,300,500,1000,2000] [--seeds 20] [--exact-max 300]
        [--plot docs/bench/pairing-quality.png] [--results bench/results/pairing.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.pairing import PairingProposal, Scorer, propose_pairs  # noqa: E402
from tests.support.cohorts import exact_reference, make_cohort, upper_bound  # noqa: E402

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
TARGET_S = 1.0  # issue 21: 10,000 learners in under a second
BEFORE = {10_000: "2.2 s wall, 1.6 s CPU (issue 21, one run, load 1.7)"}
FLOOR = 0.995  # issue 21: at least this share of the reference at every size


def random_pairing(scorer: Scorer, seed: int) -> float:
    order = list(range(scorer.n))
    random.Random(seed).shuffle(order)
    total, waiting = 0.0, []
    for person in order:
        partner = next((w for w in waiting if scorer.allowed(person, w)), None)
        if partner is None:
            waiting.append(person)
        else:
            waiting.remove(partner)
            total += scorer.at(person, partner)
    return total


def matching_weight(proposal: PairingProposal, scorer: Scorer) -> float:
    weight = sum(p.score for p in proposal.pairs)
    if proposal.triad is not None:
        weight += scorer.score(*proposal.triad.members[:2])
    return weight


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def say(out: list[str], line: str = "") -> None:
    print(line, flush=True)
    out.append(line)


def speed(sizes: list[int], runs: int, out: list[str]) -> None:
    say(out, f"## Speed (cohort seed 1; median of {runs} runs after a warm-up)")
    say(out)
    say(
        out,
        "| people | present | wall s | CPU s | first call s | target | before | score "
        "| random | reference | ours/ref |",
    )
    say(out, "|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|")
    for n in sizes:
        candidates, history = make_cohort(n, seed=1, now=NOW)
        began = time.perf_counter()
        proposal = propose_pairs(candidates, history, now=NOW)  # warm-up
        first = time.perf_counter() - began
        walls, cpus = [], []
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            proposal = propose_pairs(candidates, history, now=NOW)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        scorer = Scorer(candidates, history, NOW)
        assert len(proposal.matched) == scorer.n, "someone present was left out"
        rand = statistics.mean(random_pairing(scorer, seed) for seed in range(5))
        if n <= 2000:
            bound, what = upper_bound(scorer), "bound"
        else:
            bound, what = upper_bound(scorer, 30), "bound on 30 best"
        ours = matching_weight(proposal, scorer)
        ratio = f"{ours / bound:.4f} (pairs)" if scorer.n % 2 == 0 else "odd count: a triad"
        target = f"< {TARGET_S:.0f} s" if n == 10_000 else ""
        say(
            out,
            f"| {n:,} | {scorer.n:,} | {statistics.median(walls):.3f} "
            f"| {statistics.median(cpus):.3f} | {first:.3f} | {target} | {BEFORE.get(n, '')} "
            f"| {proposal.total_score:,.0f} | {rand:,.0f} | {bound:,.0f} ({what}) "
            f"| {ratio} |",
        )
    say(out)


def quality(
    sizes: list[int], seeds: int, exact_max: int, out: list[str]
) -> dict[int, tuple[list[float], list[float]]]:
    say(out, f"## Quality over {seeds} seeds (ours / reference: min, median, max)")
    say(out)
    say(
        out,
        "| people | reference | total/ref min | median | max | even counts "
        "| pairs/ref min | median | max | pairs/bound min | median | max "
        "| ours CPU s (median) | ref CPU s (median) |",
    )
    say(out, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    results: dict[int, tuple[list[float], list[float]]] = {}
    for n in sizes:
        totals, pairs, bounds, ours_s, ref_s = [], [], [], [], []
        for seed in range(seeds):
            candidates, history = make_cohort(n, seed=seed, now=NOW)
            scorer = Scorer(candidates, history, NOW)
            began = time.process_time()
            proposal = propose_pairs(candidates, history, now=NOW)
            ours_s.append(time.process_time() - began)
            began = time.process_time()
            weight, total = exact_reference(scorer, None if n <= exact_max else 30)
            ref_s.append(time.process_time() - began)
            bound = upper_bound(scorer)
            mine = matching_weight(proposal, scorer)
            totals.append(proposal.total_score / total)
            if scorer.n % 2 == 0:  # with a triad the matchings do not compare
                pairs.append(mine / weight)
                bounds.append(mine / bound)
        results[n] = (totals, pairs)
        what = "exact" if n <= exact_max else "near-exact (30 best)"

        def spread(values: list[float]) -> str:
            if not values:
                return "| | | "
            med = statistics.median(values)
            return f"| {min(values):.4f} | {med:.4f} | {max(values):.4f} "

        say(
            out,
            f"| {n:,} | {what} {spread(totals)}| {len(pairs)} {spread(pairs)}"
            f"{spread(bounds)}| {statistics.median(ours_s):.3f} "
            f"| {statistics.median(ref_s):.1f} |",
        )
    say(out)
    return results


def plot(results: dict[int, tuple[list[float], list[float]]], path: Path, note: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(results)
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    labels = (("total / ref", "o"), ("pairs / ref (even counts)", "s"))
    for k, (label, marker) in enumerate(labels):
        for x, n in enumerate(sizes):
            values = results[n][k]
            jitter = [
                x + (k - 0.5) * 0.25 + (i - len(values) / 2) * 0.004 for i in range(len(values))
            ]
            ax.scatter(
                jitter,
                values,
                s=12,
                marker=marker,
                alpha=0.6,
                color=f"C{k}",
                label=label if x == 0 else None,
            )
        ax.plot(
            [x + (k - 0.5) * 0.25 for x in range(len(sizes))],
            [statistics.median(results[n][k]) for n in sizes],
            color=f"C{k}",
            lw=1,
        )
    ax.axhline(FLOOR, color="C3", ls="--", lw=1, label=f"floor {FLOOR}")
    ax.set_xticks(range(len(sizes)), [f"{n:,}" for n in sizes])
    ax.set_xlabel("people in the cohort")
    ax.set_ylabel("ours / reference")
    ax.set_title("Pairing quality, one dot a seed (reference: exact to 300, near-exact above)")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.text(0.01, 0.01, note, fontsize=7, color="0.4")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    print(f"plot: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,300,2000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quality-sizes", default="50,100,200,300,500,1000,2000")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--exact-max", type=int, default=300)
    parser.add_argument("--plot", default=str(ROOT / "docs/bench/pairing-quality.png"))
    parser.add_argument("--results", default=str(ROOT / "bench/results/pairing.md"))
    args = parser.parse_args()

    def ints(text: str) -> list[int]:
        return [int(s) for s in text.split(",") if s]

    out: list[str] = []
    machine = (
        f"{cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )
    say(out, "# Pairing (bench/pairing.py)")
    say(out)
    say(out, f"machine: {machine}")
    say(out, f"load average (1, 5, 15 min) before: {load()} (other processes share these CPUs)")
    say(out)
    speed(ints(args.sizes), args.runs, out)
    say(out, f"load average after the speed table: {load()}")
    say(out)
    results = (
        quality(ints(args.quality_sizes), args.seeds, args.exact_max, out) if args.seeds else {}
    )
    say(out, f"load average at the end: {load()}")
    if results:
        worst = min(min(t + p) for t, p in results.values())
        say(out, f"worst ratio over all sizes and seeds: {worst:.4f} (floor {FLOOR})")
        plot(results, Path(args.plot), f"{machine}; {datetime.now(UTC):%Y-%m-%d}")
    if args.results:
        Path(args.results).parent.mkdir(parents=True, exist_ok=True)
        Path(args.results).write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
