"""A service starting while its cluster elects leaders waits for an answer, but not forever."""

from __future__ import annotations

import nats.js.errors
import pytest

from casetrail.bus.electing import while_electing


class Lookups:
    """Stream lookups that find no leader `unanswered` times, then answer."""

    def __init__(self, unanswered: int) -> None:
        self.unanswered, self.tries = unanswered, 0

    async def __call__(self) -> None:
        self.tries += 1
        if self.tries <= self.unanswered:
            raise nats.js.errors.ServiceUnavailableError()


async def test_a_start_during_an_election_waits_until_jetstream_answers() -> None:
    lookups = Lookups(unanswered=2)
    await while_electing("intake", lookups, pause=0)
    assert lookups.tries == 3


async def test_a_jetstream_that_never_answers_stops_the_start() -> None:
    lookups = Lookups(unanswered=10**9)
    with pytest.raises(nats.js.errors.ServiceUnavailableError):
        await while_electing("intake", lookups, pause=0.01, deadline=0.05)
    assert lookups.tries > 1


async def test_an_error_that_is_no_election_is_not_waited_out() -> None:
    async def refused() -> None:
        raise nats.js.errors.BadRequestError()

    with pytest.raises(nats.js.errors.BadRequestError):
        await while_electing("intake", refused, pause=0)
