"""How fast and how well `bot.pairing.propose_pairs` pairs generated cohorts.

Cohorts come from tests/support/cohorts.py (fixed seed): time zones in three regions, teams of 8
with a manager, departments of 40, every trait rated 1-5, 2-3 goals, some history, some
not_with lists, 2% absent. Per size: the median time of RUNS runs (wall clock, with the
CPU time beside it) and the total score. Compared with:

- exact: networkx's maximum-weight matching (among maximum-cardinality ones) on the
  complete graph of the same scores, for sizes up to --exact-max; its leftover, when
  the count is odd, joins the pair it adds most to, as ours does, so totals compare.
- near-exact (--near-exact sizes): the same on each person's 30 truly best partners
  found by a full scan (on 300 people this gives the exact value); it takes minutes.
- random: people paired in a random order, skipping pairs the hard rules forbid
  (mean of 5 seeds).

    python bench/pairing.py [--sizes 50,300,2000,10000] [--runs 3] [--exact-max 300]
                            [--near-exact 2000]
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.pairing import Effort, Scorer, propose_pairs  # noqa: E402
from tests.support.cohorts import exact_reference, make_cohort  # noqa: E402

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


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


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,300,2000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--exact-max", type=int, default=300)
    parser.add_argument("--near-exact", default="2000", help="sizes, comma-separated")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    near_exact = {int(s) for s in args.near_exact.split(",") if s}

    print(
        f"machine: {cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"load average before the run: {load} (other processes share these CPUs)")
    print(f"median of {args.runs} runs; a score is a proposal's total (pairs + the triad)\n")
    print(
        f"{'people':>7}{'present':>8}{'time s':>8}{'cpu s':>7}{'score':>10}{'random':>10}"
        f"{'reference':>11}{'ours/ref':>9}{'pairs/ref':>10}{'ref s':>7}  reference"
    )
    for n in sizes:
        candidates, history = make_cohort(n, seed=1, now=NOW)
        walls, cpus = [], []
        for _ in range(args.runs):
            wall, cpu = time.perf_counter(), time.process_time()
            proposal = propose_pairs(candidates, history, now=NOW)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        scorer = Scorer(candidates, history, NOW)
        assert len(proposal.matched) == scorer.n, "someone present was left out"
        rand = statistics.mean(random_pairing(scorer, seed) for seed in range(5))
        line = (
            f"{n:>7}{scorer.n:>8}{statistics.median(walls):>8.2f}{statistics.median(cpus):>7.2f}"
            f"{proposal.total_score:>10,.0f}{rand:>10,.0f}"
        )
        if n <= args.exact_max or n in near_exact:
            began = time.perf_counter()
            per_person = None if n <= args.exact_max else 30
            weight, total = exact_reference(scorer, per_person)
            took = time.perf_counter() - began
            pairs = sum(p.score for p in proposal.pairs)
            if proposal.triad is not None:
                pairs += scorer.score(*proposal.triad.members[:2])
            line += (
                f"{total:>11,.0f}{proposal.total_score / total:>9.4f}{pairs / weight:>10.4f}"
                f"{took:>7.1f}  "
                + ("exact" if per_person is None else "near-exact (30 best a person)")
            )
        print(line, flush=True)
    effort = ", ".join(
        f"{n}: pool {e.pool_size}, keep {e.neighbours}, breadth {','.join(map(str, e.breadth))}"
        for n in sizes
        for e in [Effort.for_size(n)]
    )
    print(f"\nsearch effort by size (Effort.for_size) {effort}")
    print(
        "ours/ref compares totals; pairs/ref compares the matchings alone (a triad "
        "counted as its base pair), against the reference matching's weight"
    )


if __name__ == "__main__":
    main()
