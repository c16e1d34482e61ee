"""The hospital packet as FHIR R4, read back with fhir.resources; the receiver's Task answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from contracts.codes import DisclosureBasis, ReferralResponse
from services.referral.adapters.fhir import packet_bundle, read_task, task
from services.referral.domain.receivers import DISCLOSURE, RISK_TIER, SIGNS_OBSERVED
from services.referral.domain.referrals import Referral
from services.referral.packets import CaseCodes, NotAnAnswer, TaskRefused

HOSPITAL_ALL = DISCLOSURE[next(iter(DISCLOSURE))]
PACKET = {"patient": {"name": "王小明", "birth_date": "2010-05-01", "gender": "male",
                      "school_student_id": "S-1"},
          "guardian": {"name": "王芳", "phone": "13800000000", "relation": "mother"},
          "summary": "repeated self-harm disclosed to the class teacher"}
GIVEN = {"given_by_guardian_rank": 1, "given_at": "2026-11-24T08:00:00+08:00",
         "scope": list(HOSPITAL_ALL)}
CODES = CaseCodes(uuid4(), "crisis", ["self_harm", "suicidal_ideation"], "a" * 32,
                  "school-7")


def referral(**changes: Any) -> Referral:
    fields: dict[str, Any] = {
        "referral_id": uuid4(), "receiver_type": "hospital_green_channel",
        "receiver_id": "anding-hospital", "disclosed": list(HOSPITAL_ALL),
        "basis": "consent", "consent_id": uuid4(),
        "consent": GIVEN,
        "packet": PACKET, "answer_by": datetime(2026, 11, 24, 12, 0, tzinfo=UTC),
        "made_at": datetime(2026, 11, 24, 9, 30, tzinfo=UTC), **changes}
    return Referral(**fields)


def resources(bundle: dict[str, Any]) -> dict[str, Any]:
    """Each resource of the Bundle, parsed back by fhir.resources, then as its JSON."""
    parsed = Bundle.model_validate(bundle)
    kinds = {"Patient": Patient, "ServiceRequest": ServiceRequest, "Task": Task,
             "Consent": Consent}
    found: dict[str, Any] = {}
    for entry in parsed.entry or []:
        assert entry.resource is not None
        kind = entry.resource.get_resource_type()
        if kind in kinds:
            assert isinstance(entry.resource, kinds[kind])
        found[kind] = json.loads(entry.resource.model_dump_json())
    return found


def test_the_hospital_packet_is_a_valid_transaction_of_request_task_and_consent() -> None:
    made = referral()
    parsed = resources(packet_bundle(made, CODES, "安定医院"))
    assert set(parsed) == {"Organization", "Patient", "RelatedPerson", "ServiceRequest",
                           "Task", "Consent"}
    request, task = parsed["ServiceRequest"], parsed["Task"]
    assert (request["status"], request["intent"], request["priority"]) == (
        "active", "order", "stat")
    assert (task["status"], task["intent"]) == ("requested", "order")
    assert task["owner"]["identifier"]["value"] == "anding-hospital"
    assert task["identifier"][0]["value"] == str(made.referral_id)
    assert [c["coding"][0]["code"] for c in request["reasonCode"]] == [
        "crisis", "self_harm", "suicidal_ideation"]
    consent = parsed["Consent"]
    assert consent["status"] == "active"
    assert consent["scope"]["coding"][0]["code"] == "patient-privacy"
    assert parsed["Patient"]["name"][0]["text"] == "王小明"


def test_the_consent_names_who_gave_it_who_holds_it_and_since_when() -> None:
    bundle = packet_bundle(referral(), CODES, "安定医院")
    urls = {e["resource"]["resourceType"]: e["fullUrl"] for e in bundle["entry"]}
    parsed = resources(bundle)
    consent, task = parsed["Consent"], parsed["Task"]

    assert consent["performer"] == [{"reference": urls["RelatedPerson"],
                                     "type": "RelatedPerson"}]
    assert consent["organization"] == [{"reference": urls["Organization"],
                                        "type": "Organization"}]
    assert "start" in consent["provision"]["period"]
    assert task["input"][0]["valueReference"] == {"reference": urls["Consent"],
                                                  "type": "Consent"}


def test_the_task_and_request_are_created_once_however_often_the_packet_is_sent() -> None:
    made = referral()
    bundle = json.loads(Bundle.model_validate(
        packet_bundle(made, CODES, "安定医院")).model_dump_json())
    conditional = [e["request"]["ifNoneExist"] for e in bundle["entry"]
                   if e["request"]["url"] in ("ServiceRequest", "Task")]
    assert conditional == [f"identifier=urn:casetrail:referral|{made.referral_id}"] * 2
    assert packet_bundle(made, CODES, "x")["entry"][0]["fullUrl"] == \
        packet_bundle(made, CODES, "x")["entry"][0]["fullUrl"]


def test_without_identity_disclosed_there_is_no_patient_and_no_name() -> None:
    made = referral(disclosed=[RISK_TIER, SIGNS_OBSERVED], packet={}, consent=None,
                    consent_id=None)
    bundle = packet_bundle(made, CODES, "安定医院")
    parsed = resources(bundle)
    assert set(parsed) == {"Organization", "ServiceRequest", "Task"}
    subject = parsed["ServiceRequest"]["subject"]["identifier"]
    assert subject["system"] == "urn:casetrail:packet-person"
    assert str(CODES.case_id) not in str(bundle)  # nothing links it to the school's case
    assert "王" not in str(bundle)


def test_a_safety_override_claims_no_consent_and_says_why_in_a_note() -> None:
    made = referral(basis=DisclosureBasis.SAFETY_OVERRIDE.value, consent=None,
                    consent_id=None, rationale="knife in the dormitory")
    parsed = resources(packet_bundle(made, CODES, "安定医院"))
    assert "Consent" not in parsed
    assert "safety override" in parsed["Task"]["note"][0]["text"]
    assert "knife in the dormitory" in parsed["ServiceRequest"]["note"][0]["text"]


@pytest.mark.parametrize(("task", "answer"), [
    ({"status": "accepted"}, (ReferralResponse.ACCEPTED, None)),
    ({"status": "rejected", "statusReason": {"coding": [{"code": "no_capacity"}]}},
     (ReferralResponse.DECLINED, "no_capacity")),
    ({"status": "rejected"}, (ReferralResponse.DECLINED, "other")),
    ({"status": "in-progress", "businessStatus": {"coding": [{"code": "scheduled"}]}},
     (ReferralResponse.SCHEDULED, None)),
    ({"status": "in-progress", "businessStatus": {"coding": [{"code": "admitted"}]}},
     (ReferralResponse.ADMITTED, None)),
    ({"status": "completed"}, (ReferralResponse.DISCHARGED, None)),
    ({"status": "received"}, (ReferralResponse.RECEIVED, None)),
    ({"status": "ready"}, (ReferralResponse.ACCEPTED, None)),
    ({"status": "accepted", "businessStatus": {"coding": [{"code": "5.1.1"}]}},
     (ReferralResponse.SCHEDULED, None)),
    ({"status": "on-hold", "businessStatus": {"coding": [{"code": "no-show"}]}},
     (ReferralResponse.NO_SHOW, None)),
    ({"status": "on-hold"}, (ReferralResponse.NO_SHOW, None)),
    ({"status": "failed"}, (ReferralResponse.FAILED, None)),
    ({"status": "cancelled", "businessStatus": {"coding": [{"code": "6.0"}]}},
     (ReferralResponse.CANCELLED, None)),
    ({"status": "completed", "businessStatus": {"coding": [{"code": "7.0"}]}},
     (ReferralResponse.DISCHARGED, None)),
])
def test_the_receivers_task_status_is_read_as_its_answer(
        task: dict[str, Any], answer: tuple[ReferralResponse, str | None]) -> None:
    assert read_task({"resourceType": "Task", "intent": "order", **task}) == answer


@pytest.mark.parametrize(("task", "message"), [
    ({"resourceType": "Task", "intent": "order", "status": "accepted", "focus": "SR/1"},
     "not a FHIR R4 Task"),
    ({"resourceType": "Task", "intent": "order", "status": "sleeping"},
     "not an R4 Task status"),
    ({"resourceType": "Task", "intent": "order", "status": "in-progress"}, "businessStatus"),
    ({"resourceType": "Task", "intent": "order", "status": "accepted",
      "businessStatus": {"coding": [{"code": "4.0"}]}}, "does not fit status accepted"),
    ({"resourceType": "Patient"}, "not a FHIR R4 Task"),
])
def test_a_task_that_is_not_an_answer_is_refused(task: dict[str, Any], message: str) -> None:
    with pytest.raises(TaskRefused, match=message):
        read_task(task)


def test_a_refused_task_names_where_and_why_but_repeats_nothing_it_was_sent() -> None:
    with pytest.raises(TaskRefused) as refused:
        read_task({"resourceType": "Task", "intent": "order", "status": "accepted",
                   "王小明": "13800000000", "note": [{"text": 42, "王": 1}]})
    assert "王" not in str(refused.value) and "13800000000" not in str(refused.value)
    assert "has a field a FHIR R4 Task does not define" in str(refused.value)


@pytest.mark.parametrize("status", ["draft", "requested", "entered-in-error"])
def test_a_status_that_is_the_requesters_to_set_is_no_answer_of_the_receiver(
        status: str) -> None:
    with pytest.raises(NotAnAnswer, match="requester"):
        read_task({"resourceType": "Task", "intent": "order", "status": status})


def test_the_task_after_an_answer_is_valid_fhir() -> None:
    made = referral(status="declined", decline_reason="out_of_area")
    shown = json.loads(Task.model_validate(task(made, CODES)).model_dump_json())
    assert shown["status"] == "rejected"
    assert shown["statusReason"]["coding"][0]["code"] == "out_of_area"
    assert [c["code"] for c in shown["businessStatus"]["coding"]] == ["declined", "4.0"]


def test_the_facades_task_is_the_packets_task_by_identifier_code_owner_and_author() -> None:
    made = referral(made_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    [sent] = [r for r in (e["resource"] for e in packet_bundle(made, CODES, "安定医院")["entry"])
              if r["resourceType"] == "Task"]
    served = task(made, CODES)
    assert served["id"] == str(made.referral_id)
    for field in ("identifier", "code", "intent", "priority", "authoredOn", "status"):
        assert served[field] == sent[field], field
    assert served["owner"]["identifier"] == sent["owner"]["identifier"]
    assert served["meta"]["versionId"] == "1"
    assert "for" not in served and "王小明" not in json.dumps(served)


def consented_to(made: Referral) -> list[dict[str, Any]]:
    actors: list[dict[str, Any]] = resources(packet_bundle(made, CODES, "安定医院"))[
        "Consent"]["provision"]["actor"]
    return [actor["reference"] for actor in actors]


def test_the_consent_says_it_was_given_for_any_hospital_not_for_this_one() -> None:
    made = referral(consent={**GIVEN, "receiver_type": "hospital_green_channel"})
    [reference] = consented_to(made)
    assert reference["display"] == "any hospital green channel"
    assert reference["identifier"] == {"system": "urn:casetrail:receiver-type",
                                       "value": "hospital_green_channel"}


def test_the_consent_names_the_receivers_the_guardians_named() -> None:
    named = ["anding-hospital", "huilongguan-hospital"]
    made = referral(consent={**GIVEN, "receivers": named})
    assert [r["identifier"]["value"] for r in consented_to(made)] == named


def entries(made: Referral) -> list[dict[str, Any]]:
    bundle = packet_bundle(made, CODES, "安定医院")
    resources(bundle)  # every packet parses as R4B
    found: list[dict[str, Any]] = bundle["entry"]
    return found


def test_the_task_asks_to_fulfil_the_request_it_is_based_on() -> None:
    made = referral()
    parsed = resources(packet_bundle(made, CODES, "安定医院"))
    request = next(e["fullUrl"] for e in entries(made)
                   if e["resource"]["resourceType"] == "ServiceRequest")
    task = parsed["Task"]
    assert task["code"]["coding"] == [{"system": "http://hl7.org/fhir/CodeSystem/task-code",
                                       "code": "fulfill"}]
    assert task["focus"] == {"reference": request, "type": "ServiceRequest"}
    assert task["basedOn"] == [{"reference": request, "type": "ServiceRequest"}]


def test_the_request_points_to_the_consent_it_goes_under() -> None:
    made = referral()
    consent = next(e["fullUrl"] for e in entries(made)
                   if e["resource"]["resourceType"] == "Consent")
    request = resources(packet_bundle(made, CODES, "安定医院"))["ServiceRequest"]
    assert request["supportingInfo"] == [{"reference": consent, "type": "Consent"}]


def test_a_request_without_consent_points_to_none() -> None:
    made = referral(basis=DisclosureBasis.SAFETY_OVERRIDE.value, consent=None,
                    consent_id=None, rationale="knife in the dormitory")
    assert "supportingInfo" not in resources(
        packet_bundle(made, CODES, "安定医院"))["ServiceRequest"]


def test_the_receiver_is_named_as_an_organization() -> None:
    parsed = resources(packet_bundle(referral(), CODES, "安定医院"))
    [performer] = parsed["ServiceRequest"]["performer"]
    for named in (performer, parsed["Task"]["owner"]):
        assert named["type"] == "Organization"
        assert named["identifier"] == {"system": "urn:casetrail:receiver",
                                       "value": "anding-hospital"}


def test_every_entry_is_a_conditional_create_on_its_identifier_without_an_id() -> None:
    for entry in entries(referral()):
        resource, request = entry["resource"], entry["request"]
        assert "id" not in resource
        assert entry["fullUrl"].startswith("urn:uuid:")
        assert request["method"] == "POST"
        [identifier] = resource["identifier"]
        assert request["ifNoneExist"] == (
            f"identifier={identifier['system']}|{identifier['value']}")


def test_a_resent_packet_asks_for_the_same_conditional_creates() -> None:
    made = referral()
    sent = [e["request"]["ifNoneExist"] for e in entries(made)]
    assert sent == [e["request"]["ifNoneExist"] for e in entries(made)]
    assert len(set(sent)) == len(sent) - 1  # only the request and its Task share one


def test_a_patient_without_a_school_id_is_still_created_once() -> None:
    made = referral(packet={**PACKET, "patient": {"name": "王小明"}})
    [patient] = [e for e in entries(made) if e["resource"]["resourceType"] == "Patient"]
    assert patient["request"]["ifNoneExist"].startswith("identifier=")


def test_the_request_and_task_say_when_the_referral_was_made() -> None:
    parsed = resources(packet_bundle(referral(), CODES, "安定医院"))
    for resource in (parsed["ServiceRequest"], parsed["Task"]):
        assert resource["authoredOn"] == "2026-11-24T09:30:00Z"


def test_the_school_requests_the_referral_as_an_organization_of_the_packet() -> None:
    made = referral()
    school = next(e for e in entries(made) if e["resource"]["resourceType"] == "Organization")
    assert school["resource"]["identifier"] == [{"system": "urn:casetrail:school",
                                                 "value": "school-7"}]
    parsed = resources(packet_bundle(made, CODES, "安定医院"))
    for resource in (parsed["ServiceRequest"], parsed["Task"]):
        assert resource["requester"] == {"reference": school["fullUrl"],
                                         "type": "Organization"}


def test_signs_carry_snomed_and_icd_codes_beside_the_local_ones() -> None:
    made = referral(disclosed=[RISK_TIER, SIGNS_OBSERVED], packet={}, consent=None,
                    consent_id=None)
    reasons = resources(packet_bundle(made, CODES, "x"))["ServiceRequest"]["reasonCode"]
    codings = {(c["system"], c["code"]) for reason in reasons for c in reason["coding"]}

    assert ("urn:casetrail:sign", "suicidal_ideation") in codings
    assert ("http://snomed.info/sct", "6471006") in codings
    assert ("http://hl7.org/fhir/sid/icd-10-cm", "R45.851") in codings


def test_the_answer_deadline_is_an_extension_not_the_fulfilment_period() -> None:
    made = referral(disclosed=[RISK_TIER], packet={}, consent=None, consent_id=None)
    task = resources(packet_bundle(made, CODES, "x"))["Task"]

    assert "restriction" not in task
    [answer_by] = task["extension"]
    assert answer_by["url"] == "urn:casetrail:fhir:extension:answer-by"
    assert datetime.fromisoformat(answer_by["valueDateTime"]) == made.answer_by
