"""The Slack worker process: everything after the ack, in a process of its own.

In HTTP mode `tandem slack` acks in one process and does the work in this one: the
core calls (database work), the answers through response_url, modals, the Home tab,
and the outbox delivery and heartbeat. The acking process records each request as an
inbox row (adapters/slack/handoff.py), wakes this process with the row's id through a
queue, and otherwise only verifies signatures and acks, so a burst of work never delays
an ack. This process also takes rows left pending by a process that died (a sweep at
start and every few seconds). This process serves /healthz and /metrics
on a local port, which the acking process answers through. It stops when told (None on
the queue), and at once if the acking process is gone (killed: its claims expire and are
taken over, as after any crash).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing.connection
import multiprocessing.queues
import os
import sys
import threading
import time
from typing import Any

import aiohttp

from adapters import endpoints, logs
from adapters.bootstrap import Application, build
from adapters.clock import SystemClock
from adapters.dm_channels import DmChannels
from adapters.settings import Settings
from bot.domain import Platform
from storage.replicas import Replicas

log = logging.getLogger(__name__)
DRAIN_BOUND = 4.0  # seconds to finish acked work on a stop (inside the acking process's bound)


def run(queue: multiprocessing.queues.Queue, ready: multiprocessing.connection.Connection) -> None:  # type: ignore[type-arg]
    """The worker's entry point (started with multiprocessing's spawn)."""
    logs.configure(logging.INFO)
    # The acks come first: where both processes want the CPU, the one that acks gets it;
    # acked work waits a moment longer, which nobody sees.
    os.nice(5)
    parent = os.getppid()
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    app = build(Settings(), SystemClock(), platform=Platform.SLACK)
    try:
        asyncio.run(_work(app, queue, ready))
    finally:
        app.close()
    # Done and closed: leave now, as `tandem slack` itself does (adapters/cli.py); the
    # interpreter's teardown was seen to hang past the shutdown bound.
    logging.shutdown()
    sys.stderr.flush()
    os._exit(0)


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:  # the acking process is gone
            log.error("the acking process is gone; the worker stops")
            sys.stderr.flush()
            os._exit(1)
        time.sleep(0.2)


async def _work(
    app: Application,
    queue: multiprocessing.queues.Queue,  # type: ignore[type-arg]
    ready: multiprocessing.connection.Connection,
) -> None:
    from adapters.slack.app import background_work, inbox_worker, slack_context

    session = aiohttp.ClientSession()
    dm_channels = DmChannels()
    context = slack_context(app, session, dm_channels)
    inbox = inbox_worker(app, context)
    work = background_work(app, dm_channels)
    runner = await endpoints.serve(app.engine, "127.0.0.1", 0)
    port = runner.addresses[0][1]
    work.start()
    inbox.start()  # first takes what an earlier process left in the inbox
    ready.send(port)
    try:
        while True:
            job: Any = await asyncio.to_thread(queue.get)
            if job is None:
                break
            inbox.wake(job)  # the id of a row the acking process just recorded
    finally:
        await inbox.stop(timeout=DRAIN_BOUND)
        await context.drain(timeout=1.0)
        await asyncio.to_thread(work.stop, 1.0)
        await runner.cleanup()
        await session.close()
        try:
            await asyncio.to_thread(Replicas(app.engine).leave, app.delivery.worker)
        except Exception as error:
            log.warning("could not leave the replicas", extra={"error": type(error).__name__})
