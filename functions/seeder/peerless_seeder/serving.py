"""A server of the seeder's container run in a thread with its own event loop, as the
local stack and the tests run them beside their own work (the container runs them all
in its one loop instead)."""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Awaitable, Callable

log = logging.getLogger("peerless.seeder")

# serve(stop, ready): serves until `stop` is set; calls `ready(port)` once bound.
Serve = Callable[[asyncio.Event, Callable[[int], None]], Awaitable[None]]


class ServingThread:
    def __init__(self, name: str, serve: Serve, port: int = 0):
        self.name, self.port = name, port
        self._serve = serve
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self, timeout: float = 10):
        """Starts the server and returns once it listens (`port` is then the bound one)."""
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"the {self.name} did not start")
        if self._error is not None:
            raise self._error
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()

            def ready(port: int) -> None:
                self.port = port
                self._ready.set()
            await self._serve(self._stop, ready)

        try:
            asyncio.run(main())
        except BaseException as error:
            self._error = error
            if not self._ready.is_set():
                self._ready.set()
            else:
                log.exception("the %s stopped", self.name)

    def call(self, function: Callable[[], Any], timeout: float = 5) -> Any:
        """Runs `function` in the server's loop (where its state may be read)."""
        async def run() -> Any:
            return function()
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    def stop(self, timeout: float = 10) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
