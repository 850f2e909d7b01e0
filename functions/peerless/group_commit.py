"""Group commit: the same call made at once by parallel threads, joined into one batch.

A thread hands its item in and waits. When no batch is in flight, the first thread waiting
sends all that waits (within the batch's limits) in one call, and every thread gets its own
item's outcome. Nothing waits for company: an item alone goes at once, and while a batch
is in flight the next one gathers. On Lambda, which gives an instance one request at a
time, every batch holds one item; a process serving many requests (the local stack's
front) makes one call where it would have made ten.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


@dataclass(eq=False)
class _Waiting(Generic[Item]):
    item: Item
    size: int
    done: bool = False
    outcome: Any = None
    error: BaseException | None = field(default=None, repr=False)


class GroupCommit(Generic[Item, Outcome]):
    """`send(items)` makes the batch call and returns one outcome per item, in order: a
    value, or an exception to be raised in that item's thread. An exception `send` raises
    is raised in every thread of the batch."""

    def __init__(self, send: Callable[[list[Item]], Sequence[Outcome | BaseException]], *,
                 max_items: int, max_size: int | None = None):
        self._send = send
        self._max_items = max_items
        self._max_size = max_size
        self._changed = threading.Condition()
        self._waiting: list[_Waiting[Item]] = []
        self._sending = False

    def submit(self, item: Item, size: int = 0) -> Outcome:
        """Sends `item` within a batch and returns its outcome (or raises its error).
        `size` counts against the batch's `max_size`; an item bigger than it goes alone."""
        mine = _Waiting(item, size)
        with self._changed:
            self._waiting.append(mine)
            while True:
                self._changed.wait_for(lambda: mine.done or not self._sending)
                if mine.done:
                    break
                batch = self._take()
                self._sending = True
                self._changed.release()
                try:
                    self._send_batch(batch)
                finally:
                    self._changed.acquire()
                    self._sending = False
                    self._changed.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.outcome

    def _take(self) -> list[_Waiting[Item]]:
        # In arrival order, so that no item waits behind ever newer ones.
        batch, size = [self._waiting[0]], self._waiting[0].size
        for waiting in self._waiting[1:self._max_items]:
            if self._max_size is not None and size + waiting.size > self._max_size:
                break
            batch.append(waiting)
            size += waiting.size
        del self._waiting[:len(batch)]
        return batch

    def _send_batch(self, batch: list[_Waiting[Item]]) -> None:
        try:
            outcomes = list(self._send([waiting.item for waiting in batch]))
            if len(outcomes) != len(batch):
                raise RuntimeError(f"{len(outcomes)} outcomes for a batch of {len(batch)}")
        except BaseException as error:
            outcomes = [error] * len(batch)
        for waiting, outcome in zip(batch, outcomes):
            if isinstance(outcome, BaseException):
                waiting.error = outcome
            else:
                waiting.outcome = outcome
            waiting.done = True
