"""Generated cohorts for the pairing tests and bench/pairing.py (fixed seed, realistic
mix), and the exact reference the heuristic is measured against (networkx).

Time zones in three regions (Europe about half, the Americas, Asia-Pacific), mostly
09:00-17:00 with some early, late and part-time days; departments of about 40 people
made of teams of about 8 with one manager each (outside the cohort); every trait rated
1..5 (most 3, about a third 4 or 5); 2-3 goals among a person's weaker traits; about a
third with one or two earlier pairings in the past year; a few with a not_with list;
a few absent.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from bot.pairing import Candidate, PastPairing, Scorer

TRAITS = [
    "self-reflection",
    "reliability",
    "learning",
    "resilience",
    "initiative",
    "decisiveness",
    "results",
    "creativity",
    "problem-solving",
    "planning",
    "expertise",
    "digital",
    "communication",
    "feedback",
    "cooperation",
    "conflict",
    "responsibility",
    "openness",
    "respect",
    "courage",
    "sustainability",
]

REGIONS = (
    (0.5, ("Europe/Berlin", "Europe/London", "Europe/Lisbon", "Europe/Warsaw")),
    (0.3, ("America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo")),
    (0.2, ("Asia/Singapore", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney")),
)
HOURS = (
    (0.75, (time(9), time(17))),
    (0.1, (time(8), time(16))),
    (0.1, (time(10), time(18))),
    (0.05, (time(9), time(13))),
)
LEVELS = ((1, 0.05), (2, 0.2), (3, 0.4), (4, 0.25), (5, 0.1))


def _pick(rng: random.Random, weighted):  # noqa: ANN001, ANN202
    return rng.choices([v for _, v in weighted], [w for w, _ in weighted])[0]


def make_cohort(
    n: int,
    *,
    seed: int = 1,
    now: datetime,
    absent_share: float = 0.02,
    not_with_share: float = 0.05,
    history_share: float = 0.3,
    traits: tuple[str, ...] = TRAITS,
) -> tuple[list[Candidate], list[PastPairing]]:
    rng = random.Random(seed)
    team_size, department_size = 8, 40
    candidates = []
    team_zone: dict[int, tuple[str, ...]] = {}
    for i in range(n):
        team = i // team_size
        if team not in team_zone:
            team_zone[team] = _pick(rng, REGIONS)
        zones = team_zone[team] if rng.random() < 0.8 else _pick(rng, REGIONS)
        start, end = _pick(rng, HOURS)
        ratings = {
            t: rng.choices([lv for lv, _ in LEVELS], [w for _, w in LEVELS])[0] for t in traits
        }
        weak = sorted(traits, key=lambda t: (ratings[t], rng.random()))
        goals = frozenset(weak[: rng.choice((2, 3))])
        not_with: frozenset[int] = frozenset()
        if rng.random() < not_with_share:
            not_with = frozenset(rng.randrange(n) for _ in range(rng.choice((1, 2)))) - {i}
        candidates.append(
            Candidate(
                person_id=i,
                strengths=ratings,
                goals=goals,
                timezone=rng.choice(zones),
                work_start=start,
                work_end=end,
                manager_id=1_000_000 + team,
                team=f"team-{team}",
                department=f"dept-{i // department_size}",
                not_with=not_with,
                absent=rng.random() < absent_share,
            )
        )
    history = []
    for i in range(n):
        if rng.random() < history_share:
            for _ in range(rng.choice((1, 2))):
                other = rng.randrange(n)
                if other != i:
                    ago = timedelta(days=rng.uniform(1, 365))
                    history.append(PastPairing(i, other, now - ago))
    return candidates, history


def exact_reference(scorer: Scorer, edges_per_person: int | None = None) -> tuple[float, float]:
    """networkx's exact maximum-weight matching among maximum-cardinality ones: its weight,
    and its total as a proposal counts it (with an odd count, the one it leaves out joins
    the pair where they add most). With `edges_per_person`, only each person's truly
    best partners (by a full scan) are edges: a near-exact reference for cohorts too big
    for the complete graph (on 300 people, 30 a person already gives the exact value)."""
    import networkx as nx

    graph = nx.Graph()
    for i in range(scorer.n):
        if edges_per_person is None:
            row = scorer.row(i, range(i + 1, scorer.n))
        else:
            row = sorted(scorer.row(i, range(scorer.n)), reverse=True)[:edges_per_person]
        for s, j in row:
            graph.add_edge(i, j, weight=s)
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    weight = total = sum(scorer.at(i, j) for i, j in matching)
    left = set(range(scorer.n)) - {v for pair in matching for v in pair}
    for extra in left:
        total += max(
            (
                scorer.at(extra, i) + scorer.at(extra, j)
                for i, j in matching
                if scorer.allowed(extra, i) and scorer.allowed(extra, j)
            ),
            default=0.0,
        )
    return weight, total


def upper_bound(scorer: Scorer, edges_per_person: int | None = None) -> float:
    """An upper bound on the weight of any matching: half the best assignment (scipy,
    exact) where everyone may also be assigned to themselves at no score. A matching
    and its transpositions, everyone else fixed, is such an assignment of twice its
    weight, so no matching weighs more. On the complete graph of scores, or (with
    `edges_per_person`) on each one's truly best partners, a full scan in blocks, which
    bounds the near-exact reference on that graph instead."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n = scorer.n
    if n < 2:
        return 0.0
    if edges_per_person is None:
        scores = scorer.block(range(n), range(n)).astype(np.float64)
        scores[~np.isfinite(scores)] = -1e7
        np.fill_diagonal(scores, 0.0)
        rows, cols = linear_sum_assignment(scores, maximize=True)
        return float(scores[rows, cols].sum()) / 2
    keep = min(edges_per_person, n - 1)
    ends, others, values = [], [], []
    everyone = np.arange(n)
    for start in range(0, n, 500):
        rows = everyone[start : start + 500]
        block = scorer.block(rows, everyone)
        top = np.argpartition(block, n - keep, axis=1)[:, n - keep :]
        best = np.take_along_axis(block, top, axis=1).astype(np.float64)
        ok = np.isfinite(best)
        ends.append(np.broadcast_to(rows[:, None], top.shape)[ok])
        others.append(top[ok])
        values.append(best[ok])
    i, j, v = np.concatenate(ends), np.concatenate(others), np.concatenate(values)
    key = np.unique(np.minimum(i, j) * n + np.maximum(i, j), return_index=True)[1]
    i, j, v = i[key], j[key], v[key]
    lift = 1.0 - min(float(v.min()), 0.0)  # the solver takes no zero weights
    graph = csr_array(
        (
            np.concatenate((v, v, np.zeros(n))) + lift,
            (np.concatenate((i, j, everyone)), np.concatenate((j, i, everyone))),
        ),
        shape=(n, n),
    )
    rows, cols = min_weight_full_bipartite_matching(graph, maximize=True)
    return (float(graph[rows, cols].sum()) - n * lift) / 2
