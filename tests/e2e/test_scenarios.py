"""The school's paths (issue 4), one test each, through the eight real processes over NATS.

The paths themselves are `casetrail.cli.scenarios`, which `casetrail demo` prints; here a
hospital's webhook is played by a real HTTP server, and each test checks the trail on CASES.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from nats.aio.client import Client

from casetrail.bus.replay import case_timeline, read_all
from casetrail.cli.cast import CRISIS_TEAM
from casetrail.cli.desk import Desk
from casetrail.cli.liaison import reference_liaison
from casetrail.cli.scenarios import (
    crisis_with_primary_unreachable,
    hospital_path,
    incident,
    screening_batch,
    serious_with_plan,
    stage_transfer,
)
from casetrail.cli.scenarios.common import quiet
from casetrail.cli.timeline import STAGE_ORDER, stages_reached
from contracts.envelope import Envelope
from contracts.subjects import CASE_SUBJECTS, CASES_STREAM
from tests.receivers import Hospital, serving
from tests.system import System, running_system

pytestmark = pytest.mark.e2e

TOKENS = {"anding-hospital": secrets.token_urlsafe(16),
          "huilongguan-hospital": secrets.token_urlsafe(16)}


def receivers_file(path: Path, webhook: str) -> Path:
    lines = []
    for order, receiver_id in enumerate(TOKENS, start=1):
        lines += ["[[receivers]]", f'id = "{receiver_id}"', 'type = "hospital_green_channel"',
                  f'name = "{receiver_id}"', f"order = {order}", "answer_within_minutes = 240",
                  f'endpoint = "{webhook}"', ""]
    lines += ["[[receivers]]", 'id = "district-centre"', 'type = "district_guidance_centre"',
              'name = "district centre"', "order = 1", "answer_within_minutes = 1440", ""]
    path.write_text("\n".join(lines))
    return path


@pytest.fixture(scope="module")
def hospital() -> Iterator[tuple[Hospital, str]]:
    played = Hospital()
    with serving(played) as url:
        yield played, url


def school_settings(data: Path, webhook: str) -> dict[str, str]:
    """A school whose hospitals answer at `webhook`, with every contact beyond the family."""
    return {
        "REFERRAL_RECEIVERS_FILE": str(receivers_file(data / "receivers.toml", webhook)),
        "REFERRAL_RECEIVER_TOKENS": json.dumps(TOKENS),
        "REFERRAL_TIMER_TICK_SECONDS": "0.3",
        "REFERRAL_DELIVERY_BACKOFF_SECONDS": "0.2",
        # Long enough that a person's call or acknowledgement comes before any timer.
        "NOTIFICATION_ESCALATE_CRISIS_AFTER_SECONDS": "120",
        # The school has its contacts beyond the family on file (without, see test_pipeline).
        "NOTIFICATION_CRISIS_TEAM_HEAD_CONTACT": "+86 138 0000 0009",
        "NOTIFICATION_POLICE_CONTACT": "+86 110",
        "NOTIFICATION_COMMISSION_CONTACT": "duty@edu.example.cn",
    }


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory,
           hospital: tuple[Hospital, str]) -> Iterator[System]:
    data = tmp_path_factory.mktemp("school")
    with running_system(data, school_settings(data, hospital[1])) as system:
        yield system


SCHOOL_IDS: list[str] = []  # every school-issued id these paths used


def student() -> str:
    SCHOOL_IDS.append(school_id := f"s-{secrets.token_hex(4)}")
    return school_id


def types(trail: list[Envelope]) -> list[str]:
    return [f"{e.service}.{e.type}" for e in trail]


async def test_a_screening_refuses_the_row_without_consent_and_opens_a_case_for_the_positive(
        desk: Desk, nc: Client) -> None:
    run = await screening_batch(desk, student(), quiet)
    assert run.first["accepted"] == 2 and run.first["positive"] == 1
    assert [r["line"] for r in run.first["refused"]] == [4]
    assert "consent" in run.first["refused"][0]["reason"]
    assert run.again == run.first  # the same file twice changes nothing
    trail = await case_timeline(nc, run.positive_case)
    detected = next(e for e in trail if e.type == "CaseDetected")
    assert detected.data["channel"] == "screening"
    assert detected.data["screen"]["instrument"] == "asq"
    assert detected.data["screen"]["positive"] is True
    proposed = next(e for e in trail if e.type == "TierProposed")
    assert any(reason.startswith("instrument:asq") for reason in proposed.data["reasons"])


async def test_a_serious_case_climbs_the_chain_and_gets_a_plan_agreed_with_the_guardian(
        desk: Desk, nc: Client) -> None:
    case_id = await serious_with_plan(desk, student(), quiet)
    trail = await case_timeline(nc, case_id)
    forwards = [e.data["to_level"] for e in trail if e.type == "ReportForwarded"]
    assert forwards == ["grade", "school"]
    assert {e.actor.role for e in trail if e.type == "ReportAcknowledged"} == {
        "grade_leader", "principal"}
    plan = next(e for e in trail if e.type == "InterventionPlanRecorded")
    assert plan.data["agreed"] and "district_centre_sessions" in plan.data["measures"]
    assert types(trail).index("notification.GuardianAcknowledged") < types(trail).index(
        "notification.InterventionPlanRecorded")
    made = next(e for e in trail if e.type == "ReferralMade")
    assert made.data["receiver_type"] == "district_guidance_centre"


async def test_a_crisis_whose_primary_guardian_is_unreachable_reaches_the_secondary(
        desk: Desk, nc: Client) -> None:
    case_id = await crisis_with_primary_unreachable(desk, student(), quiet)
    trail = await case_timeline(nc, case_id)
    notices = [(e.data["guardian_rank"], e.data["channel"]) for e in trail
               if e.type == "GuardianNoticeIssued"]
    assert notices == [(1, "phone"), (2, "sms")]
    called = next(e for e in trail if e.type == "GuardianCalled")
    assert called.data["outcome"] == "no_answer"
    acknowledged = next(e for e in trail if e.type == "GuardianAcknowledged")
    assert acknowledged.data["guardian_rank"] == 2
    assert not [e for e in trail if e.type == "NoticeEscalated"]
    started = next(e for e in trail if e.type == "CrisisPathStarted")
    decided = next(e for e in trail if e.type == "TierDecided")
    assert decided.causation_id == started.event_id  # the decision follows the crisis path


async def test_a_declining_hospital_re_routes_and_the_case_runs_to_closure(
        desk: Desk, nc: Client, system: System, hospital: tuple[Hospital, str]) -> None:
    played, _ = hospital
    referral = system.cluster.url("referral")
    liaisons = {rid: reference_liaison(desk.http, referral, token) for rid, token in TOKENS.items()}
    path = await hospital_path(desk, liaisons, student(), quiet, webhooks=True)
    trail = await case_timeline(nc, path.case_id)
    assert stages_reached(trail) == STAGE_ORDER
    answers = [(e.data["referral_id"], e.data["response"]) for e in trail
               if e.type == "ReferralAnswered"]
    assert answers == [(str(path.declined), "declined"), (str(path.accepted), "accepted"),
                       (str(path.accepted), "scheduled"), (str(path.accepted), "admitted"),
                       (str(path.accepted), "discharged")]
    received = [e.data["referral_id"] for e in trail if e.type == "ReferralReceived"]
    assert received == [str(path.declined), str(path.accepted)]  # each marked before answered
    feedback = next(e for e in trail if e.type == "ReferralFeedbackGiven")
    assert feedback.data["referral_id"] == str(path.accepted)
    assert feedback.data["discharge_summary"] and feedback.data["recommendations"]
    delivered = {e.data["referral_id"] for e in trail if e.type == "ReferralDelivered"}
    assert delivered == {str(path.declined), str(path.accepted)}
    packets = [Bundle.model_validate(body) for body, _ in played.received]
    tasks = [entry.resource for packet in packets for entry in packet.entry or []
             if entry.resource and entry.resource.get_resource_type() == "Task"]
    assert len(tasks) == 2
    assert {task.model_dump()["status"] for task in tasks} == {"requested"}
    follow_ups = [(e.data["number"], e.data["on_time"]) for e in trail
                  if e.type == "FollowUpRecorded"]
    assert follow_ups == [(1, False), (2, True)]
    assert any(e.type == "FollowUpOverdue" for e in trail)
    assert trail[-1].type == "CaseClosed"


async def test_an_incident_tells_the_guardians_before_the_education_commission(
        desk: Desk, nc: Client) -> None:
    run = await incident(desk, student(), quiet)
    trail = await case_timeline(nc, run.case_id)
    order = types(trail)
    assert order.index("intake.IncidentReported") < order.index(
        "notification.AuthorityReportIssued")
    assert order.index("notification.GuardianNoticeIssued") < order.index(
        "notification.AuthorityReportIssued")
    dispatched = next(e for e in trail if e.type == "AuthorityReportDispatched")
    assert dispatched.data["on_time"] is True
    done = [e.data["item"] for e in trail if e.type == "ChecklistItemDone"]
    assert done == run.checklist[:2]


async def test_a_stage_transfer_is_an_event_on_both_sides(desk: Desk, nc: Client) -> None:
    run = await stage_transfer(desk, student(), quiet)
    sent = next(e for e in await case_timeline(nc, run.case_id)
                if e.type == "TransferDisclosed")
    received = next(e for e in await case_timeline(nc, run.received_case_id)
                    if e.type == "TransferReceived")
    assert sent.data["transfer_id"] == received.data["transfer_id"] == str(run.transfer_id)
    assert received.data["from_case_id"] == str(run.case_id)
    assert sent.data["consent_id"]
    packet = await desk.get("intake", f"/transfers/{run.transfer_id}", by=CRISIS_TEAM)
    assert "description" not in json.dumps(packet)


async def test_no_name_contact_school_id_or_free_text_of_these_paths_reached_the_bus(
        nc: Client) -> None:
    """The paths above gave names, phone numbers, e-mails, descriptions, a summary and notes
    to the services; none of it may be on CASES (ids and codes only)."""
    assert SCHOOL_IDS, "run with the paths above"
    personal = [*SCHOOL_IDS, "学生", "母亲", "父亲", "+86", "example.cn", "overdose",
                "washroom", "forearm", "goodbye", "mother checks", "moving house"]
    bodies = [body.decode() for body in await read_all(nc, CASES_STREAM, CASE_SUBJECTS, 2.0)]
    assert len(bodies) > 50
    for body in bodies:
        leaked = [text for text in personal if text in body]
        assert not leaked, f"{leaked} on the bus: {body[:200]}"
