"""The inbox's use cases: record incoming work before the ack, claim it, mark it done.

DESIGN.md, "Ingress: ack only what is safe": an adapter answers a request with success
only after `record` returned (the work is in the database under the request's key) or
said it was recorded before (a retry or replay: nothing more to do). Workers `claim`
rows (atomic, with a lease), run the work, and the core marks the row done in the
transaction of the work's change (`Incoming.inbox`, bot/service.py), so the change and
the done flag commit together: exactly once, even when two workers race for a row whose
lease ran out. `finish` covers work that changes nothing (a read, a refusal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.clock import Clock
from bot.domain import InboxClaim, InboxItem, InboxStatus
from bot.i18n import N_
from bot.ports import UnitOfWorkFactory

LEASE = timedelta(seconds=30)
MAX_ATTEMPTS = 5
KEPT = timedelta(hours=1)  # done rows keep their key this long (Slack replays within 5 min)

# What the asker is told when their request could not be recorded (translated where it
# is said: `_(NOT_SAVED)`, in the asker's language as far as the platform tells it).
NOT_SAVED = N_(
    "Nothing was saved: Tandem can't reach its database right now. Please try again in a minute."
)


class Abandoned(RuntimeError):
    """The caller stopped waiting for the record (and said "not saved"): rolled back."""


class Recorded(StrEnum):
    NEW = "new"  # recorded now: the work will run
    DUPLICATE = "duplicate"  # recorded before: a retry or a replay, nothing more to do


class Inbox:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        worker: str,
        lease: timedelta = LEASE,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self.worker = worker
        self.lease = lease
        self.max_attempts = max_attempts

    def record(
        self,
        key: str,
        kind: str,
        payload: dict[str, Any],
        wanted: Callable[[], bool] | None = None,
        hold: bool = False,
    ) -> tuple[Recorded, int | None]:
        """Record the work; raises if the database cannot take it (then say "not saved").
        Returns whether it is new, and the row's id if so. `wanted`: asked just before the
        commit; if the caller has given up waiting meanwhile (and told the person nothing
        was saved), nothing is committed. `hold`: the row is recorded as claimed by this
        worker (which does the work itself, at once), so no sweep takes it meanwhile."""
        now = self._clock.now()
        item = InboxItem(key=key, kind=kind, payload=payload, created_at=now)
        if hold:
            item.status, item.claimed_by = InboxStatus.CLAIMED, self.worker
            item.claimed_until, item.attempts = now + self.lease, 1
        with self._uow_factory() as uow:
            stored = uow.inbox.add(item)
            if wanted is not None and not wanted():
                raise Abandoned(key)
            uow.commit()
        return (Recorded.NEW, item.id) if stored else (Recorded.DUPLICATE, None)

    def record_many(
        self, entries: Sequence[tuple[str, str, dict[str, Any], Callable[[], bool]]]
    ) -> list[tuple[Recorded, int | None] | None]:
        """Record several requests in one transaction (a group commit: one commit, one
        lock, for all who arrived together). Each entry is (key, kind, payload, wanted);
        its result is as `record`'s, or None if it was no longer wanted by the commit
        (it is then not recorded). Raises if the database cannot take them."""
        results: list[tuple[Recorded, int | None] | None] = [None] * len(entries)
        live = [i for i, entry in enumerate(entries) if entry[3]()]
        while live:
            now = self._clock.now()
            with self._uow_factory() as uow:
                items = {
                    i: InboxItem(
                        key=entries[i][0], kind=entries[i][1], payload=entries[i][2], created_at=now
                    )
                    for i in live
                }
                stored = {id(item) for item in uow.inbox.add_many(list(items.values()))}
                for i, item in items.items():
                    new = id(item) in stored
                    results[i] = (Recorded.NEW, item.id) if new else (Recorded.DUPLICATE, None)
                still = [i for i in live if entries[i][3]()]
                if len(still) == len(live):
                    uow.commit()
                    return results
            for i in live:  # rolled back: try again with those still waiting
                results[i] = None
            live = still
        return results

    def claim(
        self,
        limit: int = 10,
        ids: Iterable[int] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> list[InboxItem]:
        """Take pending rows (or rows whose holder's lease ran out) for this worker; only
        of `kinds`, if given (each platform's worker does its own)."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            items = uow.inbox.claim(self.worker, now, now + self.lease, limit, ids, kinds)
            uow.commit()
        return items

    def resume(self, busy: Iterable[int], limit: int = 10) -> list[InboxItem]:
        """Take back this worker's own claims that it is not working on (`busy`): after
        its database went away and came back, at once rather than after their lease."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            items = uow.inbox.resume(self.worker, now + self.lease, limit, busy)
            uow.commit()
        return items

    def release_all(self, worker: str) -> int:
        """Hand back everything `worker` (a dead process) held, for others to take now."""
        with self._uow_factory() as uow:
            released = uow.inbox.release_all(worker)
            uow.commit()
        return released

    def hand_back(self, item_id: int) -> None:
        """Give a row back untouched (stopping before its work was done)."""
        with self._uow_factory() as uow:
            uow.inbox.release(item_id, self.worker, "handed back at shutdown")
            uow.commit()

    def renew(self, ids: Iterable[int]) -> set[int]:
        """Extend this worker's leases on `ids` (while it works on them)."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            renewed = uow.inbox.renew(ids, self.worker, now, now + self.lease)
            uow.commit()
        return renewed

    def now(self) -> datetime:
        return self._clock.now()

    def get(self, item_id: int) -> InboxItem | None:
        with self._uow_factory() as uow:
            return uow.inbox.get(item_id)

    def claim_of(self, item: InboxItem) -> InboxClaim:
        assert item.id is not None
        return InboxClaim(item.id, self.worker)

    def finish(self, item_id: int) -> bool:
        """Mark done (if this worker still holds it): for work that changed nothing."""
        with self._uow_factory() as uow:
            done = uow.inbox.finish(item_id, self.worker, self._clock.now())
            uow.commit()
        return done

    def give_back(self, item: InboxItem, error: str) -> bool:
        """The work failed before it was done: try again later, or give up after
        `max_attempts`. True if it will be tried again."""
        assert item.id is not None
        with self._uow_factory() as uow:
            if item.attempts >= self.max_attempts:
                uow.inbox.fail(item.id, self.worker, error)
                again = False
            else:
                uow.inbox.release(item.id, self.worker, error)
                again = True
            uow.commit()
        return again

    def prune(self) -> int:
        with self._uow_factory() as uow:
            pruned = uow.inbox.prune(self._clock.now() - KEPT)
            uow.commit()
        return pruned
