"""A person's read of a case is a record of its own, and on the bus a CaseViewed of the case."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from casetrail.bus.envelopes import PublishedEvents
from casetrail.case_read import CaseRead
from casetrail.kernel import EventMeta, event_id_of
from contracts.envelope import Actor
from tests.reads_on_the_case import read_on_the_case

READER = EventMeta.by("psych_teacher", "p-7", occurred_at=datetime(2026, 3, 2, 9, tzinfo=UTC))
PUBLISHED = PublishedEvents("intake", {})


def test_a_read_is_a_record_of_its_own_naming_the_case_who_why_and_what() -> None:
    case_id = uuid4()
    read = CaseRead(case_id, "assessment", READER, "case_state")
    [logged] = read.collect_events()
    assert isinstance(logged, CaseRead.Logged)
    assert logged.originator_id != case_id and logged.originator_version == 1
    assert (logged.case_id, logged.purpose, logged.meta, logged.what) == (
        case_id, "assessment", READER, "case_state")


def test_every_read_of_a_case_is_a_record_of_its_own() -> None:
    case_id = uuid4()
    assert CaseRead(case_id, "audit", READER).id != CaseRead(case_id, "audit", READER).id


def test_a_read_goes_on_the_bus_as_a_case_viewed_of_the_case_read() -> None:
    case_id = uuid4()
    read = CaseRead(case_id, "assessment", READER)
    [logged] = read.collect_events()
    envelope = PUBLISHED.envelope(logged)
    assert envelope is not None
    assert (envelope.type, envelope.version, envelope.case_id) == ("CaseViewed", 1, case_id)
    assert envelope.event_id == event_id_of("intake", read.id, 1)
    assert envelope.actor == Actor(role="psych_teacher", id="p-7")
    assert envelope.occurred_at == READER.occurred_at
    assert envelope.data == {"purpose": "assessment", "what": "case_record"}


def test_a_read_stored_on_the_case_itself_still_goes_on_the_bus_as_before() -> None:
    case_id = uuid4()
    viewed = read_on_the_case(case_id, 4, "audit", READER, READER.occurred_at)
    envelope = PUBLISHED.envelope(viewed)
    assert envelope is not None
    assert (envelope.type, envelope.case_id) == ("CaseViewed", case_id)
    assert envelope.event_id == event_id_of("intake", case_id, 4)
    assert envelope.data == {"purpose": "audit", "what": "case_record"}
