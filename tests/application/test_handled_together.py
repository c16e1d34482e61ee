"""A batch of messages is handled with the effects of all in one commit, and reads exactly
as if each message had been handled and committed alone."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking
from opentelemetry.trace import INVALID_SPAN, Span

from casetrail.bus.handling import Handler, Taken, handle_together, handled_before, handled_mark
from contracts.codes import Channel, KeyConcern, Role, Sign, Tier
from contracts.envelope import Envelope
from contracts.events import intake, read_data
from services.assessment.application import AssessmentApplication
from services.assessment.bootstrap import build_assessment
from services.assessment.domain.assessment import Assessment
from tests.application.conftest import deliver, detected, envelope


@pytest.fixture
def assessment(env: dict[str, str]) -> AssessmentApplication:
    return build_assessment(env)


@contextlib.contextmanager
def untraced() -> Iterator[Span]:
    yield INVALID_SPAN


def taken(handler: Handler, message: Envelope) -> Taken:
    data: Any = read_data(message)
    return Taken(handler, message, data,
                 handled_mark(message.service, message, message.to_bytes()), untraced)


def commits(app: AssessmentApplication) -> list[int]:
    """The number of events of each commit the app makes from now on."""
    made: list[int] = []
    app.on_commit.append(lambda events: made.append(len(events)))
    return made


def detections(app: AssessmentApplication, count: int) -> tuple[list[UUID], list[Taken]]:
    case_ids = [uuid4() for _ in range(count)]
    return case_ids, [taken(app.on_case_detected,
                            envelope("intake", case_id, detected(Sign.GRADE_SWING)))
                      for case_id in case_ids]


def concerns_noted(app: AssessmentApplication, case_id: UUID) -> Taken:
    return taken(app.on_key_concerns_noted, envelope("intake", case_id, intake.KeyConcernsNoted(
        key_concerns=[KeyConcern.BEREAVED])))


def test_a_batch_of_detections_is_stored_in_one_commit(
        assessment: AssessmentApplication) -> None:
    made = commits(assessment)
    case_ids, batch = detections(assessment, 5)
    assert handle_together(assessment, batch) == (5, None)
    assert made == [10]  # each case opened and its tier proposed
    for case_id in case_ids:
        assert assessment.get_case(case_id, Assessment).proposed_tier == Tier.GENERAL


def test_a_message_after_one_of_its_case_in_the_same_batch_sees_what_that_one_did(
        assessment: AssessmentApplication) -> None:
    made = commits(assessment)
    case_ids, batch = detections(assessment, 2)
    attached = taken(assessment.on_report_attached, envelope("intake", case_ids[0],
                     intake.ReportAttached(report_id=uuid4(), channel=Channel.PEER,
                                           reporter_role=Role.PEER,
                                           signs=[Sign.SUICIDAL_IDEATION], imminent=False)))
    noted = concerns_noted(assessment, case_ids[1])
    assert handle_together(assessment, [*batch, attached, noted]) == (4, None)
    assert assessment.get_case(case_ids[0], Assessment).proposed_tier == Tier.SERIOUS
    assert assessment.get_case(case_ids[1], Assessment).key_concerns == ["bereaved"]
    # Reading the first case committed the two detections; the rest went in one more.
    assert len(made) == 2


def test_the_same_message_twice_in_a_batch_is_handled_once(
        assessment: AssessmentApplication) -> None:
    case_ids, [detection] = detections(assessment, 1)
    assert handle_together(assessment, [detection, detection]) == (2, None)
    assert assessment.get_case(case_ids[0], Assessment).version == 2


def test_a_message_that_fails_stops_the_batch_with_nothing_stored_since_the_last_commit(
        assessment: AssessmentApplication) -> None:
    case_ids, batch = detections(assessment, 3)
    unknown = concerns_noted(assessment, uuid4())  # no such case here: it fails
    assert handle_together(assessment, [*batch[:2], unknown, batch[2]]) == (0, "CaseNotFound")
    # Nothing was stored: each is handled again alone, as the inbox does, and then once.
    assert assessment.find_case(case_ids[0], Assessment) is None
    assert all(deliver(assessment, item.handler, item.envelope) for item in batch[:2])
    assert assessment.find_case(case_ids[2], Assessment) is None


def test_what_a_read_committed_before_a_failure_stays_committed_and_is_counted(
        assessment: AssessmentApplication) -> None:
    case_ids, batch = detections(assessment, 3)
    unknown = concerns_noted(assessment, uuid4())
    # The third message reads the first case: the two detections are committed then.
    noted = concerns_noted(assessment, case_ids[0])
    assert handle_together(assessment, [*batch[:2], noted, unknown, batch[2]]) == (
        2, "CaseNotFound")
    assert assessment.get_case(case_ids[1], Assessment).version == 2
    assert assessment.get_case(case_ids[0], Assessment).key_concerns == []
    assert assessment.find_case(case_ids[2], Assessment) is None
    assert not deliver(assessment, batch[0].handler, batch[0].envelope)  # handled already


def test_a_batch_whose_commit_fails_stores_nothing_of_it(
        assessment: AssessmentApplication) -> None:
    made = commits(assessment)
    case_ids, batch = detections(assessment, 2)
    # A second detection of the first case under another event id opens it again: at the
    # commit its first version is taken already, so the commit fails whole.
    again = taken(assessment.on_case_detected,
                  envelope("intake", case_ids[0], detected(Sign.GRADE_SWING)))
    assert handle_together(assessment, [*batch, again]) == (0, "IntegrityError")
    assert made == []
    assert all(assessment.find_case(case_id, Assessment) is None for case_id in case_ids)


def test_after_a_batch_each_save_commits_at_once_again(
        assessment: AssessmentApplication) -> None:
    _, batch = detections(assessment, 2)
    handle_together(assessment, batch)
    made = commits(assessment)
    case_id = uuid4()
    deliver(assessment, assessment.on_case_detected,
            envelope("intake", case_id, detected(Sign.GRADE_SWING)))
    assert made == [2]
    assert assessment.pending_saves() == 0


def test_a_commit_that_failed_under_a_handler_that_let_it_pass_stores_nothing_after_it(
        assessment: AssessmentApplication) -> None:
    case_ids, batch = detections(assessment, 2)
    again = taken(assessment.on_case_detected,
                  envelope("intake", case_ids[0], detected(Sign.GRADE_SWING)))

    def careless(message: Envelope, data: Any, mark: Tracking) -> None:
        # Its read commits what waits, which fails; it goes on as if nothing happened.
        with contextlib.suppress(Exception):
            assessment.find_case(case_ids[0], Assessment)
        assessment.record(tracking=mark)

    reader = taken(careless, envelope("intake", uuid4(), detected(Sign.GRADE_SWING)))
    stored, stopped_by = handle_together(assessment, [*batch, again, reader, batch[1]])
    assert (stored, stopped_by) == (0, "CommitFailed")
    assert not any(handled_before(assessment, item.mark) for item in [*batch, again, reader])


def test_a_listener_that_fails_on_a_commit_keeps_no_other_from_its_events(
        assessment: AssessmentApplication) -> None:
    def failing(_: object) -> None:
        raise RuntimeError("a board's fault")

    assessment.on_commit.insert(0, failing)
    made = commits(assessment)
    _, batch = detections(assessment, 3)
    assert handle_together(assessment, batch) == (3, None)
    assert made == [6]
