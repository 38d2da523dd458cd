"""How a heartbeat tick and an outbox claim grow with the company, on PostgreSQL.

For each size (1,000, 10,000 and 100,000 people by default) it seeds, with COPY, a
company in a schema of its own: every person has a weekly check-in schedule, a check-in
from last week, a timer in the future and an outbox backlog (one pending row due now and
one sent row each); a tenth of them have a check-in asked and waiting for its reminder
later today. Of them, DUE people (1,000) have their check-in due now, and 100 timers are
due. Then:

- tick: the production `bot.scheduling.DueWork.run` at a fixed clock (asks the due
  check-ins, writes their outbox rows, advances the schedules, removes the due timers);
  the state is put back after each run, outside the timing;
- claim: the production `storage.outbox.SqlOutbox.claim` of 100 rows from the backlog
  (all N rows pending and due), in a transaction rolled back afterwards; with and without
  the platform filter a Slack replica's delivery uses.

Each is the median of RUNS runs. The reference is the issue's target (tick with 1,000 due
among 100,000 under 1 s; claim of 100 from a backlog of 100,000 under 10 ms), and the
growth ratio from the smallest to the largest size in the same run: flat means it grows
with what is due, not with how many exist. It prints EXPLAIN (ANALYZE) of every distinct
statement a tick and a claim send at the largest size (the scans they use), and plots the
curves to docs/bench/heartbeat-growth.png.

    DATABASE_URL=postgresql://... python bench/heartbeat.py [--sizes 1000,10000,100000]
        [--runs 5] [--due 1000] [--plot docs/bench/heartbeat-growth.png] [--plans]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, event, text  # noqa: E402

from bot.clock import FixedClock  # noqa: E402
from bot.domain import Platform  # noqa: E402
from bot.policy import Policy  # noqa: E402
from bot.replies import Audience, Reply  # noqa: E402
from bot.scheduling import DueWork  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.outbox import SqlOutbox  # noqa: E402
from storage.unit_of_work import SqlUnitOfWorkFactory  # noqa: E402
from tests.support.seeding import empty_all_tables  # noqa: E402

# Wednesday 2 December 2026, 14:00 UTC: nobody's quiet hours in the zones below.
NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata")
TICK_TARGET_S, CLAIM_TARGET_MS = 1.0, 10.0
TICK_CPU: list[float] = []  # this process's CPU seconds per tick (less moved by load)


def _copy(engine: Engine, table: str, columns: str, rows: Iterator[tuple[Any, ...]]) -> None:
    """COPY rows (tab-separated text, \\N for NULL) into `table`."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        raw.commit()
    finally:
        raw.close()


def due_people(size: int, due: int) -> list[int]:
    step = max(1, size // due)
    return list(range(1, size + 1, step))[:due]


def seed(engine: Engine, size: int, due: int) -> list[int]:
    """The company of `size` people described above; returns the ids of those due."""
    empty_all_tables(engine)
    now, week = NOW.isoformat(), timedelta(days=7)
    ids = range(1, size + 1)
    _copy(
        engine,
        "people",
        "platform, workspace, user_id, display_name, timezone, locale, is_facilitator,"
        " created_at, timezone_chosen, diary_numbered",
        (
            ("slack", "T1", f"U{i:07d}", f"Person {i}", ZONES[i % 4], "en", "f", now, "f", 0)
            for i in ids
        ),
    )
    due_ids = due_people(size, due)
    wanted = set(due_ids)
    minute = timedelta(minutes=1)

    def next_due(i: int) -> str:
        if i in wanted:
            return (NOW - minute).isoformat()
        return (NOW + timedelta(seconds=60 + (i * 7919) % (7 * 86400 - 120))).isoformat()

    _copy(
        engine,
        "checkin_schedules",
        "person_id, weekdays, wall_time, enabled, paused_until, next_due_at, created_at",
        ((i, "2", "14:00", "t", None, next_due(i), now) for i in ids),
    )
    last_week = (NOW - week).isoformat()
    later_today = (NOW + timedelta(hours=3)).isoformat()
    tomorrow = (NOW + timedelta(days=1)).isoformat()
    _copy(
        engine,
        "checkins",
        "person_id, due_at, status, questions, requested, asked_at, remind_at, expires_at,"
        " answered_at",
        ((i, last_week, "answered", "[]", "f", last_week, None, None, last_week) for i in ids),
    )
    _copy(  # a tenth have a check-in asked this morning, its reminder due later today
        engine,
        "checkins",
        "person_id, due_at, status, questions, requested, asked_at, remind_at, expires_at",
        (
            (
                i,
                (NOW - timedelta(hours=2)).isoformat(),
                "asked",
                "[]",
                "f",
                now,
                later_today,
                tomorrow,
            )
            for i in ids
            if i % 10 == 3 and i not in wanted
        ),
    )
    _copy(  # a timer each in the future; 100 of them due now (a kind no handler knows:
        # the bench measures finding and removing them, not a handler's own work)
        engine,
        "timers",
        "kind, subject, due_at",
        (("bench", str(i), (NOW - minute if i <= 100 else NOW + week).isoformat()) for i in ids),
    )
    payload = Reply(text="Hello.", audience=Audience.DM).model_dump_json()
    yesterday = (NOW - timedelta(days=1)).isoformat()
    _copy(  # the backlog: one pending row each, due now; and one sent row each (history)
        engine,
        "outbox",
        "recipient_id, payload, idempotency_key, due_at, status, attempts, created_at,"
        " sent_at, kind",
        (
            row
            for i in ids
            for row in (
                (
                    i,
                    payload,
                    f"backlog:{i}",
                    (NOW - minute).isoformat(),
                    "pending",
                    0,
                    yesterday,
                    None,
                    "message",
                ),
                (i, payload, f"history:{i}", yesterday, "sent", 1, yesterday, yesterday, "message"),
            )
        ),
    )
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return due_ids


def restore(engine: Engine, due_ids: list[int]) -> None:
    """Undo a tick: the due schedules due again, their new check-ins and rows gone, the
    due timers back."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE checkin_schedules SET next_due_at = :due WHERE person_id = ANY(:ids)"),
            {"due": NOW - timedelta(minutes=1), "ids": due_ids},
        )
        connection.execute(
            text("DELETE FROM checkins WHERE person_id = ANY(:ids) AND due_at = :due"),
            {"due": NOW - timedelta(minutes=1), "ids": due_ids},
        )
        connection.execute(
            text("DELETE FROM outbox WHERE created_at = :now AND kind = 'checkin'"),
            {"now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO timers (kind, subject, due_at) SELECT 'bench', g::text, :due"
                " FROM generate_series(1, 100) g ON CONFLICT DO NOTHING"
            ),
            {"due": NOW - timedelta(minutes=1)},
        )


@contextmanager
def recording(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement `engine` sends meanwhile, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def listen(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if not executemany:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def tick(engine: Engine, due_ids: list[int]) -> tuple[float, int]:
    work = DueWork(SqlUnitOfWorkFactory(engine), FixedClock(NOW), Policy())
    began, cpu = time.perf_counter(), time.process_time()
    report = work.run()
    elapsed = time.perf_counter() - began
    TICK_CPU.append(time.process_time() - cpu)
    restore(engine, due_ids)
    return elapsed, report.asked


def claim(engine: Engine, platform_filter: Platform | None) -> tuple[float, int]:
    with engine.connect() as connection:
        transaction = connection.begin()
        began = time.perf_counter()
        rows = SqlOutbox(connection).claim(
            "bench", NOW, NOW + timedelta(seconds=30), 100, platform_filter
        )
        elapsed = time.perf_counter() - began
        transaction.rollback()
    return elapsed, len(rows)


def median_of(runs: int, measure: Any) -> tuple[float, list[float], int]:
    results = [measure() for _ in range(runs)]
    times = [t for t, _ in results]
    return statistics.median(times), times, results[-1][1]


_SCAN = re.compile(r"(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)( using \S+)? on \S+")


def explain(engine: Engine, statements: list[tuple[str, Any]], full: bool) -> None:
    """EXPLAIN (ANALYZE) each distinct statement once, in a transaction rolled back."""
    done: set[str] = set()
    for statement, parameters in statements:
        shape = statement.strip()
        if shape in done or not re.match(r"(SELECT|UPDATE|DELETE|WITH|INSERT)", shape):
            continue
        done.add(shape)
        with engine.connect() as connection:
            transaction = connection.begin()
            plan = [
                row[0]
                for row in connection.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {statement}", parameters
                )
            ]
            transaction.rollback()
        first = " ".join(shape.split())[:110]
        scans = sorted({m.group(0) for line in plan for m in [_SCAN.search(line)] if m})
        print(f"  {first}")
        if full:
            for line in plan:
                print(f"      {line}")
        else:
            print(f"      scans: {'; '.join(scans) or '(none)'}; {plan[-1].strip()}")


def plot(
    path: Path,
    sizes: list[int],
    ticks: list[float],
    cpus: list[float],
    claims: list[float],
    claims_platform: list[float],
    due: int,
    load: float,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(sizes, [t * 1000 for t in ticks], "o-", label=f"tick, {due:,} due (wall)")
    left.plot(sizes, [c * 1000 for c in cpus], "s-", label="its CPU time in this process")
    left.axhline(TICK_TARGET_S * 1000, color="grey", linestyle="--", label="target 1 s")
    left.set_title("Heartbeat tick")
    right.plot(sizes, [c * 1000 for c in claims], "o-", label="claim 100")
    right.plot(sizes, [c * 1000 for c in claims_platform], "s-", label="claim 100, one platform")
    right.axhline(CLAIM_TARGET_MS, color="grey", linestyle="--", label="target 10 ms")
    right.set_title("Outbox claim from a backlog of one row per person")
    for axes in (left, right):
        axes.set_xscale("log")
        axes.set_xlabel("people (each with a schedule, a timer, outbox rows)")
        axes.set_ylabel("ms (median)")
        axes.set_ylim(bottom=0)
        axes.legend()
        axes.grid(alpha=0.3)
    figure.suptitle(f"PostgreSQL, {os.cpu_count()} CPUs, load {load:.1f}", fontsize=9)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    print(f"\nplotted {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--plot", type=Path, default=ROOT / "docs/bench/heartbeat-growth.png")
    parser.add_argument("--plans", action="store_true", help="print whole plans")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database")
    sizes = [int(s) for s in args.sizes.split(",")]
    schema = f"tandem_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, search_path=schema)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}"
    )
    print(f"{args.due:,} due per tick, median of {args.runs} runs\n")
    print(
        f"{'people':>8}{'seed s':>8}{'tick ms':>9}{'asked':>7}{'ms/due':>8}"
        f"{'claim ms':>10}{'+platform':>10}{'tick CPU ms':>12}  tick runs / claim runs"
    )
    ticks, claims, claims_platform, cpus = [], [], [], []
    try:
        upgrade(engine)
        for size in sizes:
            began = time.perf_counter()
            due_ids = seed(engine, size, args.due)
            seeded = time.perf_counter() - began
            tick(engine, due_ids)  # warm: caches, prepared plans
            TICK_CPU.clear()
            t, t_runs, asked = median_of(args.runs, lambda ids=due_ids: tick(engine, ids))
            cpus.append(statistics.median(TICK_CPU))
            claim(engine, None)
            c, c_runs, claimed = median_of(args.runs * 4, lambda: claim(engine, None))
            cp, _, _ = median_of(args.runs * 4, lambda: claim(engine, Platform.SLACK))
            assert claimed == 100, claimed
            ticks.append(t)
            claims.append(c)
            claims_platform.append(cp)
            print(
                f"{size:>8,}{seeded:>8.1f}{t * 1000:>9.0f}{asked:>7}"
                f"{t * 1000 / max(asked, 1):>8.2f}"
                f"{c * 1000:>10.2f}{cp * 1000:>10.2f}{cpus[-1] * 1000:>12.0f}  "
                f"{', '.join(f'{x * 1000:.0f}' for x in t_runs)} / "
                f"{', '.join(f'{x * 1000:.1f}' for x in c_runs[:5])}..."
            )
        print(
            f"\ntick with {args.due:,} due among {sizes[-1]:,}: {ticks[-1]:.2f} s "
            f"(target under {TICK_TARGET_S:.0f} s); growth {sizes[0]:,} -> {sizes[-1]:,} "
            f"people: x{ticks[-1] / ticks[0]:.2f}"
        )
        print(
            f"claim of 100 from a backlog of {sizes[-1]:,}: {claims[-1] * 1000:.2f} ms, "
            f"{claims_platform[-1] * 1000:.2f} ms with the platform filter (target under "
            f"{CLAIM_TARGET_MS:.0f} ms); growth x{claims[-1] / claims[0]:.2f}, "
            f"x{claims_platform[-1] / claims_platform[0]:.2f}"
        )
        print(f"\nplans at {sizes[-1]:,} people (EXPLAIN ANALYZE, each distinct statement once):")
        with recording(engine) as statements:
            work = DueWork(SqlUnitOfWorkFactory(engine), FixedClock(NOW), Policy())
            work.run()
        restore(engine, due_ids)
        per_due = len(statements) / max(1, args.due)
        print(f" the tick sent {len(statements):,} statements: {per_due:.1f} per due person")
        print(" the tick:")
        explain(engine, statements, args.plans)
        for label, which in (("a claim", None), ("a claim for one platform", Platform.SLACK)):
            with recording(engine) as statements:
                claim(engine, which)
            print(f" {label}:")
            explain(engine, statements, True)
        load = os.getloadavg()[0]
        print(f"\nload at the end: {load:.2f}")
        if args.plot:
            plot(args.plot, sizes, ticks, cpus, claims, claims_platform, args.due, load)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
