"""The acking process tells its worker process about recorded rows by lines on the
worker's stdin (adapters/slack/worker.py). The rows one group commit settles are woken
in one write at the end of that turn of the event loop; a stop comes after every row
recorded before it, so the worker never stops with a recorded row it was not told of."""

from __future__ import annotations

import asyncio

from adapters.slack.worker import WorkerProcess


class Pipe:
    """The worker's stdin as asyncio's transport takes it: each write as given."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)


class Running:
    returncode = None

    def __init__(self) -> None:
        self.stdin = Pipe()

    def terminate(self) -> None:
        self.returncode = -15


def worker_with_a_pipe() -> tuple[WorkerProcess, Pipe]:
    worker = WorkerProcess()
    process = Running()
    worker.process = process  # type: ignore[assignment]
    return worker, process.stdin


def lines(pipe: Pipe) -> list[str]:
    return b"".join(pipe.writes).decode().splitlines()


def test_rows_woken_in_one_turn_go_in_one_write_in_their_order() -> None:
    async def scenario() -> Pipe:
        worker, pipe = worker_with_a_pipe()
        for item_id in (7, 3, 12):
            worker.wake(item_id)
        assert pipe.writes == []  # not yet: at the end of this turn
        await asyncio.sleep(0)
        worker.wake(40)  # the next turn: a write of its own
        await asyncio.sleep(0)
        return pipe

    pipe = asyncio.run(scenario())
    assert len(pipe.writes) == 2
    assert lines(pipe) == ["wake 7", "wake 3", "wake 12", "wake 40"]


def test_a_stop_comes_after_the_rows_recorded_before_it() -> None:
    async def scenario() -> Pipe:
        worker, pipe = worker_with_a_pipe()
        worker.wake(5)
        worker.wake(6)
        await worker.stop(0.05)  # the process does not end by itself: it is ended
        await asyncio.sleep(0)  # the turn's flush finds nothing left to write
        return pipe

    pipe = asyncio.run(scenario())
    assert lines(pipe) == ["wake 5", "wake 6", "stop 0.5"]
