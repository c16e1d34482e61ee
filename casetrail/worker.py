"""One thread per service process for everything that touches its event store."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from casetrail import idempotency

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
        # In the caller's context, as asyncio.to_thread does: a keyed HTTP request reaches
        # the command's saves (casetrail/idempotency.py).
        context = contextvars.copy_context()
        keyed = context.get(idempotency.keyed)
        if keyed is not None and keyed.holding:
            raise RuntimeError("a keyed command's route runs one command: its saves are held "
                               "for its answer")
        returned: asyncio.Future[T] = loop.create_future()

        def call() -> T:
            result = context.run(fn, *args, **kwargs)
            if keyed is not None and keyed.holding:
                # The route gets the result now; this thread commits the held events with
                # the answer the route builds from it, before taking any other work.
                loop.call_soon_threadsafe(_settle, returned, result)
                # Still in the request's context: the commit is part of its trace.
                context.run(keyed.commit_when_answered)
            return result

        job = loop.run_in_executor(self._executor, call)
        await asyncio.wait({job, returned}, return_when=asyncio.FIRST_COMPLETED)
        if returned.done() and keyed is not None:
            keyed.finishing = job
            return returned.result()
        return job.result()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)


def _settle(future: asyncio.Future[T], result: T) -> None:
    if not future.done():
        future.set_result(result)
