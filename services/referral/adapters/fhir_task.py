"""A referral's FHIR R4 Task, as the facade serves it and the packet carries it, and a
receiver's Task read back as its answer (validated with fhir.resources' R4B models).

The facade is the Task's server: `Task/<referral id>`, with the packet Task's identifier
(`urn:casetrail:referral|<referral id>`), code, owner, requester and authoredOn. Its
`meta.versionId` is the referral's task version, one more at each change of status. Status
and businessStatus follow the R4 task-status codes and the HL7 BSeR business status
(TaskBusinessStatusCS), beside casetrail's own code of the answer.
"""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B.task import Task
from pydantic import ValidationError

from contracts.codes import DeclineReason, ReferralResponse
from contracts.fhir import (
    BSER_BUSINESS_STATUS_SYSTEM,
    BUSINESS_STATUS_SYSTEM,
    DECLINE_SYSTEM,
    FEEDBACK_SYSTEM,
    RECEIVER_SYSTEM,
    REFERRAL_SYSTEM,
    SCHOOL_SYSTEM,
    TASK_CODE_SYSTEM,
)
from services.referral.domain.answers import REQUESTED, UNANSWERED
from services.referral.domain.feedback import Feedback
from services.referral.domain.referrals import Referral
from services.referral.packets import CaseCodes, NotAnAnswer, TaskRefused

PRIORITY = {"crisis": "stat", "serious": "urgent", "general": "routine"}
R4_STATUSES = ("draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
               "in-progress", "on-hold", "failed", "completed", "entered-in-error")
# Statuses that are the requester's to set, never a receiver's answer (409, not 422).
NOT_THE_RECEIVERS = frozenset({"draft", "requested", "entered-in-error"})

A = ReferralResponse
# Each status of a referral as its Task's R4 status, casetrail's business status code, and
# the BSeR one where BSeR has it.
AS_TASK: dict[str, tuple[str, str | None, str | None]] = {
    REQUESTED: ("requested", None, None),
    A.RECEIVED: ("received", "received", None),
    A.ACCEPTED: ("accepted", "accepted", "3.0"),
    A.DECLINED: ("rejected", "declined", "4.0"),
    A.SCHEDULED: ("in-progress", "scheduled", "5.1.1"),
    A.NO_SHOW: ("on-hold", "no-show", "5.1.2"),
    A.ADMITTED: ("in-progress", "admitted", None),
    A.DISCHARGED: ("completed", "discharged", "7.0"),
    A.FAILED: ("failed", "failed", None),
    A.CANCELLED: ("cancelled", "cancelled", "6.0"),
    UNANSWERED: ("cancelled", "unanswered", None),
}
# A business status a receiver sends, in casetrail's codes or BSeR's, as its answer.
BUSINESS: dict[str, ReferralResponse] = {
    "received": A.RECEIVED, "accepted": A.ACCEPTED, "3.0": A.ACCEPTED,
    "declined": A.DECLINED, "4.0": A.DECLINED, "scheduled": A.SCHEDULED, "5.1.1": A.SCHEDULED,
    "no-show": A.NO_SHOW, "no_show": A.NO_SHOW, "5.1.2": A.NO_SHOW, "admitted": A.ADMITTED,
    "discharged": A.DISCHARGED, "completed": A.DISCHARGED, "7.0": A.DISCHARGED,
    "5.1.4": A.DISCHARGED, "cancelled": A.CANCELLED, "6.0": A.CANCELLED, "failed": A.FAILED}
# Each R4 status a receiver may send, and the answers its business status may make it.
BY_STATUS: dict[str, tuple[ReferralResponse, frozenset[ReferralResponse]]] = {
    "received": (A.RECEIVED, frozenset({A.RECEIVED})),
    "accepted": (A.ACCEPTED, frozenset({A.ACCEPTED, A.SCHEDULED})),
    # R4: ready is "used in place of accepted when acceptance is a given".
    "ready": (A.ACCEPTED, frozenset({A.ACCEPTED, A.SCHEDULED})),
    "rejected": (A.DECLINED, frozenset({A.DECLINED})),
    "on-hold": (A.NO_SHOW, frozenset({A.NO_SHOW})),
    "completed": (A.DISCHARGED, frozenset({A.DISCHARGED})),
    "failed": (A.FAILED, frozenset({A.FAILED})),
    "cancelled": (A.CANCELLED, frozenset({A.CANCELLED})),
}
IN_PROGRESS = frozenset({A.SCHEDULED, A.ADMITTED})
SUMMARY, RECOMMENDATIONS = "discharge-summary", "return-to-school-recommendations"
LOINC_DISCHARGE_SUMMARY = {"system": "http://loinc.org", "code": "18842-5",
                           "display": "Discharge summary"}
MOST_WORDS = 4000  # of the recommendations, as the school bounds its own notes


def core(referral: Referral, case: CaseCodes) -> dict[str, Any]:
    """What the packet's Task and the facade's say alike."""
    rid = str(referral.referral_id)
    task: dict[str, Any] = {
        "resourceType": "Task",
        "identifier": [{"system": REFERRAL_SYSTEM, "value": rid}],
        "intent": "order", "priority": PRIORITY.get(case.tier, "routine"),
        "code": {"coding": [{"system": TASK_CODE_SYSTEM, "code": "fulfill"}]},
        "owner": {"type": "Organization",
                  "identifier": {"system": RECEIVER_SYSTEM, "value": referral.receiver_id}}}
    if referral.made_at:
        task["authoredOn"] = referral.made_at.isoformat()
    return task


def task(referral: Referral, case: CaseCodes) -> dict[str, Any]:
    """The referral's Task as the facade serves it: no student, family or free text (the
    packet carried what was disclosed), the ServiceRequest named by its identifier."""
    status, ours, bser = AS_TASK[referral.status]
    rid = str(referral.referral_id)
    resource = core(referral, case) | {
        "id": rid, "status": status,
        "meta": {"versionId": str(referral.task_version)},
        "focus": {"type": "ServiceRequest",
                  "identifier": {"system": REFERRAL_SYSTEM, "value": rid}}}
    if case.school_id:
        resource["requester"] = {"type": "Organization", "identifier": {
            "system": SCHOOL_SYSTEM, "value": case.school_id}}
    modified = referral.last_modified or referral.made_at
    if modified:
        resource["lastModified"] = modified.isoformat()
    if ours:
        resource["businessStatus"] = {"coding": [
            {"system": BUSINESS_STATUS_SYSTEM, "code": ours},
            *([{"system": BSER_BUSINESS_STATUS_SYSTEM, "code": bser}] if bser else [])]}
    if referral.feedback:
        resource["output"] = _output(referral.feedback)
    if referral.decline_reason:
        resource["statusReason"] = {"coding": [{"system": DECLINE_SYSTEM,
                                                "code": referral.decline_reason}]}
    result: dict[str, Any] = json.loads(Task.model_validate(resource).model_dump_json())
    return result


def _output(feedback: dict[str, str | None]) -> list[dict[str, Any]]:
    output: list[dict[str, Any]] = []
    if summary := feedback.get("discharge_summary"):
        output.append({"type": {"coding": [{"system": FEEDBACK_SYSTEM, "code": SUMMARY},
                                           LOINC_DISCHARGE_SUMMARY]},
                       "valueReference": {"reference": summary}})
    if words := feedback.get("recommendations"):
        output.append({"type": {"coding": [{"system": FEEDBACK_SYSTEM,
                                            "code": RECOMMENDATIONS}]},
                       "valueString": words})
    return output


def read_output(body: dict[str, Any]) -> Feedback | None:
    """The receiver's feedback in its Task's output, if any (call after read_task, which
    validates the Task): a discharge summary as a reference, recommendations as a string."""
    parsed = Task.model_validate(body)
    summary = words = None
    for n, item in enumerate(parsed.output or []):
        codes = {c.code for c in item.type.coding or []} if item.type else set()
        if SUMMARY in codes or LOINC_DISCHARGE_SUMMARY["code"] in codes:
            reference = item.valueReference.reference if item.valueReference else None
            if not reference:
                raise TaskRefused((f"output.{n}.valueReference",
                                   "a discharge summary is a reference to a document"))
            summary = reference
        elif RECOMMENDATIONS in codes:
            if not item.valueString or len(item.valueString) > MOST_WORDS:
                raise TaskRefused((f"output.{n}.valueString", "recommendations are a string "
                                                              f"of 1 to {MOST_WORDS} characters"))
            words = item.valueString
        else:
            raise TaskRefused((f"output.{n}.type", f"is {SUMMARY} or {RECOMMENDATIONS} "
                                                   f"({FEEDBACK_SYSTEM})"))
    return Feedback(summary, words) if summary or words else None


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    """Where and which rule; a field the Task does not define is not named, since its name
    is the sender's own text."""
    problems = []
    for e in error.errors(include_input=False, include_url=False):
        loc = e["loc"][:-1] if e["type"] == "extra_forbidden" else e["loc"]
        message = ("has a field a FHIR R4 Task does not define"
                   if e["type"] == "extra_forbidden" else e["msg"])
        problems.append((".".join(map(str, loc)), f"not a FHIR R4 Task: {message}"))
    return list(dict.fromkeys(problems))


def read_task(body: dict[str, Any]) -> tuple[ReferralResponse, str | None]:
    """The receiver's Task as (answer, decline reason): TaskRefused (422) for what is not a
    valid R4 Task or contradicts itself, NotAnAnswer (409) for a status that is the
    requester's to set."""
    try:
        parsed = Task.model_validate(body)
    except ValidationError as error:
        raise TaskRefused(*_problems(error)) from None
    status = parsed.status
    if status not in R4_STATUSES:
        raise TaskRefused(("status", "is not an R4 Task status (task-status)"))
    if status in NOT_THE_RECEIVERS:
        raise NotAnAnswer(f"a receiver does not set its Task to {status}: that is the "
                          "requester's (the school's)")
    said = [BUSINESS[c.code] for c in (parsed.businessStatus.coding or [])
            if c.code in BUSINESS] if parsed.businessStatus else []
    if status == "in-progress":
        answer = next((a for a in said if a in IN_PROGRESS), None)
        if answer is None:
            raise TaskRefused(("businessStatus", "an in-progress Task says scheduled (5.1.1) "
                                                 "or admitted"))
    else:
        answer, may_be = BY_STATUS[status]
        if said and not set(said) & may_be:
            raise TaskRefused(("businessStatus", f"does not fit status {status}"))
        answer = next((a for a in said if a in may_be), answer)
    if answer != A.DECLINED:
        return answer, None
    codes = ([c.code for c in (parsed.statusReason.coding or [])]
             if parsed.statusReason else [])
    known = [c for c in codes if c in set(DeclineReason)]
    return answer, known[0] if known else DeclineReason.OTHER.value
