"""Erasure by deleting a student's data key: before it the personal fields read, after it
they read as erased in every service (its cases loaded from their snapshots), the stored
bytes hold none of them, and the trail still replays. The store-wide cipher is off here, so
the bytes show this layer alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import sqlalchemy

from casetrail.cli.erase import erase_everywhere
from casetrail.kernel import EventMeta
from casetrail.personal.erasure import Erasure
from casetrail.personal.sealing import ERASED, is_sealed
from casetrail.pseudonym import Pseudonyms
from contracts.codes import (
    Channel,
    GuardianRank,
    Instrument,
    NoticeChannel,
    PlanMeasure,
    Role,
    Sign,
    Tier,
)
from contracts.events import assessment, intake
from services.assessment.application import AssessmentApplication
from services.assessment.domain.assessment import Assessment
from services.assessment.domain.decision import Decision
from services.intake.domain.case import Case
from services.notification.application import NotificationApplication
from services.notification.domain.notice import GuardianNotification
from services.referral.application import ReferralApplication
from services.referral.domain.aftercare import Aftercare
from services.referral.routing import ReferralRequest
from tests.application.all_services import Running, all_served
from tests.application.conftest import deliver, envelope
from tests.application.test_referral import consented
from tests.conftest import PSEUDONYM_KEY
from tests.identity import bearer, token

SCHOOL_ID = "S-2031-0777"
KEY = Pseudonyms(PSEUDONYM_KEY.encode()).student_key(SCHOOL_ID)
NAME = "欧阳小明"
NOTE = "宿舍里发现的纸条"
GUARDIAN = "李秀英"
PHONE = "+86 139 1234 5678"
PLAN_NOTES = "母亲同意陪同就医"
SUMMARY = "近两周情绪低落，夜间失眠"
RATIONALE = "自述有自伤念头，班主任观察属实"
VISIT_NOTES = "家中父母关系紧张"
SECRETS = (NAME, NOTE, GUARDIAN, PHONE, PLAN_NOTES, SUMMARY, RATIONALE, VISIT_NOTES,
           SCHOOL_ID)
PHQ_A = {f"q{n}": 1 for n in range(1, 10)} | {"q9": 2}
PERSONAL = ("intake", "assessment", "notification", "referral")
AUDITOR = bearer("auditor")
TEAM = EventMeta.by("crisis_team", "crisis_team-1")


def stored_bytes(store_url: tuple[str, str | None], data_dir: Path) -> bytes:
    """The services' stores as the database holds them: the SQLite files (with their
    write-ahead logs), or every row of every table of the PostgreSQL schema."""
    url, schema = store_url
    if url.startswith("sqlite"):
        return b"".join(path.read_bytes() for path in sorted(data_dir.glob("*.db*")))
    engine = sqlalchemy.create_engine(url)
    dumped = b""
    try:
        with engine.connect() as connection:
            for name in sqlalchemy.inspect(connection).get_table_names(schema=schema):
                for row in connection.exec_driver_sql(f'SELECT * FROM "{schema}"."{name}"'):
                    dumped += b"".join(bytes(v) if isinstance(v, bytes | memoryview)
                                       else str(v).encode() for v in row)
    finally:
        engine.dispose()
    return dumped


def event_counts(running: dict[str, Running]) -> dict[str, int]:
    return {name: service.app.recorder.max_notification_id() or 0
            for name, service in running.items()}


def events_since(service: Running, count: int) -> list[str]:
    """The kinds of event stored after the first `count`."""
    return [n.topic.rsplit(".", 1)[-1] for n in service.app.recorder.select_notifications(
        start=count + 1, limit=100)]


def report_case(intake: Running) -> UUID:
    answer = intake.http.post("/reports", headers=bearer("crisis_team"), json={
        "student": {"school_student_id": SCHOOL_ID, "name": NAME},
        "channel": "staff_observation", "description": NOTE})
    assert answer.status_code == 201, answer.text
    return UUID(answer.json()["case_id"])


def tell_family(notification: Running, case_id: UUID) -> None:
    """The guardians on file, the family told of the crisis, reached, and a plan agreed."""
    kept = notification.http.put(f"/students/{SCHOOL_ID}/guardians",
                                 headers=bearer("crisis_team"), json={"guardians": [{
                                     "rank": 1, "relation": "mother", "name": GUARDIAN,
                                     "phone": PHONE, "preferred_channel": "sms"}]})
    assert kept.status_code == 200, kept.text
    app = notification.app
    assert isinstance(app, NotificationApplication)
    deliver(app, app.on_crisis_path_started, envelope("assessment", case_id, (
        assessment.CrisisPathStarted(student_key=KEY, report_id=uuid4()))))
    app.acknowledge(case_id, GuardianRank.PRIMARY, NoticeChannel.PHONE, TEAM)
    app.record_plan(case_id, [PlanMeasure.SAFETY_PLAN], True, GuardianRank.PRIMARY, None,
                    PLAN_NOTES, TEAM)


def assess(assessment: Running, case_id: UUID) -> None:
    """An instrument given, and the tier decided with its rationale."""
    app = assessment.app
    assert isinstance(app, AssessmentApplication)
    deliver(app, app.on_case_detected, envelope("intake", case_id, intake.CaseDetected(
        student_key=KEY, report_id=uuid4(), channel=Channel.STAFF_OBSERVATION,
        reporter_role=Role.CRISIS_TEAM, signs=[Sign.SELF_HARM], imminent=False)))
    app.score_instrument(case_id, Instrument.PHQ_A, PHQ_A, language="zh", meta=TEAM)
    proposed = app.get_case(case_id, Assessment).proposed_tier
    assert proposed is not None
    app.decide(case_id, Decision(Tier(proposed), RATIONALE, [
        {"role": "crisis_team", "id": "crisis_team-1"}]), meta=TEAM)


def refer(referral: Running, case_id: UUID) -> UUID:
    """The case decided a crisis, and a hospital sent a packet naming the student."""
    app = referral.app
    assert isinstance(app, ReferralApplication)
    deliver(app, app.on_tier_decided, envelope("assessment", case_id, assessment.TierDecided(
        student_key=KEY, tier=Tier.CRISIS, proposed_tier=Tier.CRISIS,
        overrides_proposal=False, participant_roles=[Role.CRISIS_TEAM])))
    app.record_home_visit(case_id, datetime.now(UTC).date() - timedelta(days=1), VISIT_NOTES,
                          TEAM)
    return app.refer(case_id, ReferralRequest("anding-hospital", consent_id=consented(
        app, case_id), packet={
        "patient": {"name": NAME, "school_student_id": SCHOOL_ID},
        "guardian": {"name": GUARDIAN, "phone": PHONE}, "summary": SUMMARY}), TEAM)


def reads(running: dict[str, Running], case_id: UUID, referral_id: UUID) -> dict[str, Any]:
    served, notification, referral = (running[name]
                                      for name in ("intake", "notification", "referral"))
    case = served.http.get(f"/cases/{case_id}", headers=AUDITOR)
    guardians = notification.http.get(f"/students/{SCHOOL_ID}/guardians", headers=AUDITOR)
    notified = notification.http.get(f"/cases/{case_id}", headers=AUDITOR)
    assessed = running["assessment"].http.get(f"/cases/{case_id}", headers=AUDITOR)
    aftercare = referral.http.get(f"/cases/{case_id}", headers=AUDITOR)
    packet = referral.http.get(f"/cases/{case_id}/referrals/{referral_id}/packet",
                               headers=AUDITOR)
    for answer in (case, guardians, notified, assessed, aftercare, packet):
        assert answer.status_code == 200, answer.text
    return {"case": case.json(), "guardian": guardians.json()["guardians"][0],
            "plan": notified.json()["plan"],
            "decision": assessed.json()["decisions"][0],
            "referral": aftercare.json()["referrals"][0],
            "visit": aftercare.json()["home_visits"][0],
            "packet": packet.text}


def test_an_erased_student_reads_as_erased_everywhere_while_the_trail_still_replays(
        store_url: tuple[str, str | None], tmp_path: Path) -> None:
    with all_served(store_url, tmp_path) as running:
        case_id = report_case(running["intake"])
        tell_family(running["notification"], case_id)
        assess(running["assessment"], case_id)
        referral_id = refer(running["referral"], case_id)
        # From here on each service loads the case from a snapshot: it holds the personal
        # fields sealed, as the events do, so the erasure reaches it too.
        for name in PERSONAL:
            running[name].app.take_snapshot(case_id)

        before = reads(running, case_id, referral_id)
        assert (before["case"]["student_name"], before["case"]["student_ref"]) == (
            NAME, SCHOOL_ID)
        assert before["case"]["reports"][0]["description"] == NOTE
        assert (before["guardian"]["name"], before["guardian"]["phone"]) == (GUARDIAN, PHONE)
        assert before["plan"]["notes"] == PLAN_NOTES
        assert before["decision"]["rationale"] == RATIONALE
        assert before["referral"]["packet"]["summary"] == SUMMARY
        assert before["visit"]["notes"] == VISIT_NOTES
        assert NAME in before["packet"] and PHONE in before["packet"]
        stored = stored_bytes(store_url, tmp_path)
        assert b"staff_observation" in stored  # the events' state is there to be read
        assert not [s for s in SECRETS if s.encode() in stored]
        [scored] = [e for e in running["assessment"].app.events.get(case_id)
                    if isinstance(e, Assessment.InstrumentScored)]
        assert is_sealed(scored.answers)  # the raw answers: numbers, so not to be grepped
        counts = event_counts(running)

        clients: dict[str, httpx.Client] = {name: running[name].http for name in PERSONAL}
        answers = erase_everywhere(clients, KEY, "lawful_request", token("principal"))
        assert {n: a.status_code for n, a in answers.items()} == dict.fromkeys(PERSONAL, 200)
        assert all(a.json()["erased_now"] for a in answers.values())

        # The trail is what it was, with the erasure (and the request's key) added.
        for name in PERSONAL:
            assert sorted(events_since(running[name], counts[name])) == [
                "Accepted", "Answered", "StudentErased"]
        intake_app, notification_app = running["intake"].app, running["notification"].app
        erasure: object = intake_app.repository.get(Erasure.id_for(KEY))
        assert isinstance(erasure, Erasure)
        assert (erasure.reason, erasure.erased_by) == (
            "lawful_request", {"role": "principal", "id": "principal-1"})
        for name in ("assessment", "notification", "referral"):
            assert running[name].app.repository.get(Erasure.id_for(KEY)).reason == (
                "lawful_request")

        after = reads(running, case_id, referral_id)
        assert (after["case"]["student_name"], after["case"]["student_ref"]) == (
            ERASED, ERASED)
        assert after["case"]["reports"][0]["description"] == ERASED
        assert after["case"]["reports"][0]["channel"] == "staff_observation"
        assert (after["guardian"]["name"], after["guardian"]["phone"]) == (ERASED, ERASED)
        assert after["guardian"]["relation"] == "mother"
        assert after["plan"]["notes"] == ERASED
        assert after["plan"]["measures"] == ["safety_plan"]
        assert after["decision"]["rationale"] == ERASED
        assert after["decision"]["tier"] == before["decision"]["tier"]
        assert after["referral"]["packet"] == dict.fromkeys(
            ("guardian", "patient", "summary"), ERASED)
        assert after["referral"]["receiver_id"] == "anding-hospital"
        assert (after["visit"]["notes"], after["visit"]["made_on"]) == (
            ERASED, before["visit"]["made_on"])
        assert NAME not in after["packet"] and PHONE not in after["packet"]
        # The aggregates still load from their events: the trail replays.
        assert isinstance(intake_app.repository.get(case_id), Case)
        assert isinstance(notification_app.repository.get(case_id), GuardianNotification)
        assert isinstance(running["referral"].app.repository.get(case_id), Aftercare)
        assert isinstance(running["assessment"].app.repository.get(case_id), Assessment)
        grown = event_counts(running)

        again = erase_everywhere(clients, KEY, "lawful_request", token("principal"))
        assert not any(a.json()["erased_now"] for a in again.values())
        assert event_counts(running) == grown


@pytest.mark.parametrize("role", ["class_teacher", "auditor", "psych_teacher"])
def test_only_the_principal_the_crisis_team_head_and_the_system_may_erase(
        role: str, store_url: tuple[str, str | None], tmp_path: Path) -> None:
    with all_served(store_url, tmp_path) as running:
        refused = running["intake"].http.post(
            f"/students/{KEY}/erasure", json={"reason": "lawful_request"},
            headers=bearer(role))
        assert refused.status_code == 403
