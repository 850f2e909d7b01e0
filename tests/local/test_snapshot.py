import threading
import time

from peerless_local.snapshot import Snapshotter


class SlowSnapshot:
    """A snapshot that takes `cost` seconds to save, as a big table does."""

    def __init__(self, cost: float):
        self.cost = cost
        self.saves = 0
        self.saved = threading.Event()

    def save(self) -> None:
        time.sleep(self.cost)
        self.saves += 1
        self.saved.set()


def test_a_change_is_saved_soon_after_it_is_made():
    snapshot = SlowSnapshot(cost=0.01)
    snapshotter = Snapshotter(snapshot, delay=0.05).start()
    try:
        snapshotter.mark_dirty()
        assert snapshot.saved.wait(2)
    finally:
        snapshotter.stop()


def test_snapshots_of_a_stack_that_keeps_changing_are_spaced_by_their_cost():
    # Each save costs 0.2 s: back to back, 3 s of constant change would take ~12 of them
    # (with the 0.05 s delay); spaced by nine times their cost, at most a tenth of the time.
    snapshot = SlowSnapshot(cost=0.2)
    snapshotter = Snapshotter(snapshot, delay=0.05).start()
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            snapshotter.mark_dirty()
            time.sleep(0.01)
        assert 1 <= snapshot.saves <= 3
    finally:
        snapshotter.stop()
    assert snapshot.saves >= 2  # what changed last is saved at the stop
