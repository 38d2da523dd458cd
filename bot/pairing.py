"""Learning partnerships (tandems) and learning groups, formed at a cohort's kickoff.

Pure code: people come in as `Candidate`s, earlier pairings as `PastPairing`s, time as
`now`; nothing here reads a clock, a database or a chat.

Tandems
-------
Every two present people have a score; `propose_pairs` pairs everybody so that the sum
of the pairs' scores is high. With an odd count exactly one pair becomes a triad. The
score of a pair (a, b), with the default `Weights`:

| part | points | when |
|---|---|---|
| teaching | +10 per trait | one has a strength >= 4 in a goal of the other (both ways) |
| expert | +5 per trait | ... and that strength is 5 |
| mutual | +10 | each teaches the other at least one goal |
| shared hours | +3 an hour, at most 6 h (+18) | their working hours overlap on the day of `now` |
| no shared hour | -50 | their working hours do not overlap at all |
| same manager | -20 | both report to the same manager |
| reports to | -30 | one is the other's manager |
| same team | -10 | both are in the same team |
| earlier pairing | -60 x 0.5^(days since / 90), each | they were partners before |

Working hours are taken on the local date `now` falls on in each one's time zone (so
daylight saving counts) and compared as daily windows on the 24-hour clock.

Hard rules, never broken: a person named in the other's `not_with` (either direction)
is never their partner or in their triad, and absent people are never paired (they are
listed as unmatched, reason `absent`). Nobody else is left out unless the hard rules make
it impossible; then they are listed as unmatched with the reason. (The searches behind
that are exhaustive on small cohorts and bounded on large ones, where sparse not_with
lists leave plenty of room.)

The algorithm (bench/pairing.py measures it against networkx's exact maximum-weight
matching and an LP upper bound; deterministic: the same cohort gives the same proposal):

1. Scores in blocks (`Scorer.block`, numpy): the teaching and shared-hours terms of a
   block of pairs are one matrix product, the rare parts (manager, team, earlier
   pairings, not_with) are added where they apply; `Scorer.at` stays the definition
   and a test holds the two equal. BLAS runs on one thread (threadpoolctl).
2. Candidate partners: each person's best `Effort.neighbours` by score. Up to
   `Effort.pool_size` people everyone is scored against everyone; above that a window
   class against a sample of those it shares the most hours with (`_blocks`).
3. The exact best assignment of the candidate graph read as bipartite (scipy, in C):
   its cycles become pairs (two-cycles as they are, even cycles split, odd ones leave
   out whoever costs least). A greedy pass, best edge first, pairs whom that left
   alone; whom it still leaves get another round of candidates among themselves, and
   so on; where the hard rules still block, alternating paths through existing pairs
   (breadth first, then depth first, which also finds paths around odd cycles).
4. Local search by alternating cycles (Lin-Kernighan style): swap partners between two
   pairs (a-b, c-d -> a-c, b-d), or rotate among up to `len(Effort.breadth)` pairs,
   whenever the sum rises; a work queue looks again only at people whose pair changed.
5. With an odd count the one left joins the pair it adds most to (if the hard rules
   forbid every pair: a swap, a re-matching, or a shift that makes someone else the
   extra); then triad members are swapped with people in pairs while the total rises.

The matching works on float32 scores; the proposal's scores are `Scorer.at`'s.
`Effort.for_size`: all against all up to 3,000 people (40 candidates each; rotations
among up to eight pairs up to 150 people, five above), about 3,000 others each above.

Learning groups
---------------
`form_groups` deals people into groups between `min_size` and `max_size`, spreading
each department over the groups and mixing competence profiles, then improves the mix
by swaps (seeded, so deterministic for a given seed). See its docstring for small counts.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias
from zoneinfo import ZoneInfo

from bot.assessments import Assessment
from bot.clock import ensure_utc

if TYPE_CHECKING:  # numpy, scipy and threadpoolctl are imported where pairing runs
    import numpy as np
    from numpy.typing import NDArray

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Candidate:
    """A person to pair or group.

    `strengths` are trait id -> level 1..5 from their latest self-assessment
    (`latest_ratings`); `goals` are the trait ids they want to develop. Working hours are
    local times in `timezone` (an IANA name); an end at or before the start runs past
    midnight. `team` and `department` are free labels; a group spreads `department`
    (or `team` where no department is given).
    """

    person_id: int
    strengths: Mapping[str, int] = field(default_factory=dict)
    goals: frozenset[str] = frozenset()
    timezone: str = "UTC"
    work_start: time = time(9)
    work_end: time = time(17)
    manager_id: int | None = None
    team: str | None = None
    department: str | None = None
    not_with: frozenset[int] = frozenset()
    absent: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "goals", frozenset(self.goals))
        object.__setattr__(self, "not_with", frozenset(self.not_with) - {self.person_id})
        for trait, level in self.strengths.items():
            if not 1 <= level <= 5:
                raise ValueError(f"{trait!r} level {level} is not between 1 and 5")
        try:  # an unknown zone fails here, not in the middle of matching
            ZoneInfo(self.timezone)
        except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {self.timezone!r}") from error


@dataclass(frozen=True)
class PastPairing:
    """Two people who were partners before, and since when."""

    person_a: int
    person_b: int
    paired_at: datetime


@dataclass(frozen=True)
class Weights:
    """The score's parts; the defaults are the table in the module docstring."""

    teach: float = 10.0
    expert: float = 5.0
    mutual: float = 10.0
    per_shared_hour: float = 3.0
    shared_hours_cap: float = 6.0
    no_shared_hour: float = -50.0
    same_manager: float = -20.0
    reports_to: float = -30.0
    same_team: float = -10.0
    repeat: float = -60.0
    half_life_days: float = 90.0
    teach_level: int = 4  # a strength at this level or above can be taught

    def shared_hours(self, hours: float) -> float:
        if hours <= 0:
            return self.no_shared_hour
        return self.per_shared_hour * min(hours, self.shared_hours_cap)


DEFAULT_WEIGHTS = Weights()


class UnmatchedReason(StrEnum):
    ABSENT = "absent"
    ALONE = "nobody else is present"
    NOT_WITH = "the people they must not be paired with leave no place for them"


@dataclass(frozen=True)
class Pair:
    members: tuple[int, int]
    score: float


@dataclass(frozen=True)
class Triad:
    """A pair (`members[:2]`) that `extra` joined; the score counts all three edges."""

    members: tuple[int, int, int]
    extra: int
    score: float


@dataclass(frozen=True)
class Unmatched:
    person_id: int
    reason: UnmatchedReason


@dataclass(frozen=True)
class PairingProposal:
    pairs: tuple[Pair, ...]  # the triad is not among them
    triad: Triad | None
    unmatched: tuple[Unmatched, ...]
    total_score: float

    def partners_of(self, person_id: int) -> tuple[int, ...]:
        """Who `person_id` learns with: one partner, two in the triad, none if unmatched."""
        groups: list[tuple[int, ...]] = [p.members for p in self.pairs]
        if self.triad is not None:
            groups.append(self.triad.members)
        for members in groups:
            if person_id in members:
                return tuple(m for m in members if m != person_id)
        return ()

    @property
    def matched(self) -> frozenset[int]:
        people = {m for p in self.pairs for m in p.members}
        if self.triad is not None:
            people.update(self.triad.members)
        return frozenset(people)


# ---------------------------------------------------------------------------------------
# Inputs


def latest_ratings(assessments: Iterable[Assessment]) -> dict[str, int]:
    """The ratings of a person's latest completed self-assessment (empty if none)."""
    done = [a for a in assessments if a.completed_at is not None]
    if not done:
        return {}
    return dict(max(done, key=lambda a: a.completed_at or a.started_at).ratings)


def working_window(candidate: Candidate, now: datetime) -> tuple[int, int]:
    """The working day around `now` as (start in minutes after 00:00 UTC, length in
    minutes), for the local date `now` falls on in the candidate's time zone."""
    zone = ZoneInfo(candidate.timezone)
    day = ensure_utc(now).astimezone(zone).date()
    start = datetime.combine(day, candidate.work_start, tzinfo=zone).astimezone(UTC)
    end_day = day if candidate.work_end > candidate.work_start else day + timedelta(days=1)
    end = datetime.combine(end_day, candidate.work_end, tzinfo=zone).astimezone(UTC)
    length = min(MINUTES_PER_DAY, int((end - start).total_seconds() // 60))
    return start.hour * 60 + start.minute, length


def _overlap_minutes(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Overlap of two daily windows, on the 24-hour circle (a Monday morning in Auckland
    meets a Sunday afternoon in Los Angeles: both recur every working day)."""
    (s1, l1), (s2, l2) = a, b
    total = 0
    for shift in (-MINUTES_PER_DAY, 0, MINUTES_PER_DAY):
        lo, hi = max(s1, s2 + shift), min(s1 + l1, s2 + shift + l2)
        if hi > lo:
            total += hi - lo
    return min(total, l1, l2)


def overlap_hours(a: Candidate, b: Candidate, now: datetime) -> float:
    """Hours a day both work, on the reference day `now`."""
    return _overlap_minutes(working_window(a, now), working_window(b, now)) / 60


# ---------------------------------------------------------------------------------------
# Scoring


_Indices: TypeAlias = "Sequence[int] | NDArray[np.intp]"  # positions of people in a Scorer


class Scorer:
    """Scores of pairs in one cohort, by position (fast) or by person id (`score`).

    `None` means the pair breaks a hard rule (not_with). Absent people are not scored.
    """

    def __init__(
        self,
        candidates: Sequence[Candidate],
        history: Iterable[PastPairing],
        now: datetime,
        weights: Weights = DEFAULT_WEIGHTS,
    ) -> None:
        now = ensure_utc(now)
        self.weights = weights
        self.people = sorted((c for c in candidates if not c.absent), key=lambda c: c.person_id)
        self.n = len(self.people)
        self.pid = [c.person_id for c in self.people]
        self.position = {p: i for i, p in enumerate(self.pid)}
        if len(self.position) != self.n:
            raise ValueError("a person is among the candidates twice")

        bits: dict[str, int] = {}
        for c in self.people:
            for trait in (*c.strengths, *c.goals):
                bits.setdefault(trait, len(bits))
        self.trait_bits = bits
        self.goals = [_mask(c.goals, bits) for c in self.people]
        self.strong = [
            _mask((t for t, v in c.strengths.items() if v >= weights.teach_level), bits)
            for c in self.people
        ]
        self.expert = [
            _mask((t for t, v in c.strengths.items() if v >= 5), bits) for c in self.people
        ]

        windows: dict[tuple[int, int], int] = {}
        zone_windows: dict[tuple[str, time, time], tuple[int, int]] = {}
        self.window_class: list[int] = []
        for c in self.people:
            key = (c.timezone, c.work_start, c.work_end)
            if key not in zone_windows:
                zone_windows[key] = working_window(c, now)
            self.window_class.append(windows.setdefault(zone_windows[key], len(windows)))
        self.windows = list(windows)
        self.hours = [[_overlap_minutes(a, b) / 60 for b in self.windows] for a in self.windows]
        self.hours_term = [[weights.shared_hours(h) for h in row] for row in self.hours]

        self.manager = [c.manager_id for c in self.people]
        self.team = [c.team for c in self.people]
        banned: list[set[int]] = [set() for _ in self.people]
        for i, c in enumerate(self.people):
            for other in c.not_with:
                j = self.position.get(other)
                if j is not None:
                    banned[i].add(j)
                    banned[j].add(i)
        self.banned = [frozenset(b) for b in banned]

        self.past: dict[tuple[int, int], float] = {}
        for past in history:
            pa, pb = self.position.get(past.person_a), self.position.get(past.person_b)
            if pa is None or pb is None or pa == pb:
                continue
            age = max(0.0, (now - ensure_utc(past.paired_at)).total_seconds() / 86400)
            edge = (pa, pb) if pa < pb else (pb, pa)
            decay = 0.5 ** (age / weights.half_life_days)
            self.past[edge] = self.past.get(edge, 0.0) + weights.repeat * decay

        has_past = [False] * self.n
        for i, j in self.past:
            has_past[i] = has_past[j] = True
        self._data = list(
            zip(
                self.goals,
                self.strong,
                self.expert,
                self.window_class,
                self.manager,
                self.team,
                self.pid,
                self.banned,
                has_past,
                strict=True,
            )
        )
        w = weights
        self._w = (w.teach, w.expert, w.mutual, w.same_manager, w.reports_to, w.same_team)
        self._vec: _Vectors | None = None

    def allowed(self, i: int, j: int) -> bool:
        return i != j and j not in self.banned[i]

    def block(self, rows: _Indices, cols: _Indices) -> NDArray[np.float32]:
        """Scores of every pair (rows[r], cols[c]) at once, as `at` gives them (in
        float32, so to about 1e-6 of a point), with -inf where a hard rule forbids the
        pair (or it is one person twice). numpy: the teaching and shared-hours terms
        are one matrix product (trait indicators, and each window class's hours term
        against a one-hot of the class), `mutual` two more; the sparse parts (manager,
        team, earlier pairings, not_with) are added where they apply. `rows` and
        `cols` ascend."""
        import numpy as np

        v = self._vectors()
        r, c = np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)
        out = v.left[r] @ v.right[c].T
        mutual = v.strong32[r] @ v.goals32[c].T
        mutual *= v.goals32[r] @ v.strong32[c].T
        np.add(out, self.weights.mutual, out=out, where=mutual > 0)
        row_of = np.full(self.n, -1, dtype=np.intp)
        col_of = np.full(self.n, -1, dtype=np.intp)
        row_of[r], col_of[c] = np.arange(len(r)), np.arange(len(c))
        lo, hi = np.searchsorted(v.sparse_i, (r[0], r[-1] + 1)) if len(r) else (0, 0)
        x, y = row_of[v.sparse_i[lo:hi]], col_of[v.sparse_j[lo:hi]]
        hit = (x >= 0) & (y >= 0)
        out[x[hit], y[hit]] += v.sparse_v[lo:hi][hit]
        for code, weight in v.dense_codes:
            cr = code[r][:, None]
            out += weight * ((cr == code[c][None, :]) & (cr >= 0))
        both = np.flatnonzero(col_of[r] >= 0)
        out[both, col_of[r[both]]] = -np.inf
        return out

    def _vectors(self) -> _Vectors:
        if self._vec is None:
            self._vec = _Vectors(self)
        return self._vec

    def at(self, i: int, j: int) -> float | None:
        """The score of the people at positions i and j; None if a hard rule forbids it."""
        if i == j:
            return None
        gi, si, ei, ci, mi, ti, pi, banned, hi = self._data[i]
        if j in banned:
            return None
        gj, sj, ej, cj, mj, tj, pj, _, hj = self._data[j]
        teach, expert, mutual, same_manager, reports_to, same_team = self._w
        score = self.hours_term[ci][cj]
        i_teaches, j_teaches = si & gj, sj & gi
        if i_teaches or j_teaches:
            score += teach * (i_teaches.bit_count() + j_teaches.bit_count()) + expert * (
                (ei & gj).bit_count() + (ej & gi).bit_count()
            )
            if i_teaches and j_teaches:
                score += mutual
        if mi is not None and mi == mj:
            score += same_manager
        if mi == pj or mj == pi:
            score += reports_to
        if ti is not None and ti == tj:
            score += same_team
        if hi and hj:
            score += self.past.get((i, j) if i < j else (j, i), 0.0)
        return score

    def score(self, a: int, b: int) -> float | None:
        """The score of persons `a` and `b` (ids); None if a hard rule forbids the pair."""
        return self.at(self.position[a], self.position[b])

    def row(self, i: int, others: Iterable[int]) -> list[tuple[float, int]]:
        """(score, j) for each j in `others` that i may be paired with: `at`, unrolled
        for speed (the candidate search scores several hundred thousand pairs)."""
        teach, expert, mutual, same_manager, reports_to, same_team = self._w
        data, past = self._data, self.past
        gi, si, ei, ci, mi, ti, pi, banned, hi = data[i]
        hours = self.hours_term[ci]
        out = []
        for j in others:
            if j == i or j in banned:
                continue
            gj, sj, ej, cj, mj, tj, pj, _, hj = data[j]
            score = hours[cj]
            i_teaches, j_teaches = si & gj, sj & gi
            if i_teaches or j_teaches:
                score += teach * (i_teaches.bit_count() + j_teaches.bit_count()) + expert * (
                    (ei & gj).bit_count() + (ej & gi).bit_count()
                )
                if i_teaches and j_teaches:
                    score += mutual
            if mi is not None and mi == mj:
                score += same_manager
            if mi == pj or mj == pi:
                score += reports_to
            if ti is not None and ti == tj:
                score += same_team
            if hi and hj:
                score += past.get((i, j) if i < j else (j, i), 0.0)
            out.append((score, j))
        return out


class _Vectors:
    """A Scorer's people as numpy arrays, for `Scorer.block`. `left[i] @ right[j]` is
    the teaching and shared-hours part of the score of i and j: left = (what i offers:
    teach points on each trait they are strong in plus expert points, i's goals, i's
    hours term against each window class), right = (j's goals, what j offers, one-hot
    of j's window class). The rest as sparse (i, j, value) arrays sorted by i, both
    ways: earlier pairings, same team, same manager, reports-to; -inf for not_with. A
    team or manager of more than `DENSE_GROUP` people is compared densely instead."""

    DENSE_GROUP = 200

    def __init__(self, scorer: Scorer) -> None:
        n, traits, w = scorer.n, len(scorer.trait_bits), scorer.weights
        import numpy as np

        width = traits // 8 + 1

        def indicators(masks: Sequence[int]) -> NDArray[np.float64]:
            raw = b"".join(mask.to_bytes(width, "little") for mask in masks)
            bits = np.frombuffer(raw, dtype=np.uint8).reshape(n, width)
            return np.unpackbits(bits, axis=1, bitorder="little")[:, :traits].astype(np.float64)

        goals, strong = indicators(scorer.goals), indicators(scorer.strong)
        # `at` counts expert points only where someone teaches: the same as expert &
        # strong. Then what one offers a goal is zero unless they teach it, so no pair
        # that teaches neither way gets teaching points.
        expert = indicators([e & s for e, s in zip(scorer.expert, scorer.strong, strict=True)])
        offer = w.teach * strong + w.expert * expert
        window = np.asarray(scorer.window_class, dtype=np.intp)
        classes = len(scorer.windows)
        hours_term = np.asarray(scorer.hours_term, dtype=np.float64).reshape(classes, classes)
        one_hot = np.zeros((n, classes))
        one_hot[np.arange(n), window] = 1.0
        left = np.hstack((offer, goals, hours_term[window]))
        self.left = np.ascontiguousarray(left, dtype=np.float32)
        self.right = np.ascontiguousarray(np.hstack((goals, offer, one_hot)), dtype=np.float32)
        self.goals32, self.strong32 = goals.astype(np.float32), strong.astype(np.float32)

        parts_i: list[NDArray[np.intp]] = []
        parts_j: list[NDArray[np.intp]] = []
        parts_v: list[NDArray[np.float64]] = []

        def add(i: _Indices, j: _Indices, value: float | Sequence[float]) -> None:
            ai, aj = np.asarray(i, dtype=np.intp), np.asarray(j, dtype=np.intp)
            av = np.broadcast_to(np.asarray(value, dtype=np.float64), ai.shape)
            parts_i.extend((ai, aj))
            parts_j.extend((aj, ai))
            parts_v.extend((av, av))

        self.dense_codes: list[tuple[NDArray[np.intp], float]] = []
        labelled: tuple[tuple[Sequence[object], float], ...] = (
            (scorer.manager, w.same_manager),
            (scorer.team, w.same_team),
        )
        for labels, weight in labelled:
            groups: dict[object, list[int]] = {}
            for i, label in enumerate(labels):
                if label is not None:
                    groups.setdefault(label, []).append(i)
            big: dict[object, int] = {}
            for key, members in groups.items():
                if len(members) > self.DENSE_GROUP:
                    big[key] = len(big)
                elif len(members) > 1:
                    at = np.asarray(members, dtype=np.intp)
                    gi, gj = np.triu_indices(len(at), 1)
                    add(at[gi], at[gj], weight)
            if big:
                code = np.array([big.get(label, -1) for label in labels], dtype=np.intp)
                self.dense_codes.append((code, weight))
        reports: list[tuple[int, int]] = []
        for i, m in enumerate(scorer.manager):
            j = scorer.position.get(m, -1) if m is not None else -1
            if j >= 0 and j != i:
                reports.append((i, j))
        if reports:
            ri, rj = zip(*reports, strict=True)
            add(ri, rj, w.reports_to)
        if scorer.past:
            (pi, pj), pv = zip(*scorer.past, strict=True), list(scorer.past.values())
            add(pi, pj, pv)
        banned = [(i, j) for i, b in enumerate(scorer.banned) for j in b if i < j]
        if banned:
            bi, bj = zip(*banned, strict=True)
            add(bi, bj, -np.inf)
        if parts_i:
            i_all, j_all = np.concatenate(parts_i), np.concatenate(parts_j)
            v_all = np.concatenate(parts_v)
            key = i_all * n + j_all
            order = np.argsort(key, kind="stable")
            key, v_all = key[order], v_all[order]
            first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
            key, v_all = key[first], np.add.reduceat(v_all, first)
        else:
            key, v_all = np.zeros(0, dtype=np.intp), np.zeros(0)
        self.sparse_i, self.sparse_j = np.divmod(key, n)
        self.sparse_v = v_all.astype(np.float32)


def _mask(traits: Iterable[str], bits: Mapping[str, int]) -> int:
    mask = 0
    for trait in traits:
        mask |= 1 << bits[trait]
    return mask


# ---------------------------------------------------------------------------------------
# Candidate edges

Edges = list[list[tuple[float, int]]]  # per position: (score, other position), best first


def _candidate_edges(
    scorer: Scorer, neighbours: int, people: Sequence[int], edges: Edges, columns: int
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Add to `edges` each of `people`'s best `neighbours` partners among `people`, by
    score (`Scorer.block`, a block of rows at a time). Up to `columns` people everyone
    is scored against everyone; in a larger set a block of rows is scored against
    every k-th person (k = the set's size / `columns`, from an offset that changes from
    block to block, so nobody is everybody's candidate or nobody's). Returns the edges
    found, each once, as arrays (one end, the other end, score)."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    m = len(people)
    if m < 2:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), np.zeros(0)
    np_people = np.asarray(people, dtype=np.intp)
    found_i, found_j, found_s = [], [], []
    with threadpool_limits(1, user_api="blas"):
        for rows, cols in _blocks(scorer, np_people, columns):
            scores = scorer.block(rows, cols)
            keep = min(neighbours, len(cols))
            if keep < len(cols):
                top = np.argpartition(scores, len(cols) - keep, axis=1)[:, len(cols) - keep :]
            else:
                top = np.broadcast_to(np.arange(len(cols)), scores.shape)
            best = np.take_along_axis(scores, top, axis=1)
            allowed = best > -np.inf
            found_i.append(np.broadcast_to(rows[:, None], top.shape)[allowed])
            found_j.append(cols[top][allowed])
            found_s.append(best[allowed])
    i_all, j_all = np.concatenate(found_i), np.concatenate(found_j)
    s_all = np.concatenate(found_s).astype(np.float64)
    n = scorer.n
    key = np.minimum(i_all, j_all) * n + np.maximum(i_all, j_all)
    key, first = np.unique(key, return_index=True)
    s_all = s_all[first]
    known = [i * n + j for i in people for _, j in edges[i] if i < j]  # an earlier round's
    if known:
        new = ~np.isin(key, np.asarray(known, dtype=np.intp))
        key, s_all = key[new], s_all[new]
    lo_all, hi_all = np.divmod(key, n)
    # Each edge in both ends' lists, best first: one sort in numpy, then slices.
    ends, others = np.concatenate((lo_all, hi_all)), np.concatenate((hi_all, lo_all))
    both = np.concatenate((s_all, s_all))
    order = np.lexsort((-both, ends))
    ends = ends[order]
    flat = list(zip(both[order].tolist(), others[order].tolist(), strict=True))
    bounds = np.searchsorted(ends, np.arange(n + 1)).tolist()
    for i in people:
        lo, hi = bounds[i], bounds[i + 1]
        if lo < hi:
            edges[i] = edges[i] + flat[lo:hi] if edges[i] else flat[lo:hi]
            if known:
                edges[i].sort(reverse=True)
    return lo_all, hi_all, s_all


def _blocks(
    scorer: Scorer, people: NDArray[np.intp], columns: int
) -> Iterator[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """Blocks of (rows, columns) to score. Up to `columns` people: everyone against
    everyone. Above: the people of one window class against a sample of `columns`
    drawn from those they share the most hours with (whole classes, best first, until
    there are enough), every k-th of them from an offset that moves from block to
    block, so nobody is everybody's candidate or nobody's."""
    import numpy as np

    m = len(people)
    if m <= columns:
        step = max(1, _BLOCK_CELLS // m)
        for start in range(0, m, step):
            yield people[start : start + step], people
        return
    klass = np.asarray(scorer.window_class, dtype=np.intp)[people]
    hours = np.asarray(scorer.hours_term, dtype=np.float64)
    number = 0
    for c in np.unique(klass).tolist():
        rows_c = people[klass == c]
        term = hours[c][klass]
        levels = np.unique(term)[::-1]  # best shared hours first
        sizes = np.cumsum([np.count_nonzero(term == level) for level in levels])
        enough = levels[min(int(np.searchsorted(sizes, columns)), len(levels) - 1)]
        pool = people[term >= enough]
        stride = -(-len(pool) // columns)
        step = max(1, _BLOCK_CELLS // -(-len(pool) // stride))
        for start in range(0, len(rows_c), step):
            yield rows_c[start : start + step], pool[number % stride :: stride]
            number += 1


_BLOCK_CELLS = 1 << 20  # pairs scored at once: about 4 MB of float32 per array
# Scores from `Scorer.block` are float32: a gain must beat this to count as one (the
# parts of a score are whole points or fractions of one, far above it).
_EPS = 1e-3
_FULL_MATRIX = 3000  # up to this many people the local search looks scores up in a matrix


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


# ---------------------------------------------------------------------------------------
# Matching


class _Matching:
    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self.mate = [-1] * scorer.n
        self.pair_score = [0.0] * scorer.n  # score of the pair a matched person is in
        # The score of a pair that closes a cycle in the local search (`improve`).
        self.close: Callable[[int, int], float | None] = scorer.at

    def join(self, i: int, j: int, score: float | None = None) -> None:
        if score is None:
            score = self.scorer.at(i, j)
            assert score is not None, "joined a pair the hard rules forbid"
        self.mate[i], self.mate[j] = j, i
        self.pair_score[i] = self.pair_score[j] = score

    def unmatched(self) -> list[int]:
        return [i for i, m in enumerate(self.mate) if m < 0]

    def greedy(self, edges: Edges, people: Iterable[int]) -> None:
        mate = self.mate
        flat = [
            (-s, i, j) for i in people if mate[i] < 0 for s, j in edges[i] if i < j and mate[j] < 0
        ]
        flat.sort()
        for s, i, j in flat:
            if mate[i] < 0 and mate[j] < 0:
                self.join(i, j, -s)

    def augment_all(self) -> None:
        """While two or more are unmatched (the hard rules blocked them), look for an
        alternating path from one to another through existing pairs, and flip it."""
        left = self.unmatched()
        while len(left) >= 2:
            progressed = False
            for root in left:
                if self.mate[root] < 0 and (self._augment(root) or self._augment_deep(root)):
                    progressed = True
            left = self.unmatched()
            if not progressed:
                return

    def _augment(self, root: int, avoid: frozenset[int] = frozenset()) -> bool:
        """Breadth-first search for an alternating path root - v = w - ... - free; flip it.
        People in `avoid` are not on it. (No blossom shrinking: enough for not_with
        rules, which are sparse.)"""
        allowed, mate = self.scorer.allowed, self.mate
        parent: dict[int, int] = {root: -1}  # outer vertex -> the inner vertex before it
        inner_parent: dict[int, int] = {}  # inner vertex -> the outer vertex before it
        queue = [root]
        for x in queue:
            for y in range(self.scorer.n):
                if y in inner_parent or y in parent or y in avoid or not allowed(x, y):
                    continue
                inner_parent[y] = x
                if mate[y] < 0:
                    while True:  # flip the path back to the root
                        before = parent[x]
                        self.join(x, y)
                        if before < 0:
                            return True
                        y, x = before, inner_parent[before]
                w = mate[y]
                if w not in parent:
                    parent[w] = y
                    queue.append(w)
        return False

    def _augment_deep(
        self, root: int, avoid: frozenset[int] = frozenset(), budget: int = 200_000
    ) -> bool:
        """Depth-first search for an alternating path from root to someone free, where
        a person may be reached at either step of the path (which the breadth-first
        search misses around odd cycles); exhaustive on small cohorts, cut off after
        `budget` looks on large ones. Flips the path it finds."""
        allowed, mate, n = self.scorer.allowed, self.mate, self.scorer.n
        outer, inner = [root], []  # the path: outer[0] - inner[0] = outer[1] - inner[1] ...
        on_path = {root}
        scans = [iter(range(n))]
        looks = 0
        while scans:
            x = outer[-1]
            for y in scans[-1]:
                looks += 1
                if looks > budget:
                    return False
                if y in on_path or y in avoid or not allowed(x, y):
                    continue
                if mate[y] < 0:
                    inner.append(y)
                    for k, o in enumerate(outer):
                        self.join(o, inner[k])
                    return True
                w = mate[y]
                if w in on_path or w in avoid:
                    continue
                inner.append(y)
                outer.append(w)
                on_path.update((y, w))
                scans.append(iter(range(n)))
                break
            else:  # a dead end: step back
                scans.pop()
                on_path.discard(outer.pop())
                if inner:
                    on_path.discard(inner.pop())
        return False

    def alternating_paths(self, root: int, limit: int) -> Iterator[list[int]]:
        """Paths root - y1 = w1 - y2 = w2 ... (breadth first, at most `limit`): pairing
        root with y1, w1 with y2, ... frees the last w (`shift`)."""
        allowed, mate = self.scorer.allowed, self.mate
        back: dict[int, tuple[int, int]] = {root: (-1, -1)}  # w -> (y before it, outer)
        queue = [root]
        found = 0
        for x in queue:
            for y in range(self.scorer.n):
                w = mate[y]
                if w < 0 or w in back or y in back or not allowed(x, y):
                    continue
                back[w] = (y, x)
                queue.append(w)
                path = [w]
                while path[-1] != root:
                    y_before, x_before = back[path[-1]]
                    path += [y_before, x_before]
                yield path[::-1]
                found += 1
                if found >= limit:
                    return

    def restore(self, saved: tuple[list[int], list[float]]) -> None:
        """Back to a copy of (mate, pair_score), in place: loops hold these lists."""
        self.mate[:], self.pair_score[:] = saved

    def shift(self, path: Sequence[int]) -> None:
        for k in range(0, len(path) - 1, 2):
            self.join(path[k], path[k + 1])
        self.mate[path[-1]] = -1

    def triad_by_rematching(self, extra: int, tries: int = 200) -> tuple[int, int, int] | None:
        """A triad for `extra` when no pair admits them and no single swap helps: take
        two people a, b (apart) whom extra may join and who may be together, make them
        the triad's pair, and re-match their old partners by an alternating path; keep
        the first that works (at most `tries`). Applied to the matching."""
        allowed, mate, n = self.scorer.allowed, self.mate, self.scorer.n
        friends = [a for a in range(n) if mate[a] >= 0 and allowed(extra, a)]
        attempts = 0
        for k, a in enumerate(friends):
            for b in friends[k + 1 :]:
                if mate[a] == b or not allowed(a, b):
                    continue
                attempts += 1
                if attempts > tries:
                    return None
                saved = self.mate[:], self.pair_score[:]
                a_was, b_was = mate[a], mate[b]
                mate[a_was] = mate[b_was] = -1
                self.join(a, b)
                avoid = frozenset({extra, a, b})
                if self._augment(a_was, avoid) or self._augment_deep(a_was, avoid, 20_000):
                    return (a, b, extra)
                self.restore(saved)
        return None

    def improve(
        self,
        edges: Edges,
        passes: int,
        breadth: Sequence[int],
        start: Sequence[int] | None = None,
    ) -> None:
        """Local search by alternating cycles, Lin-Kernighan style. From a pair a-b, drop
        it and follow an edge a-c that beats it; c's partner d is now free: close the
        cycle with b-d (a 2-opt swap between two pairs) if the sum rises, else go on
        from d along another edge, up to len(breadth) pairs deep, trying breadth[k]
        edges at depth k. Every partial gain must stay positive, which prunes the
        search but loses no improving cycle that fits the breadth: some rotation of
        every improving cycle has only positive partial gains.
        A person is looked at again only when their pair changed (a work queue, from
        `start` or everyone; at most `passes` times the cohort's size looks in all)."""
        n = self.scorer.n
        queue = deque(range(n) if start is None else start)
        queued = [False] * n
        for v in queue:
            queued[v] = True
        budget = passes * n
        while queue and budget > 0:
            budget -= 1
            a = queue.popleft()
            queued[a] = False
            b = self.mate[a]
            if b < 0:
                continue
            found = self._cycle(edges, a, b, -self.pair_score[a], breadth, 0, [a, b])
            if not found:
                continue
            for i, j, s in found:
                self.join(i, j, s)
                for v in (i, j):
                    if not queued[v]:
                        queued[v] = True
                        queue.append(v)

    def _cycle(
        self,
        edges: Edges,
        x: int,
        b: int,
        gain: float,
        breadth: Sequence[int],
        depth: int,
        used: list[int],
    ) -> list[tuple[int, int, float]] | None:
        mate, pair_score, at = self.mate, self.pair_score, self.close
        tried = 0
        for s_xc, c in edges[x]:
            g1 = gain + s_xc
            if g1 <= _EPS or tried >= breadth[depth]:
                return None
            d = mate[c]
            if d < 0 or c in used:
                continue
            tried += 1
            g2 = g1 - pair_score[c]
            s_bd = at(b, d)
            if s_bd is not None and g2 + s_bd > _EPS:
                return [(x, c, s_xc), (b, d, s_bd)]
            if depth + 1 < len(breadth):
                used.extend((c, d))
                deeper = self._cycle(edges, d, b, g2, breadth, depth + 1, used)
                del used[-2:]
                if deeper:
                    return [(x, c, s_xc), *deeper]
        return None


@dataclass(frozen=True)
class Effort:
    """How hard `propose_pairs` searches. `pool_size` people are scored per person, the
    best `neighbours` of them kept as candidate partners; the local search tries
    `breadth[k]` edges at depth k and looks at each person at most `passes` times."""

    pool_size: int
    neighbours: int
    breadth: tuple[int, ...]
    passes: int = 20

    @classmethod
    def for_size(cls, n: int) -> Effort:
        """Everyone scored against everyone up to 3,000 people, 40 candidates each and
        a wide local search (rotations among up to eight pairs up to 150 people);
        above that each against about 3,000 others, 12 kept, and a narrower search
        (10,000 people in well under a second)."""
        if n <= 150:  # a deep search is cheap here, and small cohorts need it most
            return cls(3000, 40, (30, 20, 10, 8, 6, 5, 4, 3), passes=50)
        if n <= 3000:
            return cls(3000, 40, (30, 10, 5, 3, 2))
        return cls(3000, 12, (5, 3))


def propose_pairs(
    candidates: Sequence[Candidate],
    history: Iterable[PastPairing] = (),
    *,
    now: datetime,
    weights: Weights = DEFAULT_WEIGHTS,
    effort: Effort | None = None,
) -> PairingProposal:
    """Pair every present candidate (one triad if their count is odd); see the module
    docstring for the score and the algorithm. `effort` defaults to
    `Effort.for_size(number of present candidates)`."""
    from threadpoolctl import threadpool_limits

    scorer = Scorer(candidates, history, now, weights)
    effort = effort or Effort.for_size(scorer.n)
    absent = [Unmatched(c.person_id, UnmatchedReason.ABSENT) for c in candidates if c.absent]
    matching = _Matching(scorer)
    edges: Edges = [[] for _ in range(scorer.n)]
    people = list(range(scorer.n))
    if scorer.n <= min(effort.pool_size, _FULL_MATRIX):  # all against all: keep it
        with threadpool_limits(1, user_api="blas"):
            matching.close = _lookup(scorer.block(range(scorer.n), range(scorer.n)))
    first = True
    while len(people) >= 2:
        # Whom the greedy leaves alone (their candidates were taken) get a round of
        # candidates among themselves.
        found = _candidate_edges(scorer, effort.neighbours, people, edges, effort.pool_size)
        if first:
            _better_start(matching, edges, people, found)
            first = False
        matching.greedy(edges, people)
        left = matching.unmatched()
        if len(left) == len(people):
            break
        people = left
    matching.augment_all()
    matching.improve(edges, effort.passes, effort.breadth)
    return _proposal(scorer, matching, absent, edges)


def _better_start(
    matching: _Matching,
    edges: Edges,
    people: Sequence[int],
    found: tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]],
) -> None:
    """The better of two starts, each completed by the greedy: the assignment's
    (`_relaxed_start`) and the greedy's alone. The greedy's wins ties, so that among
    equal proposals the plain one is made (lowest positions paired first)."""
    relaxed = _Matching(matching.scorer)
    _relaxed_start(relaxed, *found)
    relaxed.greedy(edges, people)
    matching.greedy(edges, people)
    if len(relaxed.unmatched()) >= len(matching.unmatched()) and (
        sum(relaxed.pair_score) <= sum(matching.pair_score) + _EPS
    ):
        return
    matching.restore((relaxed.mate, relaxed.pair_score))


def _relaxed_start(
    matching: _Matching,
    ends: NDArray[np.intp],
    others: NDArray[np.intp],
    scores: NDArray[np.float64],
) -> None:
    """Start from the best assignment of the candidate graph read as bipartite (each
    person once as a row, once as a column; scipy, exact): its value bounds the best
    matching from above, and it is a set of cycles i -> j -> k ... Even cycles split
    into pairs (the better alternate half; a two-cycle is a pair); an odd cycle leaves
    out the one whose absence costs least, for the greedy and the search after it.
    Nothing happens if the candidate graph has no assignment that uses everyone."""
    import numpy as np
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n = matching.scorer.n
    if len(scores) == 0:
        return
    lift = 1.0 - float(scores.min())  # the solver needs weights other than zero
    rows, cols = np.concatenate((ends, others)), np.concatenate((others, ends))
    lifted = np.concatenate((scores, scores)) + lift
    graph = csr_array((lifted, (rows, cols)), shape=(n, n))
    try:
        _, after = min_weight_full_bipartite_matching(graph, maximize=True)
    except ValueError:  # no assignment uses everyone
        return
    keys = ends * n + others  # ascending: `_candidate_edges` gives them so
    lo, hi = np.minimum(np.arange(n), after), np.maximum(np.arange(n), after)
    two = np.flatnonzero((after[after] == np.arange(n)) & (np.arange(n) < after))
    two_scores = scores[np.searchsorted(keys, lo[two] * n + hi[two])]
    for a, b, s in zip(two.tolist(), after[two].tolist(), two_scores.tolist(), strict=True):
        matching.join(a, b, s)
    nxt = after.tolist()
    seen = [False] * n
    for v in two.tolist():
        seen[v] = seen[nxt[v]] = True
    rest = [v for v in range(n) if not seen[v]]
    for v in rest:
        if seen[v]:
            continue
        cycle = []
        while not seen[v]:
            seen[v] = True
            cycle.append(v)
            v = nxt[v]
        size = len(cycle)
        if size < 3:  # one person is a cycle only where nothing else was possible
            continue
        here = np.asarray(cycle, dtype=np.intp)
        there = np.roll(here, -1)
        at_keys = np.minimum(here, there) * n + np.maximum(here, there)
        step = scores[np.searchsorted(keys, at_keys)]  # step t: cycle[t] -> cycle[t + 1]
        if size % 2 == 0:
            start = 0 if step[0::2].sum() >= step[1::2].sum() else 1
            count = size // 2
        else:
            # Leaving out cycle[k] pairs the path after it: steps k+1, k+3, ... k+size-2.
            # Walking the steps two at a time visits all of them (size is odd), so each
            # choice of k is a window of (size - 1) / 2 in that walk.
            order = (2 * np.arange(size)) % size
            walk = np.concatenate((step[order], step[order]))
            sums = np.concatenate(([0.0], np.cumsum(walk)))
            count = (size - 1) // 2
            windows = sums[count : count + size] - sums[:size]  # window from walk[w]
            w = int(np.argmax(windows))
            start = int(order[w])  # the step the window begins with
        for t in range(count):
            k = (start + 2 * t) % size
            matching.join(cycle[k], cycle[(k + 1) % size], float(step[k]))


def _lookup(scores: NDArray[np.float32]) -> Callable[[int, int], float | None]:
    """A pair's score from the full matrix (None where a hard rule forbids it)."""

    def at(i: int, j: int) -> float | None:
        score = float(scores[i, j])
        return None if score == -math.inf else score

    return at


def _proposal(
    scorer: Scorer, matching: _Matching, absent: list[Unmatched], edges: Edges | None = None
) -> PairingProposal:
    """Turn a matching into a proposal: a leftover joins a pair as the triad (see
    `_make_triad`), whose makeup is then polished; anyone still left is reported with
    the reason."""
    left = matching.unmatched()
    triad = None
    if left and scorer.n >= 3:
        triad = _make_triad(scorer, matching, left)
        if triad is not None:
            triad = _polish_triad(scorer, matching, triad, edges)
    return _build(scorer, matching, triad, left, absent)


def _make_triad(
    scorer: Scorer, matching: _Matching, left: list[int]
) -> tuple[int, int, int] | None:
    """Place one of `left` (removed from it) as a triad's third, trying in turn: the
    pair they add most to, or taking a member's place who becomes the extra elsewhere
    (`_place_extra`); two people apart made the triad's pair, their partners re-matched
    (`triad_by_rematching`); a shift along an alternating path that pairs the leftover
    and frees someone else to place. Applied to `matching`; None if all fail."""
    plans = [p for p in (_place_extra(scorer, matching, x) for x in left) if p is not None]
    if plans:
        plan = max(plans, key=lambda p: (p[0], -p[3]))
        left.remove(plan[4][1] if plan[4] is not None else plan[3])
        return _apply_plan(matching, plan)
    for extra in left:
        rematched = matching.triad_by_rematching(extra)
        if rematched is not None:
            left.remove(extra)
            return rematched
    for person in left:
        for path in matching.alternating_paths(person, limit=100):
            saved = matching.mate[:], matching.pair_score[:]
            matching.shift(path)
            freed = path[-1]
            freed_plan = _place_extra(scorer, matching, freed)
            placed = (
                _apply_plan(matching, freed_plan)
                if freed_plan is not None
                else matching.triad_by_rematching(freed, tries=50)
            )
            if placed is not None:
                left.remove(person)
                return placed
            matching.restore(saved)
    return None


def _apply_plan(matching: _Matching, plan: _Plan) -> tuple[int, int, int]:
    _, a, b, extra, swap = plan
    if swap is not None:
        moved, newcomer, partner = swap
        matching.mate[moved] = -1
        matching.join(newcomer, partner)
    return (a, b, extra)


def _polish_triad(
    scorer: Scorer,
    matching: _Matching,
    triad: tuple[int, int, int],
    edges: Edges | None,
    passes: int = 5,
) -> tuple[int, int, int]:
    """Who is in the triad matters as much as where it is: swap a triad member t with a
    person c of a pair c-d (the triad takes c, t pairs with d), or move t out to join
    c-d as the triad's third, while either raises the total. With `edges`, c is one of
    the triad members' candidate partners; else anyone."""
    at, mate = scorer.at, matching.mate
    for _ in range(passes):
        best: tuple[float, int, int, bool] | None = None
        if edges is None:
            others: Iterable[int] = range(scorer.n)
        else:
            others = sorted({j for t in triad for _, j in edges[t]})
        for t in triad:
            o1, o2 = (m for m in triad if m != t)
            s_o, t1, t2 = at(o1, o2), at(t, o1), at(t, o2)
            if s_o is None or t1 is None or t2 is None:
                continue
            s_t = t1 + t2
            for c in others:
                d = mate[c]
                if d < 0 or c in triad:
                    continue
                s_cd = matching.pair_score[c]
                c1, c2, td = at(c, o1), at(c, o2), at(t, d)
                if c1 is not None and c2 is not None and td is not None:
                    gain = c1 + c2 + td - s_t - s_cd
                    if gain > 1e-9 and (best is None or gain > best[0]):
                        best = (gain, t, c, True)
                if edges is not None or c < d:  # t leaves, o1-o2 stay; t joins c-d
                    tc, td2 = at(t, c), at(t, d)
                    if tc is not None and td2 is not None:
                        gain = tc + td2 - s_t
                        if gain > 1e-9 and (best is None or gain > best[0]):
                            best = (gain, t, c, False)
        if best is None:
            break
        _, t, c, swap = best
        o1, o2 = (m for m in triad if m != t)
        d = mate[c]
        if swap:
            matching.join(t, d)
            matching.join(o1, o2)
            mate[c] = -1
            triad = (o1, o2, c)
        else:
            matching.join(o1, o2)
            matching.join(c, d)
            mate[t] = -1
            triad = (c, d, t)
    return triad


def _build(
    scorer: Scorer,
    matching: _Matching,
    triad: tuple[int, int, int] | None,
    left: list[int],
    absent: list[Unmatched],
) -> PairingProposal:
    reason = UnmatchedReason.ALONE if scorer.n == 1 else UnmatchedReason.NOT_WITH
    unmatched = absent + [Unmatched(scorer.pid[i], reason) for i in left]
    in_triad = set(triad) if triad else set()
    pairs = []
    for i in range(scorer.n):
        j = matching.mate[i]
        if i < j and i not in in_triad:
            pairs.append(Pair(_ids(scorer, i, j), _exact(scorer, i, j)))
    pairs.sort(key=lambda p: p.members)
    triad_out = None
    if triad is not None:
        a, b, x = triad
        s = _exact(scorer, a, b) + (scorer.at(x, a) or 0.0) + (scorer.at(x, b) or 0.0)
        lo, hi = _ids(scorer, a, b)
        triad_out = Triad((lo, hi, scorer.pid[x]), scorer.pid[x], s)
    total = sum(p.score for p in pairs) + (triad_out.score if triad_out else 0.0)
    return PairingProposal(
        tuple(pairs), triad_out, tuple(sorted(unmatched, key=lambda u: u.person_id)), total
    )


def _exact(scorer: Scorer, i: int, j: int) -> float:
    """A pair's score as `Scorer.at` gives it (the matching keeps float32 ones)."""
    score = scorer.at(i, j)
    assert score is not None, "paired two people the hard rules keep apart"
    return score


def _ids(scorer: Scorer, i: int, j: int) -> tuple[int, int]:
    a, b = scorer.pid[i], scorer.pid[j]
    return (a, b) if a < b else (b, a)


_Plan = tuple[float, int, int, int, tuple[int, int, int] | None]


def _place_extra(scorer: Scorer, matching: _Matching, extra: int) -> _Plan | None:
    """Where `extra` joins a pair: (gain, a, b, extra, None) for the pair a-b it adds most
    to. If no pair admits it: (gain, c, d, m, (m, extra, o)): extra takes m's place
    beside o, and m joins c-d instead. None if neither is possible."""
    mate, at = matching.mate, scorer.at
    best: _Plan | None = None
    for a in range(scorer.n):
        b = mate[a]
        if b < a:
            continue
        sa, sb = at(extra, a), at(extra, b)
        if sa is not None and sb is not None and (best is None or sa + sb > best[0]):
            best = (sa + sb, a, b, extra, None)
    if best is not None:
        return best
    for m in range(scorer.n):
        o = mate[m]
        if o < 0:
            continue
        s_o = at(extra, o)
        if s_o is None:
            continue
        for c in range(scorer.n):
            d = mate[c]
            if d < c or c in (m, o):
                continue
            sc, sd = at(m, c), at(m, d)
            if sc is not None and sd is not None:
                gain = sc + sd + s_o - matching.pair_score[m]
                if best is None or gain > best[0]:
                    best = (gain, c, d, m, (m, extra, o))
    return best


# ---------------------------------------------------------------------------------------
# Someone leaves


def repair_after_leaving(
    proposal: PairingProposal,
    leaving_person_id: int,
    candidates: Sequence[Candidate],
    history: Iterable[PastPairing] = (),
    *,
    now: datetime,
    weights: Weights = DEFAULT_WEIGHTS,
) -> PairingProposal:
    """The proposal without `leaving_person_id`; everybody else keeps their partner where
    possible. A triad someone leaves becomes a pair. The orphaned partner of a pair takes
    the best of: pairing with someone the proposal left unmatched, pairing with a member
    of the triad (which splits into two pairs), or, when there is no triad, joining the
    pair it adds most to as the triad. Hard rules hold; if they leave no place, the
    orphan is reported unmatched. (A partner missing from `candidates` or now absent
    counts as leaving too.)"""
    people = [c for c in candidates if c.person_id != leaving_person_id]
    scorer = Scorer(people, history, now, weights)
    pos = scorer.position
    absent = [Unmatched(c.person_id, UnmatchedReason.ABSENT) for c in people if c.absent]
    matching = _Matching(scorer)
    orphans: list[int] = []
    for pair in proposal.pairs:
        present = [pos[m] for m in pair.members if m in pos]
        if len(present) == 2:
            matching.join(*present)
        orphans.extend(present if len(present) == 1 else [])
    triad: tuple[int, int, int] | None = None
    if proposal.triad is not None:
        a, b, x = (pos.get(m) for m in proposal.triad.members)
        present = [m for m in (a, b, x) if m is not None]
        if a is not None and b is not None and x is not None:
            matching.join(a, b)
            triad = (a, b, x)
        elif len(present) == 2:
            matching.join(*present)
        else:
            orphans.extend(present)
    left = [
        pos[u.person_id]
        for u in proposal.unmatched
        if u.person_id in pos and u.reason is not UnmatchedReason.ABSENT
    ]
    for orphan in orphans:
        # Each option: (gain, the new pairs, whom it takes off the unmatched list,
        # whether it dissolves the triad).
        options: list[_Option] = [
            (s, [(orphan, u)], u, False) for u in left if (s := scorer.at(orphan, u)) is not None
        ]
        if triad is not None:
            options += _split_triad(scorer, matching, orphan, triad)
        if options:
            _, new_pairs, taken, dissolves = max(options, key=lambda o: o[0])
            for i, j in new_pairs:
                matching.join(i, j)
            if taken is not None:
                left.remove(taken)
            if dissolves:
                triad = None
        elif triad is None and (placed := _make_triad(scorer, matching, [orphan])) is not None:
            triad = placed
        else:
            left.append(orphan)
    return _build(scorer, matching, triad, left, absent)


_Option = tuple[float, list[tuple[int, int]], int | None, bool]


def _split_triad(
    scorer: Scorer, matching: _Matching, orphan: int, triad: tuple[int, int, int]
) -> list[_Option]:
    """Ways to place the orphan by splitting the triad into two pairs: the orphan with a
    member m, the other two together; or, if the hard rules forbid all those, the orphan
    takes c from a pair c-d, d goes with m, and the triad's other two pair up."""
    at, mate = scorer.at, matching.mate
    splits = []
    for m in triad:
        one, two = (t for t in triad if t != m)
        s_rest = at(one, two)
        if s_rest is not None:
            splits.append((m, one, two, s_rest))
    options: list[_Option] = []
    for m, one, two, s_rest in splits:
        s_om = at(orphan, m)
        if s_om is not None:
            options.append((s_om + s_rest, [(orphan, m), (one, two)], None, True))
    if options:
        return options
    for c in range(scorer.n):
        d = mate[c]
        if d < 0 or c == orphan or c in triad or d in triad:
            continue
        s_oc = at(orphan, c)
        if s_oc is None:
            continue
        for m, one, two, s_rest in splits:
            s_dm = at(d, m)
            if s_dm is not None:
                gain = s_oc + s_dm + s_rest - matching.pair_score[c]
                options.append((gain, [(orphan, c), (d, m), (one, two)], None, True))
    return options


# ---------------------------------------------------------------------------------------
# Learning groups


@dataclass(frozen=True)
class Group:
    members: tuple[int, ...]


@dataclass(frozen=True)
class GroupWeights:
    """What a group's mix costs; lower is better. Departments outweigh the rest."""

    not_with: float = 1000.0  # per pair in a group that one of them ruled out
    same_department: float = 100.0  # per two members of one department
    same_manager: float = 5.0  # per two members with one manager
    strength_covered: float = 2.0  # reward per distinct trait someone is strong in
    goal_taught: float = 3.0  # reward per member's goal that another member is strong in


def form_groups(
    candidates: Sequence[Candidate],
    min_size: int = 4,
    max_size: int = 6,
    *,
    seed: int = 0,
    weights: GroupWeights = GroupWeights(),  # noqa: B008 (frozen, so a safe default)
    teach_level: int = 4,
) -> list[Group]:
    """Learning groups of the present candidates, each of `min_size`..`max_size` people.

    The number of groups is the feasible one nearest to groups of the middle size; sizes
    differ by at most one. Departments are dealt round the groups (largest first) so each
    spreads evenly, then seeded swaps between groups lower the cost in `GroupWeights`:
    not_with pairs first, then department and manager clusters, then the competence mix
    (distinct strengths in the group, goals someone in the group can teach).

    Below `min_size` present people everyone forms one smaller group (none if nobody is
    present). Where no split fits the bounds (7 people in groups of 4..6), the groups are
    as few as keeps everybody at `min_size` or more, so they exceed `max_size` (one group
    of 7). not_with is kept where any arrangement allows it, not guaranteed.
    """
    if not 2 <= min_size <= max_size:
        raise ValueError(f"group sizes {min_size}..{max_size} make no sense")
    people = sorted((c for c in candidates if not c.absent), key=lambda c: c.person_id)
    n = len(people)
    if n == 0:
        return []
    if n < min_size:
        return [Group(tuple(c.person_id for c in people))]
    fewest, most = math.ceil(n / max_size), n // min_size
    target = n / ((min_size + max_size) / 2)
    count = min(max(round(target), fewest), most) if fewest <= most else max(1, most)
    sizes = [n // count + (1 if k < n % count else 0) for k in range(count)]

    rng = random.Random(seed)
    by_department: dict[str | None, list[int]] = {}
    for i, c in enumerate(people):
        by_department.setdefault(c.department or c.team, []).append(i)
    undeclared = by_department.pop(None, [])
    departments = sorted(by_department.items(), key=lambda kv: (-len(kv[1]), kv[0]))

    def profile(i: int) -> tuple[str, ...]:
        s = people[i].strengths
        return tuple(sorted(s, key=lambda t: (-s[t], t))[:2])

    order: list[int] = []
    for _, members in departments:
        rng.shuffle(members)
        members.sort(key=profile)
        order.extend(members)
    rng.shuffle(undeclared)
    undeclared.sort(key=profile)
    order.extend(undeclared)

    groups: list[list[int]] = [[] for _ in range(count)]
    snake = list(range(count)) + list(range(count - 1, -1, -1))
    step = 0
    for i in order:
        while len(groups[snake[step % len(snake)]]) >= sizes[snake[step % len(snake)]]:
            step += 1
        groups[snake[step % len(snake)]].append(i)
        step += 1

    cost = _GroupCost(people, weights, teach_level)
    costs = [cost(g) for g in groups]
    if count > 1:
        where = {i: k for k, g in enumerate(groups) for i in g}
        stale, attempts = 0, 0
        limit = min(40 * n, 20_000)
        while attempts < limit and stale < min(8 * n, 4_000):
            attempts += 1
            i, j = rng.randrange(n), rng.randrange(n)
            gi, gj = where[i], where[j]
            if gi == gj:
                continue
            a, b = groups[gi], groups[gj]
            new_a = [j if x == i else x for x in a]
            new_b = [i if x == j else x for x in b]
            ca, cb = cost(new_a), cost(new_b)
            if ca + cb < costs[gi] + costs[gj] - 1e-9:
                groups[gi], groups[gj] = new_a, new_b
                costs[gi], costs[gj] = ca, cb
                where[i], where[j] = gj, gi
                stale = 0
            else:
                stale += 1
    result = [Group(tuple(sorted(people[i].person_id for i in g))) for g in groups]
    return sorted(result, key=lambda g: g.members)


class _GroupCost:
    """A group's cost under GroupWeights; traits as bits, people by position."""

    def __init__(self, people: Sequence[Candidate], weights: GroupWeights, level: int) -> None:
        self.w = weights
        position = {c.person_id: i for i, c in enumerate(people)}
        self.department = [c.department or c.team for c in people]
        self.manager = [c.manager_id for c in people]
        banned: list[set[int]] = [set() for _ in people]
        for i, c in enumerate(people):
            for other in c.not_with:
                if other in position:
                    banned[i].add(position[other])
                    banned[position[other]].add(i)
        self.banned = banned
        bits: dict[str, int] = {}
        for c in people:
            for trait in (*c.strengths, *c.goals):
                bits.setdefault(trait, len(bits))
        self.strong = [
            _mask((t for t, v in c.strengths.items() if v >= level), bits) for c in people
        ]
        self.goals = [_mask(c.goals, bits) for c in people]

    def __call__(self, group: Sequence[int]) -> float:
        w = self.w
        cost = 0.0
        departments: dict[str, int] = {}
        managers: dict[int, int] = {}
        for x, i in enumerate(group):
            d, m = self.department[i], self.manager[i]
            if d is not None:
                cost += w.same_department * departments.get(d, 0)
                departments[d] = departments.get(d, 0) + 1
            if m is not None:
                cost += w.same_manager * managers.get(m, 0)
                managers[m] = managers.get(m, 0) + 1
            banned = self.banned[i]
            if banned:
                cost += w.not_with * sum(1 for j in group[x + 1 :] if j in banned)
        strong = [self.strong[i] for i in group]
        before = [0]  # OR of the strengths of the members before / after each one
        for mask in strong:
            before.append(before[-1] | mask)
        after = 0
        taught = 0
        for x in range(len(group) - 1, -1, -1):
            taught += (self.goals[group[x]] & (before[x] | after)).bit_count()
            after |= strong[x]
        cost -= w.strength_covered * before[-1].bit_count() + w.goal_taught * taught
        return cost
