"""A delivery worker in a process of its own, for the crash tests: it claims a batch,
delivers the first row to the fake platform, and is then killed (SIGKILL) by itself,
either before sending (`--die before-send`) or after sending but before `mark_sent`
(`--die after-send`). Run as `python -m tests.support.outbox_worker URL SCHEMA MODE`."""

from __future__ import annotations

import os
import signal
import sys

from adapters.clock import SystemClock
from bot.delivery import Delivery, DeliveryRules
from storage.engine import make_engine
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.support.fake_platform import FakePlatformSender


def main(url: str, schema: str, mode: str) -> None:
    engine = make_engine(url, search_path=schema or None)
    delivery = Delivery(SqlUnitOfWorkFactory(engine), SystemClock(), "doomed", DeliveryRules())
    rows, people = delivery.claim()
    print(f"claimed {len(rows)}", flush=True)
    if mode == "after-send":
        FakePlatformSender(engine).send(people[rows[0].recipient_id], None, rows[0].idempotency_key)
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    main(*sys.argv[1:4])
