"""The working side of `tandem slack`: everything after the ack. The core, the Slack
context that answers people (adapters/slack/answers.py), the inbox worker that does the
recorded requests (adapters/inbox_worker.py), and the outbox delivery and heartbeat
(adapters/scheduler.py). It runs in the worker process (adapters/slack/worker.py) or,
in Socket Mode, beside the acks in one process; `Work.stop` is its one drain, in both."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import aiohttp

from adapters.bootstrap import Application
from adapters.dm_channels import DmChannels
from adapters.inbox_worker import InboxWorker
from adapters.pacing import Pacer
from adapters.scheduler import BackgroundWork
from adapters.slack import listeners
from adapters.slack.answers import SlackContext
from adapters.slack.client import async_client, sync_client
from adapters.slack.identity import Profiles
from adapters.slack.sender import SlackSender
from bot.domain import InboxClaim, InboxItem
from storage.replicas import Replicas

log = logging.getLogger(__name__)


def slack_context(
    app: Application, session: aiohttp.ClientSession, dm_channels: DmChannels
) -> SlackContext:
    """What does the work after the ack: the core, the Web API client, profiles."""
    client = async_client(app.settings, session)
    return SlackContext(app.tandem, client, Profiles(client), session, dm_channels)


def inbox_worker(app: Application, context: SlackContext, poll: float = 2.0) -> InboxWorker:
    """Does the recorded requests' work (sweeping every `poll` seconds for rows left or
    given back); tells the asker when a request is given up."""

    async def run(item: InboxItem, claim: InboxClaim) -> None:
        await listeners.run(context, item, claim, app.inbox.now())

    async def given_up(item: InboxItem, reference: str) -> None:
        await listeners.given_up(context, item, reference, app.inbox.now())

    return InboxWorker(app.inbox, run, kinds=listeners.WORK, poll=poll, given_up=given_up)


def background_work(app: Application, dm_channels: DmChannels) -> BackgroundWork:
    """The outbox delivered to Slack, the due-work tick and the replicas' heartbeat."""
    settings = app.settings
    pacer = Pacer(rate=settings.slack_postmessage_rps, per_key_interval=1.0)
    replicas = Replicas(app.engine)

    def share_the_budget() -> None:
        """SLACK_POSTMESSAGE_RPS is the workspace's: each live replica paces at its share."""
        live = replicas.beat(app.delivery.worker, datetime.now(UTC))
        pacer.set_rate(settings.slack_postmessage_rps / max(1, live))

    return BackgroundWork(
        app.due_work,
        app.delivery,
        SlackSender(sync_client(settings), pacer, dm_channels, app.tandem),
        app.signal,
        heartbeat=share_the_budget,
        interrupt=pacer.interrupt,
        lrs=app.lrs,
    )


class Work:
    """The working side, started and stopped as one."""

    def __init__(self, app: Application, session: aiohttp.ClientSession) -> None:
        self.app = app
        dm_channels = DmChannels()
        self.context = slack_context(app, session, dm_channels)
        self.inbox = inbox_worker(app, self.context)
        self.background = background_work(app, dm_channels)

    def start(self) -> None:
        """Start (inside the running event loop): delivery and the tick, and the inbox
        worker, which first takes what an earlier process left in the inbox."""
        self.background.start()
        self.inbox.start()

    def wake(self, item_id: int) -> None:
        """A row was recorded: take it now (callable from any thread)."""
        self.inbox.wake(item_id)

    async def stop(self, timeout: float) -> None:
        """Within `timeout` seconds: claim nothing more; finish the requests and the send
        in hand, hand back the rest (inbox rows and the outbox batch: another replica
        takes them at once), then leave the replicas."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout

        def left(margin: float) -> float:
            return max(0.2, deadline - loop.time() - margin)

        # Delivery stops beside the inbox's drain: each finishes what it has in hand.
        delivery = asyncio.ensure_future(asyncio.to_thread(self.background.stop, left(1.0)))
        await self.inbox.stop(timeout=left(1.5))
        await self.context.drain(timeout=left(1.0))
        await asyncio.wait({delivery}, timeout=left(0.5))
        try:
            await asyncio.wait_for(
                asyncio.to_thread(Replicas(self.app.engine).leave, self.app.delivery.worker),
                timeout=left(0.0),
            )
        except Exception as error:  # the database is gone: the heartbeat ages out instead
            log.warning("could not leave the replicas", extra={"error": type(error).__name__})
