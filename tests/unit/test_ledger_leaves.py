"""The leaves of a service's log: what each commits to of the stored record and of the
envelope the bus carries."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from uuid import uuid4

import pytest

from casetrail.kernel import EventMeta
from casetrail.ledger.leaves import all_notifications, leaf_of, stored_digest, stored_records
from casetrail.store import store_env
from contracts.codes import Channel, ErasureReason, Sign
from contracts.envelope import Envelope
from services.intake.adapters.published import PUBLISHED
from services.intake.application import IntakeApplication
from services.intake.bootstrap import build_intake
from services.intake.domain.case import Concern
from tests.conftest import CIPHER_KEY
from trailproof.leaf import envelope_digest


@pytest.fixture
def intake(tmp_path: Path) -> IntakeApplication:
    """Intake with its events encrypted at rest, and one student reported by name."""
    app = build_intake(store_env(url=f"sqlite:///{tmp_path}/intake.db", cipher_key=CIPHER_KEY),
                       b"k")
    app.report_concern(student_ref="S-1", student_name="王小明",
                       concern=Concern(uuid4(), Channel.HOTLINE, [Sign.SELF_HARM], True,
                                       "在宿舍割腕"),
                       meta=EventMeta.by("hotline_operator", "op-1"))
    return app


def test_the_stored_digest_changes_with_any_byte_of_the_record_as_stored(
        intake: IntakeApplication) -> None:
    first = next(all_notifications(intake))
    assert stored_digest(first) == stored_digest(dataclasses.replace(first))
    state = bytearray(first.state)
    state[len(state) // 2] ^= 1
    altered = [dataclasses.replace(first, state=bytes(state)),
               dataclasses.replace(first, originator_version=first.originator_version + 1),
               dataclasses.replace(first, topic=first.topic + "x"),
               dataclasses.replace(first, originator_id=uuid4())]
    assert len({stored_digest(n) for n in [first, *altered]}) == 5


def test_a_published_event_s_leaf_holds_the_digest_of_its_envelope_and_an_internal_one_none(
        intake: IntakeApplication) -> None:
    leaves = {n.id: (n, leaf_of("intake", n, PUBLISHED, intake))
              for n in all_notifications(intake)}
    kinds = set()
    for notification, leaf in leaves.values():
        envelope = PUBLISHED.envelope(intake.mapper.to_domain_event(notification))
        kinds.add(envelope is None)
        assert leaf.position == notification.id
        assert leaf.stored == stored_digest(notification)
        assert leaf.envelope == (envelope_digest(envelope.to_bytes()) if envelope else None)
    assert kinds == {True, False}  # the report's trail has both


def test_the_records_an_auditor_is_shown_are_digests_and_envelopes_with_no_name(
        intake: IntakeApplication) -> None:
    records = stored_records(intake, PUBLISHED, 1, 100)
    assert [r.position for r in records] == [n.id for n in all_notifications(intake)]
    assert any(r.envelope for r in records)
    shown = b"".join(r.envelope or b"" for r in records)
    assert "王小明".encode() not in shown and "割腕".encode() not in shown


def test_erasing_a_student_changes_no_leaf_of_the_records_before(
        intake: IntakeApplication) -> None:
    before = [leaf_of("intake", n, PUBLISHED, intake) for n in all_notifications(intake)]
    [student] = {r.data["student_key"] for r in intake_envelopes(intake)
                 if "student_key" in r.data}
    intake.erase_student(student, ErasureReason.LAWFUL_REQUEST,
                         EventMeta.by("principal", "p-1"))
    after = [leaf_of("intake", n, PUBLISHED, intake) for n in all_notifications(intake)]
    assert after[:len(before)] == before
    assert len(after) > len(before)  # the erasure itself is a new leaf


def intake_envelopes(intake: IntakeApplication) -> list[Envelope]:
    return [e for n in all_notifications(intake)
            if (e := PUBLISHED.envelope(intake.mapper.to_domain_event(n))) is not None]
