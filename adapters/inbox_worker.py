"""Running the inbox (bot/inbox.py) in an adapter's event loop.

The process that recorded a request wakes its worker at once with the row's id (same
process: `wake`; HTTP mode's worker process: through the queue), so nothing waits for a
poll. Every `poll` seconds the worker also claims whatever is pending: rows recorded by a
process that died before its worker took them, rows given back after a failure, rows
whose holder's lease ran out, and its own claims that it is not working on (left when
its database went away: taken back at once, not after their lease). While a row is
worked on, its lease is renewed; on a stop, what did not finish in time is handed back.

Work that raises is logged with a reference (adapters/unexpected.py) and given back, to be
tried again by the next sweep (the error may pass: the database was away), up to the
inbox's `max_attempts`. Only when it is given up is the asker told, through `given_up`,
with the last reference: "Something went wrong; nothing was changed" (bot/replies.py),
which is then true, as every attempt rolled back. Work that raised after its change
committed (the row is done) is not tried again and not called unchanged: only logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from adapters.unexpected import logged
from bot.domain import InboxClaim, InboxItem
from bot.inbox import Inbox

log = logging.getLogger(__name__)

PRUNE_EVERY = 600.0  # seconds between removals of old done rows
Run = Callable[[InboxItem, InboxClaim], Awaitable[None]]
GivenUp = Callable[[InboxItem, str], Awaitable[None]]  # (the row, the error's reference)


class InboxWorker:
    def __init__(
        self,
        inbox: Inbox,
        run: Run,
        kinds: Iterable[str] | None = None,
        poll: float = 2.0,
        batch: int = 20,
        given_up: GivenUp | None = None,
    ) -> None:
        self.inbox = inbox
        self._given_up = given_up
        self._kinds = list(kinds) if kinds is not None else None
        self._run = run
        self._poll = poll
        self._batch = batch
        # The inbox's own small pool: claims and marks are short database work, kept off
        # the event loop and out of the way of the core's pool.
        self._executor = ThreadPoolExecutor(2, "inbox")
        self._woken: asyncio.Queue[int | None] = asyncio.Queue()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        # Rows this process records as its own claims and works on outside the worker (a
        # Discord interaction done at once): a sweep never takes one back while it is
        # being recorded or in hand; their leases are renewed with the worker's.
        self._recording = 0
        self._held: set[int] = set()
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None
        self._pruned = time.monotonic()

    async def _db(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def start(self) -> None:
        """Start working (inside the running event loop)."""
        self._loop = asyncio.get_running_loop()
        self._main = self._loop.create_task(self._serve())

    def wake(self, item_id: int | None = None) -> None:
        """A row was recorded: take it now. Callable from any thread."""
        if self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._woken.put_nowait, item_id)

    async def _serve(self) -> None:
        renewing = asyncio.ensure_future(self._renew_leases())
        try:
            await self._sweep()  # what an earlier process left
            while not self._stopping:
                try:
                    item_id = await asyncio.wait_for(self._woken.get(), self._poll)
                except TimeoutError:
                    await self._sweep()
                    continue
                if item_id is None:
                    await self._sweep()
                    continue
                ids = [item_id]  # and every other row woken meanwhile: one claim for all
                while not self._woken.empty() and len(ids) < self._batch:
                    more = self._woken.get_nowait()
                    if more is not None:
                        ids.append(more)
                await self._take(ids)
        finally:
            renewing.cancel()

    async def _sweep(self) -> None:
        await self._take(None)
        if time.monotonic() - self._pruned > PRUNE_EVERY:
            self._pruned = time.monotonic()
            try:
                await self._db(self.inbox.prune)
            except Exception as error:
                log.warning("could not prune the inbox", extra={"error": type(error).__name__})

    async def _take(self, ids: list[int] | None) -> None:
        if self._stopping:
            return
        try:
            items = []
            if ids is None:  # own claims left when the database went away: at once
                busy = [*self._in_flight, *self._held]
                items = await self._db(self.inbox.resume, busy, self._batch)
                # A row recorded while the resume ran may be among them: once every such
                # recording has registered its row as held, leave the held ones alone.
                while items and self._recording:
                    await asyncio.sleep(0.01)
                items = [i for i in items if i.id not in self._held]
            items += await self._db(self.inbox.claim, self._batch, ids, self._kinds)
        except Exception as error:  # the database is away: the next sweep tries again
            log.warning("could not claim inbox rows", extra={"error": type(error).__name__})
            return
        for item in items:
            assert item.id is not None
            task = asyncio.get_running_loop().create_task(self._work(item))
            self._in_flight[item.id] = task

    async def _work(self, item: InboxItem) -> None:
        assert item.id is not None
        claim = self.inbox.claim_of(item)
        try:
            await self._run(item, claim)
        except Exception as error:
            reference = logged(
                log,
                "inbox work failed",
                error,
                kind=item.kind,
                item=item.id,
                attempt=item.attempts,
                committed=claim.finished,
            )
            if not claim.finished:  # nothing of it committed: try again, or give up
                await self._give_back(item, error, reference)
        else:
            try:  # work that changed nothing (a read, a refusal) was not marked by the core
                if not claim.finished:
                    await self._db(self.inbox.finish, item.id)
            except Exception as error:
                log.warning("could not mark inbox row done", extra={"error": type(error).__name__})
        finally:
            self._in_flight.pop(item.id, None)

    async def _give_back(self, item: InboxItem, error: Exception, reference: str) -> None:
        try:
            again = await self._db(self.inbox.give_back, item, type(error).__name__)
        except Exception:  # the lease runs out, and it is taken again
            return
        if again or self._given_up is None:
            return
        try:
            await self._given_up(item, reference)
        except Exception as failure:
            log.warning(
                "could not tell the asker their request was given up",
                extra={"error": type(failure).__name__, "reference": reference},
            )

    async def _renew_leases(self) -> None:
        every = max(1.0, self.inbox.lease.total_seconds() / 3)
        while True:
            await asyncio.sleep(every)
            if self._in_flight or self._held:
                try:
                    await self._db(self.inbox.renew, [*self._in_flight, *self._held])
                except Exception as error:
                    log.warning("could not renew leases", extra={"error": type(error).__name__})

    def busy(self) -> int:
        return len(self._in_flight)

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        """Around recording a row held by this process (then `hold` it before leaving)."""
        self._recording += 1
        try:
            yield
        finally:
            self._recording -= 1

    def hold(self, item_id: int) -> None:
        """`item_id` is in hand here (done at once by the process that recorded it)."""
        self._held.add(item_id)

    def unhold(self, item_id: int) -> None:
        self._held.discard(item_id)

    async def stop(self, timeout: float) -> None:
        """Claim nothing more; let the work in hand finish (up to `timeout` seconds)."""
        self._stopping = True
        self._woken.put_nowait(None)
        if self._in_flight:
            await asyncio.wait(set(self._in_flight.values()), timeout=timeout)
        if self._main is not None:
            self._main.cancel()
        # What did not finish in time is handed back, so another replica takes it now
        # rather than when its lease runs out. (Should the core call still commit, it
        # finds the row no longer held and changes nothing: exactly once holds.)
        unfinished = list(self._in_flight.items())
        for item_id, task in unfinished:
            task.cancel()
            try:
                await asyncio.wait_for(self._db(self.inbox.hand_back, item_id), 1.0)
            except Exception as error:
                log.warning("could not hand back", extra={"error": type(error).__name__})
        if unfinished:
            log.info("handed back at shutdown", extra={"inbox_rows": len(unfinished)})
        self._executor.shutdown(wait=False)
