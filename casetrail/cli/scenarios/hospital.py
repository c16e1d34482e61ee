"""A crisis referred to the hospital green channel: the first hospital declines, the
referral re-routes to the next, which accepts, admits and discharges; the student returns
to school with a plan; follow-ups run, one of them late; the team closes the case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from casetrail.cli.cast import CLASS_TEACHER, CRISIS_TEAM, PSYCH_TEACHER
from casetrail.cli.desk import Desk, staff
from casetrail.cli.liaison import Liaison
from casetrail.cli.scenarios.common import Say, now, register_guardians

FIRST, SECOND = "anding-hospital", "huilongguan-hospital"
# The student came back from hospital this long ago (entered late, as happens), so the
# first weekly follow-up is already overdue when the plan is recorded.
BACK_SINCE = timedelta(days=10)
# The hospital's discharge summary, in its own records: the school gets its reference.
DISCHARGE_SUMMARY = "DocumentReference/discharge-summary-1"


@dataclass(frozen=True)
class HospitalPath:
    case_id: UUID
    declined: UUID
    accepted: UUID


async def acknowledge(liaison: Liaison, referral_id: UUID) -> None:
    """The hospital finds the referral among its Tasks still waiting and marks it received."""
    waiting = {task["id"] for task in await liaison.tasks("requested")}
    if str(referral_id) not in waiting:
        raise LookupError(f"referral {referral_id} is not among the receiver's waiting Tasks")
    await liaison.answer(str(referral_id), "received")


async def hospital_path(desk: Desk, liaisons: dict[str, Liaison], student_id: str,
                        say: Say, *, webhooks: bool) -> HospitalPath:
    """Each hospital answers through its liaison system (deploy/fhir's reference client):
    reads its Tasks and answers each on the version it read. `webhooks`: the hospitals
    have endpoints, so each answers once its packet arrived; without, a person carries the
    packet and the hospital answers all the same."""
    await register_guardians(desk, student_id, primary="sms", secondary="sms")
    received = await desk.report(student_id, signs=["suicide_attempt"], imminent=True,
                                 name="学生戊", description="overdose at home, told a friend")
    case_id = UUID(received["case_id"])
    await desk.assign(case_id, PSYCH_TEACHER, working_in=("notification", "referral"))
    await desk.event(case_id, "notification", "GuardianNoticeIssued")
    await desk.acknowledge(case_id, channel="sms")
    await desk.decide(case_id, "crisis", rationale="attempt within the last 24 hours")
    await desk.event(case_id, "referral", "TierNoted", tier="crisis", decided=True)
    consent = await desk.post("referral", f"/cases/{case_id}/consents", {
        "given_by_guardian_rank": 1, "relationship": "mother", "given_at": now().isoformat(),
        "scope": ["student_identity", "guardian_contact", "risk_tier", "signs_observed",
                  "assessment_summary"], "receiver_type": "hospital_green_channel"},
        by=CRISIS_TEAM)
    declined = UUID((await desk.post("referral", f"/cases/{case_id}/referrals", {
        "receiver_id": FIRST, "basis": "consent", "consent_id": consent["consent_id"],
        "packet": {"patient": {"name": "学生戊", "birth_date": "2011-05-02",
                               "gender": "female", "school_student_id": student_id},
                   "guardian": {"name": "母亲", "phone": "+86 138 0000 0001",
                                "relation": "mother"},
                   "summary": "overdose yesterday; ASQ acute positive"}},
        by=CRISIS_TEAM))["referral_id"])
    made = await desk.event(case_id, "referral", "ReferralMade", referral_id=str(declined))
    say(f"hospital: referred to {FIRST}, disclosed {made.data['disclosed']} "
        f"under {made.data['basis']}")
    if webhooks:
        await desk.event(case_id, "referral", "ReferralDelivered", referral_id=str(declined))
        say(f"hospital: the FHIR packet reached {FIRST}'s webhook")
    first = liaisons[FIRST]
    await acknowledge(first, declined)
    await first.answer(str(declined), "rejected", reason="no_capacity")
    rerouted = await desk.event(case_id, "referral", "ReferralMade",
                                rerouted_from=str(declined))
    accepted = UUID(rerouted.data["referral_id"])
    say(f"hospital: {FIRST} received the referral and declined it (no capacity); "
        f"re-routed to {rerouted.data['receiver_id']}")
    second = liaisons[SECOND]
    if webhooks:
        await desk.event(case_id, "referral", "ReferralDelivered", referral_id=str(accepted))
    await acknowledge(second, accepted)
    for answer in ("accepted", "scheduled", "admitted"):
        await second.answer(str(accepted), answer)
    await second.answer(str(accepted), "discharged", summary=DISCHARGE_SUMMARY,
                        recommendations="half days for two weeks, then a full timetable")
    await desk.event(case_id, "referral", "ReferralAnswered", referral_id=str(accepted),
                     response="discharged")
    await desk.event(case_id, "referral", "ReferralFeedbackGiven", referral_id=str(accepted))
    say(f"hospital: {SECOND} accepted, scheduled, admitted and discharged the student, "
        "with a discharge summary and recommendations for the return to school")
    back = now() - BACK_SINCE
    await desk.post("referral", f"/cases/{case_id}/return-plan", {
        "study_support": ["reduced_timetable", "regular_counselling", "exam_deferral"],
        "review_on": (back + timedelta(days=28)).date().isoformat(),
        "responsible": [staff(PSYCH_TEACHER), staff(CLASS_TEACHER)], "at": back.isoformat()},
        by=CRISIS_TEAM)
    await desk.event(case_id, "referral", "ReturnToSchoolPlanned")
    overdue = await desk.event(case_id, "referral", "FollowUpOverdue", number=1)
    say(f"hospital: back at school with a plan; follow-up 1 (due {overdue.data['due']}) "
        "is overdue and on the team's list")
    await desk.follow_up(case_id, "stable")
    await desk.follow_up(case_id, "improving")
    await desk.close(case_id, "resolved")
    await desk.event(case_id, "referral", "CaseClosed")
    say("hospital: two follow-ups recorded (the first late), case closed")
    return HospitalPath(case_id, declined, accepted)
