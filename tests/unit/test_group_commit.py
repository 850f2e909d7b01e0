import threading
import time

import pytest

from peerless.group_commit import GroupCommit


class Recorder:
    """A batch call that takes a while, so that threads arriving meanwhile gather."""

    def __init__(self, pause: float = 0.05, fail_on: str | None = None,
                 raise_on: str | None = None):
        self.batches: list[list[str]] = []
        self.pause = pause
        self.fail_on = fail_on
        self.raise_on = raise_on

    def __call__(self, items: list[str]):
        self.batches.append(list(items))
        time.sleep(self.pause)
        if self.raise_on in items:
            raise ConnectionError("the service is down")
        return [ValueError(f"{item} refused") if item == self.fail_on else item.upper()
                for item in items]


def in_threads(group: GroupCommit, items: list[str], sizes: dict[str, int] | None = None):
    outcomes: dict[str, object] = {}

    def submit(item: str) -> None:
        try:
            outcomes[item] = group.submit(item, size=(sizes or {}).get(item, 0))
        except Exception as error:
            outcomes[item] = error

    threads = [threading.Thread(target=submit, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
        time.sleep(0.002)
    for thread in threads:
        thread.join(10)
    return outcomes


def test_an_item_alone_goes_at_once():
    send = Recorder(pause=0)
    group = GroupCommit(send, max_items=10)
    started = time.perf_counter()
    assert group.submit("one") == "ONE"
    assert time.perf_counter() - started < 0.05
    assert send.batches == [["one"]]


def test_items_sent_at_once_share_calls_and_each_gets_its_own_outcome():
    send = Recorder()
    group = GroupCommit(send, max_items=10)
    items = [f"item{n}" for n in range(20)]
    outcomes = in_threads(group, items)
    assert outcomes == {item: item.upper() for item in items}
    assert sorted(i for batch in send.batches for i in batch) == sorted(items)
    assert len(send.batches) < len(items) / 2
    assert max(len(batch) for batch in send.batches) <= 10


def test_a_batch_keeps_within_its_size_and_a_big_item_goes_alone():
    send = Recorder()
    group = GroupCommit(send, max_items=10, max_size=100)
    items = ["first"] + [f"small{n}" for n in range(6)] + ["big"]
    sizes = {item: 30 for item in items} | {"big": 500}
    outcomes = in_threads(group, items, sizes)
    assert outcomes == {item: item.upper() for item in items}
    for batch in send.batches:
        assert batch == ["big"] or sum(sizes[i] for i in batch) <= 100


def test_an_items_error_is_raised_in_its_own_thread_only():
    send = Recorder(fail_on="bad")
    group = GroupCommit(send, max_items=10)
    outcomes = in_threads(group, ["a", "bad", "b", "c"])
    assert isinstance(outcomes["bad"], ValueError)
    assert {k: v for k, v in outcomes.items() if k != "bad"} == {"a": "A", "b": "B", "c": "C"}


def test_a_failed_call_is_raised_in_every_thread_of_its_batch_and_no_other():
    send = Recorder(raise_on="b")
    group = GroupCommit(send, max_items=10)
    outcomes = in_threads(group, ["a", "b", "c", "d"])
    failed = {item for item, outcome in outcomes.items() if isinstance(outcome, ConnectionError)}
    batch_of_b = next(batch for batch in send.batches if "b" in batch)
    assert failed == set(batch_of_b)
    assert all(outcomes[item] == item.upper() for item in outcomes if item not in failed)
    with pytest.raises(ConnectionError):
        group.submit("b")
    assert group.submit("e") == "E"  # the group is not left stuck
