"""A client that does not read its messages is closed, not buffered without end."""
import asyncio

from peerless_seeder.server import Outbox
from tests.own_loop import run_in_own_loop


class StuckSocket:
    """A WebSocket whose peer stopped reading: every write waits forever."""

    def __init__(self):
        self.sent, self.closed_with = [], None

    async def send_str(self, text):
        self.sent.append(text)
        await asyncio.Event().wait()

    async def close(self, code, message):
        self.closed_with = (code, message)


class OpenSocket(StuckSocket):
    async def send_str(self, text):
        self.sent.append(text)


def test_a_stuck_reader_is_closed_once_its_outbox_is_full():
    async def scenario():
        ws = StuckSocket()
        outbox = Outbox(ws, limit=1000)
        writer = asyncio.create_task(outbox.run())
        for _ in range(30):
            outbox.push("x" * 100)
            await asyncio.sleep(0)
        assert outbox.closing and outbox.queued <= 1000
        writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)

    run_in_own_loop(scenario())


def test_messages_leave_in_order_then_the_close():
    async def scenario():
        ws = OpenSocket()
        outbox = Outbox(ws, limit=1000)
        writer = asyncio.create_task(outbox.run())
        for i in range(5):
            outbox.push(str(i))
        outbox.close(1008, "too many messages")
        outbox.push("after")
        await asyncio.wait_for(writer, 1)
        assert ws.sent == ["0", "1", "2", "3", "4"]
        assert ws.closed_with == (1008, b"too many messages")
        assert outbox.queued == 0

    run_in_own_loop(scenario())
