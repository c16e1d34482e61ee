"""A person's read of a case is logged as a record of its own: the case is not changed by
it (nor made slower to load), and the bus still carries it as a CaseViewed of the case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from casetrail.case_read import CaseRead
from casetrail.kernel import CASE_STATE, EventMeta, event_id_of
from casetrail.ledger.leaves import stored_record
from services.intake.adapters.published import PUBLISHED
from services.intake.application import IntakeApplication
from services.intake.bootstrap import build_intake
from services.intake.domain.case import Case
from tests.application.conftest import published
from tests.application.test_intake import TEACHER, concern
from tests.reads_on_the_case import read_on_the_case

READER = EventMeta.by("psych_teacher", "p-7")


@pytest.fixture
def intake(env: dict[str, str]) -> IntakeApplication:
    return build_intake(env, b"key")


def reported(intake: IntakeApplication) -> UUID:
    return intake.report_concern(student_ref="S-1", student_name="张三", concern=concern(),
                                 meta=TEACHER).case_id


def test_a_persons_read_leaves_the_cases_version_unchanged(intake: IntakeApplication) -> None:
    case_id = reported(intake)
    before = intake.get_case(case_id, Case).version
    for _ in range(3):
        intake.read_case(case_id, Case, purpose="assessment", reader=READER)
    intake.read_case_as_of(case_id, Case, datetime.now(UTC), purpose="audit", reader=READER)
    assert intake.get_case(case_id, Case).version == before
    assert len(list(intake.events.get(case_id))) == before


def test_a_read_still_reaches_the_bus_as_case_viewed_of_that_case(
        intake: IntakeApplication) -> None:
    case_id = reported(intake)
    intake.read_case(case_id, Case, purpose="assessment", reader=READER)
    intake.read_case_as_of(case_id, Case, datetime.now(UTC), purpose="audit", reader=READER)
    first, second = published(intake, PUBLISHED, "CaseViewed")
    assert {first.case_id, second.case_id} == {case_id}
    assert (first.data, second.data) == ({"purpose": "assessment", "what": "case_record"},
                                         {"purpose": "audit", "what": CASE_STATE})
    stored = (intake.mapper.to_domain_event(n)
              for n in intake.recorder.select_notifications(start=1, limit=1000))
    reads = [e.originator_id for e in stored if isinstance(e, CaseRead.Logged)]
    assert [first.event_id, second.event_id] == [event_id_of("intake", r, 1) for r in reads]
    assert published(intake, PUBLISHED, "CaseViewed") == [first, second]


def test_a_read_stored_on_the_case_before_still_loads_and_reaches_the_bus(
        intake: IntakeApplication) -> None:
    case_id = reported(intake)
    case = intake.get_case(case_id, Case)
    intake.events.put([read_on_the_case(case_id, case.version + 1, "audit", READER,
                                        datetime.now(UTC) - timedelta(seconds=1))])
    assert intake.get_case(case_id, Case).reports == case.reports
    [viewed] = published(intake, PUBLISHED, "CaseViewed")
    assert (viewed.case_id, viewed.event_id) == (
        case_id, event_id_of("intake", case_id, case.version + 1))


def test_the_store_records_a_read_as_one_of_the_case_read_for_the_auditor(
        intake: IntakeApplication) -> None:
    case_id = reported(intake)
    intake.read_case(case_id, Case, purpose="assessment", reader=READER)
    [last] = intake.recorder.select_notifications(
        start=intake.recorder.max_notification_id() or 0, limit=1)
    record = stored_record(last, PUBLISHED, intake)
    assert (record.type, record.case_id) == ("CaseViewed", case_id)
