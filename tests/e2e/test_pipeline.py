"""A case through the real processes, over a real NATS server."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from uuid import UUID, uuid4

import pytest
from nats.aio.client import Client

from casetrail.bus.replay import case_timeline, dead_letters
from casetrail.cli.cast import AUDITOR, CLASS_TEACHER, CRISIS_TEAM, PEER, PSYCH_TEACHER
from casetrail.cli.commands import RequestRefused
from casetrail.cli.desk import Desk
from casetrail.cli.scenarios.common import register_guardians
from casetrail.cli.timeline import STAGE_ORDER, stages_reached
from contracts.subjects import CASES_STREAM, MSG_ID_HEADER, POSITION_HEADER
from tests.system import ESCALATE_CRISIS_AFTER_SECONDS, System

pytestmark = pytest.mark.e2e


async def test_a_crisis_case_passes_every_stage_and_replays_from_the_stream(
        desk: Desk, nc: Client) -> None:
    case_id = await desk.through_every_stage(f"s-{secrets.token_hex(4)}", "crisis",
                                             imminent=True, signs=["suicide_attempt"])
    trail = await case_timeline(nc, case_id)
    assert stages_reached(trail) == STAGE_ORDER
    assert len({e.event_id for e in trail}) == len(trail)
    crisis_path = next(e for e in trail if e.type == "CrisisPathStarted")
    notice = next(e for e in trail if e.type == "GuardianNoticeIssued")
    assert notice.causation_id == crisis_path.event_id  # told before the team had met


async def test_an_unacknowledged_crisis_notice_escalates_after_the_wait(desk: Desk) -> None:
    student = f"s-{secrets.token_hex(4)}"
    await register_guardians(desk, student, primary="sms")
    received = await desk.report(student, signs=["weapon"], imminent=True)
    case_id = UUID(received["case_id"])
    issued = await desk.event(case_id, "notification", "GuardianNoticeIssued")
    await desk.event(case_id, "notification", "GuardianNoticeDispatched",
                     notice_id=issued.data["notice_id"])
    escalated = await desk.event(case_id, "notification", "NoticeEscalated",
                                 timeout=ESCALATE_CRISIS_AFTER_SECONDS + 20)
    # No secondary guardian on file: the ladder's next step is the crisis team's head.
    assert escalated.data["notice_id"] == issued.data["notice_id"]
    assert escalated.data["escalated_to"] == "crisis_team_head"
    assert escalated.recorded_at >= datetime.fromisoformat(
        issued.data["acknowledge_by"].replace("Z", "+00:00"))
    # Nobody's contact is configured here: the trail says so, and the team sees it.
    await desk.event(case_id, "notification", "EscalationFailed",
                     escalation_id=escalated.data["escalation_id"], reason="no_contact")
    pending = await desk.get("notification", "/calls/pending", by=CRISIS_TEAM,
                             purpose="guardian_call")
    assert {"case_id": str(case_id), "message_id": escalated.data["escalation_id"],
            "kind": "escalation", "recipient": "crisis_team_head",
            "template_id": "escalation-unacknowledged-crisis-zh-v1",
            "reason": "no_contact"} in pending["unreachable"]


async def test_no_name_school_id_or_free_text_reaches_the_bus(
        desk: Desk, nc: Client) -> None:
    school_id, name, text = f"SCH-{secrets.token_hex(5)}", "欧阳小明", f"宿舍里 {uuid4()}"
    received = await desk.report(school_id, name=name, description=text,
                                 signs=["self_harm"], imminent=True)
    case_id = UUID(received["case_id"])
    await desk.event(case_id, "assessment", "TierProposed")
    await desk.decide(case_id, "crisis", rationale=f"{name} told the teacher: {text}")
    await desk.event(case_id, "referral", "TierNoted", decided=True)
    await desk.read("intake", case_id, by=CRISIS_TEAM)
    await desk.event(case_id, "intake", "CaseViewed")
    sub = await nc.jetstream().subscribe(">", stream=CASES_STREAM, ordered_consumer=True)
    seen = 0
    while True:
        msg = await sub.next_msg(timeout=5)
        seen += 1
        body = msg.data.decode()
        for secret in (school_id, name, text):
            assert secret not in body, f"{msg.subject} carries {secret!r}"
        if msg.metadata.num_pending == 0:
            break
    await sub.unsubscribe()
    assert seen >= 6


async def test_a_poison_message_goes_to_the_dead_letters_and_later_cases_flow(
        desk: Desk, nc: Client, as_intake: Client) -> None:
    js = as_intake.jetstream()
    poison = uuid4()
    await js.publish(f"case.{poison}.intake.CaseDetected", b"{not json",
                     headers={MSG_ID_HEADER: str(uuid4()), POSITION_HEADER: "1"})
    future = {"event_id": str(uuid4()), "case_id": str(poison), "service": "intake",
              "type": "CaseDetected", "version": 9, "occurred_at": "2026-11-24T00:00:00Z",
              "recorded_at": "2026-11-24T00:00:00Z", "actor": {"role": "system", "id": "x"},
              "correlation_id": str(uuid4()), "data": {}}
    await js.publish(f"case.{poison}.intake.CaseDetected", json.dumps(future).encode(),
                     headers={MSG_ID_HEADER: future["event_id"], POSITION_HEADER: "2"})
    received = await desk.report(f"s-{secrets.token_hex(4)}", signs=["grade_swing"])
    proposed = await desk.event(UUID(received["case_id"]), "assessment", "TierProposed")
    assert proposed.data["tier"] == "general"
    letters = [letter for letter in await dead_letters(nc, "assessment")
               if str(poison) in str(letter["subject"])]
    reasons = sorted(str(letter["reason"]) for letter in letters)
    assert len(reasons) == 2
    assert reasons[0].startswith("unreadable:")
    assert "v9 is newer than v1" in reasons[1]


async def test_a_message_whose_handler_keeps_failing_is_dead_lettered_after_its_deliveries(
        desk: Desk, nc: Client, as_intake: Client) -> None:
    orphan = uuid4()  # a report for a case assessment never heard of: it cannot be handled
    attached = {"event_id": str(uuid4()), "case_id": str(orphan), "service": "intake",
                "type": "ReportAttached", "version": 1, "occurred_at": "2026-11-24T00:00:00Z",
                "recorded_at": "2026-11-24T00:00:00Z",
                "actor": {"role": "class_teacher", "id": "t"},
                "correlation_id": str(uuid4()),
                "data": {"report_id": str(uuid4()), "channel": "peer", "reporter_role": "peer",
                         "signs": [], "imminent": False}}
    await as_intake.jetstream().publish(
        f"case.{orphan}.intake.ReportAttached", json.dumps(attached).encode(),
        headers={MSG_ID_HEADER: attached["event_id"], POSITION_HEADER: "900000000"})
    received = await desk.report(f"s-{secrets.token_hex(4)}", signs=["family_change"])
    await desk.event(UUID(received["case_id"]), "assessment", "TierProposed")
    [letter] = [letter for letter in await dead_letters(nc, "assessment")
                if str(orphan) in str(letter["subject"])]
    assert str(letter["reason"]).startswith("handler failed 3 times")
    assert letter["deliveries"] == 1  # tried again in place, holding the ones behind it


async def test_actions_that_do_not_fit_the_case_are_refused_with_the_reason(
        desk: Desk) -> None:
    received = await desk.report(f"s-{secrets.token_hex(4)}", signs=["self_harm"])
    case_id = UUID(received["case_id"])
    await desk.event(case_id, "assessment", "TierProposed")
    with pytest.raises(RequestRefused) as refused:
        await desk.decide(case_id, "serious", rationale=" ")
    assert refused.value.status_code == 422  # a blank rationale is bad input, not a rule
    await desk.decide(case_id, "serious", rationale="self-harm, guardians informed")
    await desk.event(case_id, "referral", "TierNoted", decided=True)
    referral_id = await desk.refer(case_id, "district_guidance_centre", "centre-1")
    with pytest.raises(RequestRefused) as refused:
        await desk.answer(case_id, referral_id, "admitted")
    assert refused.value.status_code == 409
    assert refused.value.detail == "a referral that is requested cannot be admitted"
    with pytest.raises(RequestRefused) as refused:
        await desk.close(case_id, "resolved")
    assert refused.value.status_code == 409


async def test_only_those_entitled_may_read_a_case_record(desk: Desk) -> None:
    received = await desk.report(f"s-{secrets.token_hex(4)}", signs=[], name="欧阳小明")
    case_id = UUID(received["case_id"])
    for not_entitled in (PEER, PSYCH_TEACHER):  # a classmate; a teacher not yet assigned
        with pytest.raises(RequestRefused) as refused:
            await desk.read("intake", case_id, by=not_entitled)
        assert refused.value.status_code == 403
    await desk.assign(case_id, PSYCH_TEACHER, working_in=("intake",))
    record = await desk.read("intake", case_id, by=PSYCH_TEACHER, purpose="assessment")
    assert record["student_name"] == "欧阳小明"
    viewed = await desk.event(case_id, "intake", "CaseViewed")
    assert viewed.actor.id == PSYCH_TEACHER.id
    assert viewed.data == {"purpose": "assessment", "what": "case_record"}


async def test_each_service_reports_its_outbox_and_inbox_backlog(
        desk: Desk, system: System) -> None:
    case_id = await desk.through_every_stage(f"s-{secrets.token_hex(4)}", "general",
                                             signs=["grade_swing"])
    await desk.event(case_id, "referral", "CaseClosed")
    response = await desk.http.get(f"{system.cluster.url('assessment')}/status",
                                   headers=desk.cast.headers(AUDITOR))
    status = response.json()
    assert status["outbox"]["committed"] >= status["outbox"]["relayed"] > 0
    assert set(status["inbox"]) == {"assessment-from-intake", "assessment-from-referral"}
    assert all(n["unacknowledged"] in (0, 1) for n in status["inbox"].values())


async def test_bad_input_is_refused_naming_the_field(desk: Desk, system: System) -> None:
    response = await desk.http.post(f"{system.cluster.url('intake')}/reports", json={
        "student": {"school_student_id": "S-1"}, "channel": "carrier_pigeon"},
        headers=desk.cast.headers(CLASS_TEACHER))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "channel"]
