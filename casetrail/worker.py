"""One thread per service process for everything that touches its event store."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class ApplicationThread:
    """Runs the (synchronous) eventsourcing application off the event loop, one call at a time.

    One writer means HTTP commands and bus messages never race for the same aggregate
    version, and SQLite sees a single writer, as it prefers.
    """

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        # In the caller's context, as asyncio.to_thread does: a keyed HTTP request's key
        # reaches the command's save (casetrail/idempotency.py).
        context = contextvars.copy_context()
        return await loop.run_in_executor(
            self._executor, functools.partial(context.run, fn, *args, **kwargs))

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
