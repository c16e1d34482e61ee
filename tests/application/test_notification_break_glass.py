"""A break-glass tells the case's team: the crisis-team head hears who opened the case with no
relation to it (role and id), why and until when; ids and codes only, once per break-glass."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking

from casetrail.bus.inbox import Subscription
from casetrail.identity.access_book import keeping_access
from casetrail.worker import ApplicationThread
from contracts.codes import BreakGlassReason
from contracts.envelope import Actor, Envelope
from contracts.events import intake
from services.notification.adapters.gateway import ChannelRouter, FileGateway
from services.notification.adapters.published import PUBLISHED as NOTIFICATION
from services.notification.application import NotificationApplication
from services.notification.bootstrap import build_notification
from services.notification.config import NotificationSettings
from services.notification.domain.notice import GuardianNotification
from services.notification.entrypoints.http import build_api
from services.notification.entrypoints.timers import dispatcher
from tests.application.conftest import deliver, envelope, published, served
from tests.application.test_notification import (
    CONTACTS,
    MOTHER,
    POLICY,
    PSEUDONYM_KEY,
    SCHOOL_ID,
    TEACHER,
    crisis_path,
    new_app,
)
from tests.identity import bearer

OPENER = Actor(role="principal", id="principal-7")
UNTIL = datetime(2026, 12, 2, 16, 30, tzinfo=UTC)


def break_glass(case_id: UUID) -> Envelope:
    return envelope("intake", case_id, intake.BreakGlassOpened(
        reason=BreakGlassReason.RESPONSIBLE_UNREACHABLE, until=UNTIL), OPENER)


def from_intake(app: NotificationApplication, message: Envelope) -> bool:
    """As the service's intake consumer takes it: the case's standing noted, then the alert."""
    handlers = keeping_access(app, Subscription(app.name, "intake", {
        "BreakGlassOpened": app.on_break_glass_opened})).handlers
    return deliver(app, handlers["BreakGlassOpened"], message)


def sent(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def test_a_break_glass_tells_the_crisis_team_head_who_why_and_until_when(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    app = new_app(env)
    app.record_guardians(SCHOOL_ID, [MOTHER], TEACHER)
    case_id = uuid4()
    from_intake(app, break_glass(case_id))
    await dispatcher(app, thread, ChannelRouter(FileGateway(tmp_path / "out.jsonl")))()
    [message] = sent(tmp_path / "out.jsonl")
    assert (message["recipient"], message["template_id"], message["contact_on_file"]) == (
        "crisis_team_head", "break-glass-opened-zh-v1", True)
    text = str(message["text"])
    for fact in (str(case_id), "principal", "principal-7", "responsible_unreachable",
                 UNTIL.isoformat()):
        assert fact in text
    assert MOTHER.name not in text and MOTHER.phone not in text
    [issued] = published(app, NOTIFICATION, "BreakGlassAlertIssued")
    assert issued.data == {
        "alert_id": message["message_id"], "opened_by": str(issued.causation_id),
        "opened_by_role": "principal", "opened_by_id": "principal-7",
        "reason": "responsible_unreachable", "until": UNTIL.isoformat().replace("+00:00", "Z")}
    [dispatched] = published(app, NOTIFICATION, "BreakGlassAlertDispatched")
    assert dispatched.data["alert_id"] == message["message_id"]


async def test_a_redelivered_break_glass_sends_one_message(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    app = new_app(env)
    case_id = uuid4()
    message = break_glass(case_id)
    assert from_intake(app, message)
    assert not from_intake(app, message)
    # Even past the inbox's mark (a crash between noting the standing and the alert):
    app.on_break_glass_opened(message, intake.BreakGlassOpened.model_validate(message.data),
                              Tracking("another-mark", 1))
    dispatch = dispatcher(app, thread, ChannelRouter(FileGateway(tmp_path / "out.jsonl")))
    await dispatch()
    await dispatch()
    assert len(sent(tmp_path / "out.jsonl")) == 1
    assert len(published(app, NOTIFICATION, "BreakGlassAlertIssued")) == 1
    assert len(app.get_case(case_id, GuardianNotification).alerts) == 1


async def test_each_break_glass_of_a_case_is_its_own_alert(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    app = new_app(env)
    case_id = uuid4()
    from_intake(app, break_glass(case_id))
    from_intake(app, break_glass(case_id))
    await dispatcher(app, thread, ChannelRouter(FileGateway(tmp_path / "out.jsonl")))()
    assert len(sent(tmp_path / "out.jsonl")) == 2


async def test_with_no_team_head_contact_the_alert_fails_for_want_of_one_and_is_the_teams(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    app = build_notification(env, POLICY, pseudonym_key=PSEUDONYM_KEY, contacts={
        recipient: to for recipient, to in CONTACTS.items() if recipient != "crisis_team_head"})
    case_id = uuid4()
    from_intake(app, break_glass(case_id))
    dispatch = dispatcher(app, thread, ChannelRouter(FileGateway(tmp_path / "out.jsonl")))
    await dispatch()
    await dispatch()  # refused for good once: not tried again
    assert sent(tmp_path / "out.jsonl") == []
    types = [e.type for e in published(app, NOTIFICATION)]
    assert "BreakGlassAlertDispatched" not in types
    [failed] = published(app, NOTIFICATION, "BreakGlassAlertFailed")
    assert failed.data["reason"] == "no_contact"
    assert [(u["case_id"], u["kind"], u["recipient"]) for u in app.unreachable()] == [
        (case_id, "break_glass", "crisis_team_head")]


async def test_a_family_not_yet_told_when_the_glass_broke_is_told_at_their_contact_later(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    """The break-glass opened the case's record before any event named the student: the
    crisis path that follows still finds the guardians on file."""
    app = new_app(env)
    app.record_guardians(SCHOOL_ID, [MOTHER], TEACHER)
    case_id = uuid4()
    from_intake(app, break_glass(case_id))
    deliver(app, app.on_crisis_path_started, envelope("assessment", case_id, crisis_path()))
    await dispatcher(app, thread, ChannelRouter(FileGateway(tmp_path / "out.jsonl")))()
    assert {m["recipient"] for m in sent(tmp_path / "out.jsonl")} == {
        "crisis_team_head", "guardian_1"}
    assert [m.to for m in (app.outgoing(case_id, n.notice_id) for n in
                           app.get_case(case_id, GuardianNotification).notices)] == [
        MOTHER.phone]



async def test_the_auditor_reads_the_alert_and_its_sending_on_the_cases_record(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread,
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = new_app(env)
    case_id = uuid4()
    from_intake(app, break_glass(case_id))
    await dispatcher(app, thread, ChannelRouter(FileGateway(tmp_path / "out.jsonl")))()
    monkeypatch.setenv("CASETRAIL_PSEUDONYM_KEY", PSEUDONYM_KEY.decode())
    async with served(NotificationSettings(), app, build_api) as client:
        read = await client.get(f"/cases/{case_id}", headers=bearer("auditor"))
    assert read.status_code == 200, read.text
    [alert] = read.json()["break_glass_alerts"]
    assert (alert["actor_role"], alert["actor_id"], alert["reason"], alert["recipient"],
            alert["dispatched"], alert["failed"]) == (
        "principal", "principal-7", "responsible_unreachable", "crisis_team_head", True, None)
