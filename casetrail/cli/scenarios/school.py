"""Paths that start at the school's own desk: the yearly screening, an incident on campus,
and a student moving on to the next school stage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from casetrail.cli.cast import (
    CLASS_TEACHER,
    NEXT_SCHOOL,
    NEXT_SCHOOL_PSYCH_TEACHER,
    PSYCH_TEACHER,
)
from casetrail.cli.desk import Desk
from casetrail.cli.scenarios.common import Say, now, register_guardians

ASQ_ITEMS = ["q1", "q2", "q3", "q4", "q5"]


@dataclass(frozen=True)
class ScreeningRun:
    first: dict[str, Any]  # the import's answer
    again: dict[str, Any]  # the same file imported a second time
    positive_case: UUID


def _csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(["school_student_id", *ASQ_ITEMS]), *(",".join(r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


async def screening_batch(desk: Desk, prefix: str, say: Say) -> ScreeningRun:
    """ASQ for a class: two students consented, one guardian did not. The unconsented row
    is refused by its line; the positive screen opens a case; a second import changes
    nothing (001 一(五)2)."""
    positive, negative, unconsented = (f"{prefix}-{n}" for n in ("a", "b", "c"))
    screening = await desk.post("intake", "/screenings", {
        "instrument": "asq", "held_on": now().date().isoformat(), "grade_label": "初二"},
        by=PSYCH_TEACHER)
    path = f"/screenings/{screening['screening_id']}"
    await desk.post("intake", f"{path}/consents", {"consents": [
        {"school_student_id": positive, "student_consented": True, "guardian_consented": True},
        {"school_student_id": negative, "student_consented": True, "guardian_consented": True},
        {"school_student_id": unconsented, "student_consented": True,
         "guardian_consented": False}]}, by=PSYCH_TEACHER)
    sheet = _csv([[positive, "yes", "no", "no", "no", "no"],
                  [negative, "no", "no", "no", "no", ""],
                  [unconsented, "no", "no", "no", "no", ""]])
    first = await desk.upload("intake", f"{path}/imports", "asq-class-8-2.csv", sheet,
                              by=PSYCH_TEACHER)
    for refused in first["refused"]:
        say(f"screening: line {refused['line']} refused: {refused['reason']}")
    say(f"screening: {first['accepted']} rows accepted, {first['positive']} positive")
    case_id = UUID(first["cases"][0]["case_id"])
    proposed = await desk.event(case_id, "assessment", "TierProposed")
    say(f"screening: the positive screen opened case {case_id}, proposed "
        f"{proposed.data['tier']} because {proposed.data['reasons']}")
    again = await desk.upload("intake", f"{path}/imports", "asq-class-8-2.csv", sheet,
                              by=PSYCH_TEACHER)
    say(f"screening: the same file again is batch {again['batch_id']}: nothing new")
    return ScreeningRun(first, again, case_id)


@dataclass(frozen=True)
class IncidentRun:
    case_id: UUID
    incident_id: UUID
    checklist: list[str]


async def incident(desk: Desk, student_id: str, say: Say) -> IncidentRun:
    """Self-harm on campus: the case opens at crisis, the emergency plan's checklist starts,
    guardians are told first, then the district education commission (000 item 10)."""
    await register_guardians(desk, student_id, primary="sms")
    reported = await desk.post("intake", "/incidents", {
        "student": {"school_student_id": student_id, "name": "学生丙"}, "kind": "self_harm",
        "description": "found in the washroom, bleeding"}, by=CLASS_TEACHER)
    case_id, incident_id = UUID(reported["case_id"]), UUID(reported["incident_id"])
    say(f"incident: case {case_id}, emergency plan: {', '.join(reported['checklist'])}")
    await desk.event(case_id, "assessment", "CrisisPathStarted", incident=True)
    await desk.event(case_id, "notification", "GuardianNoticeIssued")
    report = await desk.event(case_id, "notification", "AuthorityReportIssued")
    sent = await desk.first_event(case_id, "notification",
                                  ["AuthorityReportDispatched", "AuthorityReportFailed"])
    if sent.type == "AuthorityReportFailed":  # no commission contact configured
        say(f"incident: guardians told; the commission could not be ({sent.data['reason']}): "
            "it is on the team's list to report by hand")
    else:
        say(f"incident: guardians told, then the commission (due {report.data['report_by']}, "
            f"on time: {sent.data['on_time']})")
    await desk.assign(case_id, PSYCH_TEACHER, working_in=("intake",))
    for item in reported["checklist"][:2]:
        await desk.post("intake", f"/cases/{case_id}/incidents/{incident_id}/checklist",
                        {"item": item}, by=PSYCH_TEACHER)
        await desk.event(case_id, "intake", "ChecklistItemDone", item=item)
    say(f"incident: ticked {', '.join(reported['checklist'][:2])}")
    return IncidentRun(case_id, incident_id, reported["checklist"])


@dataclass(frozen=True)
class TransferRun:
    case_id: UUID
    transfer_id: UUID
    received_case_id: UUID


async def stage_transfer(desk: Desk, student_id: str, say: Say) -> TransferRun:
    """A primary pupil with a general case moves to middle school: with the consent of the
    student and the guardian the entitled history goes along, an event on both sides
    (003 item 9)."""
    received = await desk.report(student_id, signs=["emotional_abnormality"], name="学生丁")
    case_id = UUID(received["case_id"])
    await desk.event(case_id, "assessment", "TierProposed")
    await desk.decide(case_id, "general", rationale="low mood after moving house")
    await desk.assign(case_id, PSYCH_TEACHER, working_in=("intake",))
    sent = await desk.post("intake", f"/cases/{case_id}/transfers", {
        "to_school": NEXT_SCHOOL, "to_stage": "middle",
        "consent": {"guardian_rank": 1, "guardian_given_at": now().isoformat(),
                    "student_consented": True}},
        by=PSYCH_TEACHER)
    transfer_id = UUID(sent["transfer_id"])
    disclosed = await desk.event(case_id, "intake", "TransferDisclosed")
    say(f"transfer: sent to {NEXT_SCHOOL} with consent: {disclosed.data['categories']}")
    receipt = await desk.post("intake", f"/transfers/{transfer_id}/receipt", {
        "school_student_id": f"{student_id}-m", "school_code": NEXT_SCHOOL},
        by=NEXT_SCHOOL_PSYCH_TEACHER)
    new_case = UUID(receipt["case_id"])
    await desk.event(new_case, "intake", "TransferReceived", transfer_id=str(transfer_id))
    say(f"transfer: received by the middle school as case {new_case}, linked to {case_id}")
    return TransferRun(case_id, transfer_id, new_case)
