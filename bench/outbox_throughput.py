"""How fast the outbox is claimed and delivered against a no-op sender.

For each database (SQLite in a temporary file; PostgreSQL from DATABASE_URL, in a schema
of its own that is dropped afterwards) and each worker count (1 and 3 processes), it
queues ROWS due check-ins, starts the workers together, and times them until every row
is marked sent. Each configuration runs RUNS times; the median is reported, and the
ratio 3 workers / 1 worker is taken from medians measured in the same run.

    python bench/outbox_throughput.py [--rows 20000] [--runs 3] [--batch 100]

The delivery code is the production `bot.delivery.Delivery` with its default rules
(batch of 100 unless --batch says otherwise); only the sender does nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, func, select, text  # noqa: E402

from adapters.clock import SystemClock  # noqa: E402
from bot.delivery import Delivery, DeliveryRules, SendResult  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.tables import outbox  # noqa: E402
from tests.support.seeding import empty_all_tables, seed_outbox  # noqa: E402


class NoopSender:
    def send(self, recipient, reply, idempotency_key, attempt=1):  # noqa: ANN001, ANN201
        return SendResult.sent()


def seed(engine: Engine, rows: int) -> None:
    now = datetime.now(UTC)
    empty_all_tables(engine)
    seed_outbox(engine, rows, due_at=now - timedelta(seconds=1), now=now, recipients=200)


def worker(url: str, schema: str | None, name: str, batch: int, ready, start) -> None:  # noqa: ANN001
    from storage.unit_of_work import SqlUnitOfWorkFactory

    engine = make_engine(url, search_path=schema)
    delivery = Delivery(
        SqlUnitOfWorkFactory(engine), SystemClock(), name, DeliveryRules(batch=batch)
    )
    with engine.connect():
        pass  # open the pool before the clock starts
    ready.put(name)
    start.wait()
    delivery.drain(NoopSender(), max_batches=10**6)
    engine.dispose()


def measure(url: str, schema: str | None, rows: int, workers: int, batch: int) -> float:
    engine = make_engine(url, search_path=schema)
    seed(engine, rows)
    context = multiprocessing.get_context("spawn")
    ready, start = context.Queue(), context.Event()
    processes = [
        context.Process(target=worker, args=(url, schema, f"w{i}", batch, ready, start))
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    for _ in processes:  # every worker has imported and connected: start the clock
        ready.get(timeout=120)
    began = time.perf_counter()
    start.set()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - began
    with engine.connect() as connection:
        sent = connection.execute(
            select(func.count()).select_from(outbox).where(outbox.c.status == "sent")
        ).scalar_one()
    engine.dispose()
    assert sent == rows, f"only {sent} of {rows} rows were sent"
    return rows / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=DeliveryRules().batch)
    args = parser.parse_args()

    targets: list[tuple[str, str, str | None]] = []
    folder = tempfile.mkdtemp(prefix="tandem-bench-")
    sqlite_url = f"sqlite:///{os.path.join(folder, 'bench.db')}"
    upgrade(make_engine(sqlite_url))
    targets.append(("SQLite", sqlite_url, None))
    admin = None
    pg_url = os.environ.get("DATABASE_URL", "")
    schema = f"tandem_bench_{uuid.uuid4().hex[:8]}"
    if pg_url.startswith("postgres"):
        admin = make_engine(pg_url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        upgrade(make_engine(pg_url, search_path=schema))
        targets.append(("PostgreSQL", pg_url, schema))
    else:
        print("DATABASE_URL names no PostgreSQL database: measuring SQLite only")

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )
    print(f"{args.rows} rows per run, batch {args.batch}, median of {args.runs} runs\n")
    print(f"{'database':<12}{'workers':>8}{'rows/s (median)':>18}  runs")
    try:
        for label, url, target_schema in targets:
            medians = {}
            for workers in (1, 3):
                rates = [
                    measure(url, target_schema, args.rows, workers, args.batch)
                    for _ in range(args.runs)
                ]
                medians[workers] = statistics.median(rates)
                runs = ", ".join(f"{r:,.0f}" for r in rates)
                print(f"{label:<12}{workers:>8}{medians[workers]:>18,.0f}  {runs}")
            print(f"{label:<12}{'3 / 1':>8}{medians[3] / medians[1]:>18.2f}")
    finally:
        if admin is not None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
