"""Reaching the family: a serious case with a plan agreed, a crisis where the primary
guardian cannot be reached and the secondary is."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from casetrail.cli.cast import CLASS_TEACHER, GRADE_LEADER, PRINCIPAL, PSYCH_TEACHER
from casetrail.cli.desk import Desk
from casetrail.cli.scenarios.common import Say, now, register_guardians


async def serious_with_plan(desk: Desk, student_id: str, say: Say) -> UUID:
    """A class teacher's report climbs class → grade → school; the team grades it serious,
    the primary guardian is told by SMS and agrees a targeted plan; the district centre
    joins (001 三(三)2)."""
    await register_guardians(desk, student_id, primary="sms", secondary="phone")
    received = await desk.report(student_id, signs=["self_harm", "grade_swing"],
                                 name="学生甲", description="cuts on the forearm seen in PE")
    case_id, report_id = UUID(received["case_id"]), received["report_id"]
    chain = f"/cases/{case_id}/reports/{report_id}"
    await desk.post("intake", f"{chain}/forwards", {"to_level": "grade"}, by=CLASS_TEACHER)
    await desk.post("intake", f"{chain}/acknowledgements", {"level": "grade"}, by=GRADE_LEADER)
    await desk.post("intake", f"{chain}/forwards", {"to_level": "school"}, by=GRADE_LEADER)
    await desk.post("intake", f"{chain}/acknowledgements", {"level": "school"}, by=PRINCIPAL)
    say(f"serious: report {report_id} climbed class → grade → school")
    proposed = await desk.event(case_id, "assessment", "TierProposed")
    say(f"serious: proposed {proposed.data['tier']} because {proposed.data['reasons']}")
    await desk.decide(case_id, "serious", rationale="repeated self-harm, no plan or intent",
                      overrides_proposal=proposed.data["tier"] != "serious")
    await desk.assign(case_id, PSYCH_TEACHER, working_in=("notification",))
    notice = await desk.event(case_id, "notification", "GuardianNoticeIssued", guardian_rank=1)
    await desk.event(case_id, "notification", "GuardianNoticeDispatched")
    say(f"serious: guardian 1 told by {notice.data['channel']} "
        f"(template {notice.data['template_id']})")
    await desk.acknowledge(case_id, channel="sms")
    await desk.post("notification", f"/cases/{case_id}/intervention-plan", {
        "measures": ["counselling_sessions", "district_centre_sessions",
                     "guardian_supervision"],
        "agreed": True, "guardian_rank": 1,
        "review_on": (now() + timedelta(days=14)).date().isoformat(),
        "notes": "weekly counselling; mother checks in each evening"}, by=PSYCH_TEACHER)
    await desk.event(case_id, "notification", "InterventionPlanRecorded", agreed=True)
    say("serious: the targeted plan is agreed with guardian 1")
    referral_id = await desk.refer(case_id, "district_guidance_centre", "district-centre")
    await desk.answer(case_id, referral_id, "accepted")
    say("serious: the district guidance centre accepted the referral")
    return case_id


async def crisis_with_primary_unreachable(desk: Desk, student_id: str, say: Say) -> UUID:
    """Imminent danger: the primary guardian, phoned, does not answer; the ladder goes to the
    secondary guardian at once, who acknowledges; the team's decision follows."""
    await register_guardians(desk, student_id, primary="phone", secondary="sms")
    received = await desk.report(student_id, signs=["suicidal_ideation"], imminent=True,
                                 by=PSYCH_TEACHER, name="学生乙",
                                 description="said goodbye to friends, gave things away")
    case_id = UUID(received["case_id"])
    await desk.event(case_id, "assessment", "CrisisPathStarted")
    await desk.assign(case_id, PSYCH_TEACHER, working_in=("notification",))
    first = await desk.event(case_id, "notification", "GuardianNoticeIssued", guardian_rank=1)
    say(f"crisis: guardian 1 to be phoned (on the call list), acknowledge by "
        f"{first.data['acknowledge_by']}")
    await desk.post("notification", f"/cases/{case_id}/calls",
                    {"guardian_rank": 1, "outcome": "no_answer"}, by=PSYCH_TEACHER)
    await desk.event(case_id, "notification", "GuardianNoticeFailed")
    second = await desk.event(case_id, "notification", "GuardianNoticeIssued", guardian_rank=2)
    say(f"crisis: guardian 1 did not answer; guardian 2 told by {second.data['channel']}")
    await desk.acknowledge(case_id, channel="sms", guardian_rank=2)
    await desk.event(case_id, "notification", "GuardianAcknowledged", guardian_rank=2)
    say("crisis: guardian 2 acknowledged; the ladder stops")
    await desk.decide(case_id, "crisis", rationale="ideation with preparatory acts")
    await desk.event(case_id, "assessment", "TierDecided", follows_crisis_path=True)
    say("crisis: the team's decision follows the crisis path, linked to it")
    return case_id
