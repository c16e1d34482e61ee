"""A timer's work, case by case, for every application that has timers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar
from uuid import UUID

from casetrail import faults, tracing
from casetrail.store import STORE_UNREACHABLE

log = logging.getLogger(__name__)
T = TypeVar("T")


def each_case(job: str, items: Iterable[T], work: Callable[[T], int]) -> int:
    """`work` on each item (a case id, or a tuple that starts with one), each case's step a
    trace of its own; the sum of what it returns. A case that fails is noted and logged by
    the error's kind only (its text can carry a row), tried again on the next tick, and
    holds up no other case. The store away stops the tick: the timer says so once."""
    done = 0
    for item in items:
        case_id = item if isinstance(item, UUID) else item[0] if isinstance(item, tuple) else None
        try:
            with tracing.span(job, case_id=case_id):
                done += work(item)
        except STORE_UNREACHABLE:
            raise
        except Exception as error:
            faults.note(error, job)
            log.warning("%s: case %s failed (%s); the other cases go on", job, case_id,
                        type(error).__name__)
    return done
