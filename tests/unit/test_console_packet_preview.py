"""Before a referral is sent, the console shows what its receiver will see: only what the
receiver's directory entry lets go, with what the form and the record would put in it."""

from __future__ import annotations

from collections.abc import Mapping

from services.console.domain.packet_preview import PSEUDONYM, packet_preview

HOSPITAL = {"id": "anding-hospital", "may_receive": [
    "student_identity", "guardian_contact", "risk_tier", "signs_observed", "assessment_summary"]}
CENTRE = {"id": "district-centre", "may_receive": [
    "student_pseudonym", "risk_tier", "signs_observed", "assessment_summary"]}
BODY = {"receiver_id": "x", "packet": {"patient": {"name": "王小明", "gender": "male"},
                                       "guardian": {"name": "王父", "phone": "13800000000"},
                                       "summary": "ideation with a plan"}}
ASSESSMENT = {"tier": "crisis"}
INTAKE = {"reports": [{"signs": ["suicidal_ideation"]}, {"signs": ["self_harm"]}]}


def shown(receiver: Mapping[str, object] | None) -> dict[str, tuple[bool, tuple[str, ...]]]:
    return {s.category: (s.goes, s.values)
            for s in packet_preview(receiver, BODY, ASSESSMENT, INTAKE)}


def test_a_hospital_sees_the_student_the_family_the_tier_and_the_signs() -> None:
    seen = shown(HOSPITAL)

    assert seen["student_identity"] == (True, ("name: 王小明", "gender: male"))
    assert seen["guardian_contact"][0] is True
    assert seen["risk_tier"] == (True, ("crisis",))
    assert seen["signs_observed"] == (True, ("self_harm", "suicidal_ideation"))
    assert seen["student_pseudonym"][0] is False


def test_the_district_centre_sees_a_pseudonym_and_never_the_name_or_the_family() -> None:
    seen = shown(CENTRE)

    assert seen["student_identity"][0] is False
    assert seen["guardian_contact"][0] is False
    assert seen["student_pseudonym"] == (True, (PSEUDONYM,))
    assert seen["assessment_summary"] == (True, ("ideation with a plan",))


def test_before_a_receiver_is_chosen_nothing_goes() -> None:
    assert not any(goes for goes, _ in shown(None).values())
