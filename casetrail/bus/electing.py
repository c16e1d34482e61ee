"""A start's lookups of streams and consumers, tried again while a cluster elects leaders.

For some seconds after a node of a JetStream cluster is lost, what it led has no leader to
answer: a lookup times out, finds no responders, or is told 503. A service starting then
waits rather than exit; but the same answers also mean JetStream is off or absent, which no
waiting mends, so it gives up after `deadline` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import nats.errors
import nats.js.errors

log = logging.getLogger(__name__)

ELECTING = (nats.errors.TimeoutError, nats.errors.NoRespondersError,
            nats.js.errors.ServiceUnavailableError)


async def while_electing(what: str, work: Callable[[], Awaitable[object]],
                         pause: float = 0.5, deadline: float = 60.0) -> None:
    """`work`, tried until it is done or `deadline` seconds have passed (then its error)."""
    failing: str | None = None
    give_up = time.monotonic() + deadline
    while True:
        try:
            await work()
        except ELECTING as error:
            if time.monotonic() >= give_up:
                raise
            if failing is None:
                log.warning("%s: JetStream does not answer (%s); trying again", what,
                            type(error).__name__)
            failing = type(error).__name__
            await asyncio.sleep(pause)
        else:
            if failing is not None:
                log.warning("%s: JetStream answers again after: %s", what, failing)
            return
