"""Handing acked work on: the listeners ack, then give `hand_off` a module-level
coroutine function and its arguments. In one process it runs as a task beside the acks
(`SlackContext.hand_off`); in HTTP mode it is put on a queue to the worker process, whose
`SlackContext` runs it, so the process that acks does nothing else."""

from __future__ import annotations

import multiprocessing.queues
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

Work = Callable[..., Coroutine[Any, Any, None]]  # (context, *args) -> None, module-level


class Front(Protocol):
    """What a listener needs: somewhere to hand its work after the ack."""

    def hand_off(self, work: Work, *args: Any) -> None: ...


class QueueFront:
    """Hands work to the worker process. The arguments are the request's JSON parts,
    and `work` is pickled by reference, so the worker needs nothing in memory."""

    def __init__(self, queue: multiprocessing.queues.Queue) -> None:  # type: ignore[type-arg]
        self._queue = queue

    def hand_off(self, work: Work, *args: Any) -> None:
        self._queue.put((work, args))
