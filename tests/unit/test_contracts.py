"""The contracts: what may cross the bus, how versions evolve, and that nothing is unmapped."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate, CommandMethodDecorator
from pydantic import ValidationError

from casetrail.bus.envelopes import PublishedEvents
from casetrail.case_read import CaseRead
from casetrail.kernel import ReadLogged
from contracts import events
from contracts.envelope import Envelope
from contracts.events.base import EventData
from services.assessment.adapters.published import PUBLISHED as ASSESSMENT
from services.assessment.domain.assessment import Assessment
from services.intake.adapters.published import PUBLISHED as INTAKE
from services.intake.domain.case import Case
from services.intake.domain.screening import Screening
from services.intake.domain.student import Student
from services.intake.domain.transfer import Transfer, TransferredRecord
from services.notification.adapters.published import PUBLISHED as NOTIFICATION
from services.notification.domain.directory import GuardianDirectory
from services.notification.domain.notice import GuardianNotification
from services.referral.adapters.published import PUBLISHED as REFERRAL
from services.referral.domain.aftercare import Aftercare

# Field names that would mean a person's identity or words are on the bus.
PERSONAL = {"name", "student_name", "student_ref", "school_student_id", "description",
            "text", "rationale", "phone", "email", "address", "notes"}

AGGREGATES: list[tuple[PublishedEvents, list[type[Aggregate]]]] = [
    (INTAKE, [Case, Student, Screening, Transfer, TransferredRecord]), (ASSESSMENT, [Assessment]),
    (NOTIFICATION, [GuardianNotification, GuardianDirectory]), (REFERRAL, [Aftercare]),
]


def event_classes(aggregate: type[Aggregate]) -> set[type[Any]]:
    """The event classes the aggregate's decorated methods trigger: looked up by name on the
    class that declares the method, as eventsourcing redefines them when it builds it."""
    return {getattr(cls, decorator.given_event_cls.__name__) for cls in aggregate.__mro__
            for decorator in vars(cls).values()
            if isinstance(decorator, CommandMethodDecorator) and decorator.given_event_cls}


@pytest.mark.parametrize(("published", "aggregates"), AGGREGATES,
                         ids=[p.service for p, _ in AGGREGATES])
def test_every_domain_event_is_either_published_or_kept_internal(
        published: PublishedEvents, aggregates: list[type[Aggregate]]) -> None:
    declared = set(published.published) | set(published.internal)
    for aggregate in aggregates:
        assert event_classes(aggregate) <= declared, aggregate.__name__
    # Reads, of every service's cases: as their own records, and as stored on a case before.
    assert event_classes(CaseRead) | {ReadLogged.Viewed} <= set(published.published)


@pytest.mark.parametrize("key", sorted(events.EVENT_DATA), ids=lambda k: ".".join(map(str, k)))
def test_no_contract_carries_a_name_an_id_of_the_school_or_free_text(
        key: tuple[str, str, int]) -> None:
    assert not PERSONAL & set(events.EVENT_DATA[key].model_fields)


def envelope(data: dict[str, Any], version: int = 1, **changes: Any) -> Envelope:
    fields: dict[str, Any] = {
        "event_id": uuid4(), "case_id": uuid4(), "service": "referral", "type": "CaseClosed",
        "version": version, "occurred_at": "2026-11-24T08:00:00Z",
        "recorded_at": "2026-11-24T08:00:01Z", "actor": {"role": "crisis_team", "id": "t1"},
        "correlation_id": uuid4(), "data": data}
    return Envelope.model_validate({**fields, **changes})


def test_an_old_version_is_upcast_to_the_latest(monkeypatch: pytest.MonkeyPatch) -> None:
    class CaseClosedV2(EventData):
        VERSION: ClassVar[int] = 2
        reason: str
        closed_by_role: str

    monkeypatch.setitem(events.EVENT_DATA, ("referral", "CaseClosed", 2), CaseClosedV2)
    monkeypatch.setitem(events.UPCASTERS, ("referral", "CaseClosed", 1),
                        lambda data: {**data, "closed_by_role": "crisis_team"})
    data = events.read_data(envelope({"reason": "resolved"}))
    assert data == CaseClosedV2(reason="resolved", closed_by_role="crisis_team")


def test_a_version_newer_than_the_contract_is_refused() -> None:
    with pytest.raises(events.UnknownEvent, match="newer"):
        events.read_data(envelope({"reason": "resolved"}, version=2))


@pytest.mark.parametrize("change", [
    {"actor": {"role": "headmaster", "id": "t1"}},
    {"occurred_at": datetime(2026, 11, 24, 8, 0).isoformat()},
    {"student_name": "王小明"},
], ids=["unknown role", "time without zone", "unknown field"])
def test_the_envelope_refuses_what_the_contract_does_not_allow(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        envelope({"reason": "resolved"}, **change)


def test_event_data_refuses_fields_it_does_not_know() -> None:
    with pytest.raises(ValidationError):
        events.read_data(envelope({"reason": "resolved", "note": "free text"}))


@pytest.mark.parametrize(("model", "field", "value"), [
    (events.assessment.TierProposed, "reasons", ["王小明 told her teacher"]),
    (events.intake.ChecklistItemDone, "item", "called Mrs Wang on 138 0000 0001"),
    (events.notification.NoticeEscalated, "escalated_to", "Zhang Wei"),
    (events.referral.ReferralMade, "receiver_id", "Dr Li at Anding"),
], ids=["reason", "checklist item", "escalation target", "receiver id"])
def test_a_code_field_refuses_words(model: type[EventData], field: str, value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate({field: value})
    assert any(error["loc"][0] == field and error["type"] == "string_pattern_mismatch"
               for error in refused.value.errors())
