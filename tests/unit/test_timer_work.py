"""A timer's work goes case by case: a case that fails holds up no other and says only its
kind; the store away stops the tick, for the timer to say once."""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.persistence import OperationalError

from casetrail import faults
from casetrail.timer_work import each_case


def test_a_case_that_fails_is_noted_by_its_kind_and_the_others_go_on(
        caplog: pytest.LogCaptureFixture) -> None:
    failing, fine = uuid4(), uuid4()

    def step(case_id: object) -> int:
        if case_id == failing:
            raise ValueError("王芳 13900000001")  # an error's text may carry a row
        return 1

    book = faults.LastError()
    done = faults.noting(book).run(each_case, "escalating", [failing, fine], step)
    assert done == 1
    assert book.last is not None and (book.last.kind, book.last.where) == (
        "ValueError", "escalating")
    assert [r.getMessage() for r in caplog.records] == [
        f"escalating: case {failing} failed (ValueError); the other cases go on"]
    assert all(r.exc_info is None for r in caplog.records)


def test_the_store_away_stops_the_tick() -> None:
    done: list[object] = []

    def step(case_id: object) -> int:
        if not done:
            done.append(case_id)
            raise OperationalError("the database is restarting")
        return 1

    with pytest.raises(OperationalError):
        each_case("escalating", [uuid4(), uuid4()], step)
    assert len(done) == 1
