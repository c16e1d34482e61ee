"""The rules of consent as pure functions: whom a consent reaches, what it covers, whether it
still stands, whether it can be withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from contracts.codes import ReceiverType
from services.referral.domain.consents import (
    Consent,
    consent_reaches,
    disclosure_problem,
    use_problem,
    withdrawal_problem,
)
from services.referral.domain.receivers import (
    DISCLOSURE,
    GUARDIAN_CONTACT,
    RISK_TIER,
    STUDENT_IDENTITY,
    Receiver,
)

HOSPITAL_TYPE = ReceiverType.HOSPITAL_GREEN_CHANNEL
HOSPITAL = Receiver("hospital-a", HOSPITAL_TYPE, tuple(DISCLOSURE[HOSPITAL_TYPE]), 60)
OTHER_HOSPITAL = Receiver("hospital-b", HOSPITAL_TYPE, tuple(DISCLOSURE[HOSPITAL_TYPE]), 60)
CENTRE = Receiver("district-centre", ReceiverType.DISTRICT_GUIDANCE_CENTRE,
                  tuple(DISCLOSURE[ReceiverType.DISTRICT_GUIDANCE_CENTRE]), 60)
GIVEN_AT = datetime(2026, 12, 1, 9, tzinfo=UTC)


def consent(**changes: object) -> Consent:
    fields: dict[str, object] = {
        "consent_id": uuid4(), "purpose": "referral", "scope": [STUDENT_IDENTITY, RISK_TIER],
        "given_by_guardian_rank": 1, "given_at": GIVEN_AT,
        "recorded_by": {"role": "crisis_team", "id": "t-1"},
        "receiver_type": HOSPITAL_TYPE.value, **changes}
    return Consent(**fields)  # type: ignore[arg-type]


def test_a_consent_to_a_type_reaches_every_receiver_of_it_and_no_other() -> None:
    given = consent().given()
    assert consent_reaches(given, HOSPITAL) and consent_reaches(given, OTHER_HOSPITAL)
    assert not consent_reaches(given, CENTRE)


def test_a_consent_naming_receivers_reaches_only_them() -> None:
    given = consent(receivers=["hospital-a"], receiver_type=None).given()
    assert consent_reaches(given, HOSPITAL)
    assert disclosure_problem(given, OTHER_HOSPITAL, [RISK_TIER]) == (
        "the guardians' consent does not reach hospital-b (given for hospital-a)")


def test_an_inline_consent_from_before_records_reads_as_the_type_it_was_used_for() -> None:
    assert consent_reaches({"scope": [RISK_TIER]}, CENTRE)


def test_a_category_beyond_the_scope_is_named() -> None:
    assert disclosure_problem(consent().given(), HOSPITAL, [GUARDIAN_CONTACT, RISK_TIER]) == (
        "the consent does not cover ['guardian_contact']")
    assert disclosure_problem(consent().given(), HOSPITAL, [STUDENT_IDENTITY]) is None


def test_a_withdrawn_consent_no_longer_stands_and_is_not_withdrawn_twice() -> None:
    standing = consent()
    assert use_problem(standing) is None and withdrawal_problem(standing) is None
    withdrawn = consent(withdrawn_at=GIVEN_AT, withdrawn_by={"role": "principal", "id": "p"})
    assert "nothing more is disclosed under it" in (use_problem(withdrawn) or "")
    assert "withdrawn already" in (withdrawal_problem(withdrawn) or "")


def test_what_a_referral_holds_of_its_consent_has_the_shape_of_the_old_inline_ones() -> None:
    given = consent(relationship="mother").given()
    assert given == {"purpose": "referral", "given_by_guardian_rank": 1,
                     "relationship": "mother", "given_at": GIVEN_AT.isoformat(),
                     "scope": [STUDENT_IDENTITY, RISK_TIER], "receiver_type": HOSPITAL_TYPE}
