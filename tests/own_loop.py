"""Running a coroutine from a synchronous test."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Coroutine


def run_in_own_loop(coroutine: Coroutine, timeout: float | None = None) -> Any:
    """Runs `coroutine` on a loop of its own, in a thread: the browser tests' Playwright keeps
    an event loop running in the main thread for the whole session, and asyncio.run refuses
    to start another there."""
    if timeout is not None:
        coroutine = asyncio.wait_for(coroutine, timeout)
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
