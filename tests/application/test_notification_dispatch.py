"""The dispatcher: sends what was issued through the gateways; a guardian's notice they cannot
deliver fails and the ladder goes on to the next guardian."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from casetrail.metrics import ServiceMetrics
from casetrail.worker import ApplicationThread
from contracts.codes import DeliveryGuarantee, Role, Tier
from contracts.events import assessment
from services.notification.adapters.counted import CountedGateway
from services.notification.adapters.gateway import ChannelRouter, FileGateway
from services.notification.adapters.published import PUBLISHED as NOTIFICATION
from services.notification.adapters.smtp import SmtpGateway, SmtpSettings
from services.notification.adapters.webhook import WebhookSmsGateway
from services.notification.application import NotificationApplication
from services.notification.bootstrap import build_notification
from services.notification.domain.delivery import Delivery
from services.notification.domain.directory import Guardian
from services.notification.domain.notice import GuardianNotification
from services.notification.entrypoints.timers import dispatcher
from tests.application.conftest import deliver, envelope, published
from tests.application.test_notification import (
    FATHER,
    KEY,
    MOTHER,
    POLICY,
    PSEUDONYM_KEY,
    SCHOOL_ID,
    TEACHER,
    crisis_path,
    incident,
    messages_to_send,
    new_app,
)
from tests.integration.gateway_servers import SmtpServer, WebhookServer

SECRET = b"webhook-secret"


def serious_case(app: NotificationApplication) -> GuardianNotification:
    app.record_guardians(SCHOOL_ID, [MOTHER, FATHER], TEACHER)
    case_id = uuid4()
    decided = assessment.TierDecided(student_key=KEY, tier=Tier.SERIOUS,
                                     proposed_tier=Tier.SERIOUS, overrides_proposal=False,
                                     participant_roles=[Role.CRISIS_TEAM])
    deliver(app, app.on_tier_decided, envelope("assessment", case_id, decided))
    return app.get_case(case_id, GuardianNotification)


def router(tmp_path: Path, webhook: WebhookServer, secret: bytes = SECRET) -> ChannelRouter:
    return ChannelRouter(FileGateway(tmp_path / "messages.jsonl"),
                         sms=WebhookSmsGateway(webhook.url, secret))


async def test_a_notice_the_webhook_took_is_dispatched_on_its_channel(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    app = new_app(env)
    case_id = serious_case(app).id
    with WebhookServer(SECRET).running() as webhook:
        await dispatcher(app, thread, router(tmp_path, webhook))()
    [received] = webhook.received
    assert received["to"] == MOTHER.phone
    [notice] = app.get_case(case_id, GuardianNotification).notices
    assert notice.dispatched


@pytest.mark.parametrize(("provider_honours_key", "delivery"), [
    (True, "once"), (False, "at_least_once")])
async def test_the_trail_says_whether_a_copy_after_a_crash_could_reach_the_family(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread,
        provider_honours_key: bool, delivery: str) -> None:
    app = new_app(env)
    serious_case(app)
    with WebhookServer(SECRET).running() as webhook:
        sms = WebhookSmsGateway(webhook.url, SECRET, provider_honours_key=provider_honours_key)
        await dispatcher(app, thread, ChannelRouter(FileGateway(tmp_path / "m.jsonl"),
                                                    sms=sms))()
    [dispatched] = published(app, NOTIFICATION, "GuardianNoticeDispatched")
    assert dispatched.data["delivery"] == delivery


def test_a_dispatch_recorded_before_the_trail_said_how_reads_back_as_not_said(
        env: dict[str, str]) -> None:
    app = new_app(env)
    case_id = serious_case(app).id
    [notice] = app.get_case(case_id, GuardianNotification).notices
    app.mark_dispatched(case_id, notice.notice_id, "sms", DeliveryGuarantee.ONCE)
    [stored] = [n for n in app.recorder.select_notifications(start=1, limit=100)
                if n.topic.endswith("NoticeDispatched")]
    state = app.mapper.transcoder.decode(stored.state)
    del state["delivery"], state["class_version"]  # as the release before wrote it
    old = replace(stored, state=app.mapper.transcoder.encode(state))
    event = app.mapper.to_domain_event(old)
    assert NOTIFICATION.envelope(event).data["delivery"] is None  # type: ignore[union-attr]


async def test_a_refused_notice_fails_at_once_and_the_secondary_guardian_is_told(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    app = new_app(env)
    case_id = serious_case(app).id
    with WebhookServer(SECRET).running() as webhook:
        dispatch = dispatcher(app, thread, router(tmp_path, webhook, b"wrong-secret"))
        await dispatch()
    first, second = app.get_case(case_id, GuardianNotification).notices
    assert first.failed == "gateway_refused"
    assert (second.guardian_rank, second.channel) == (2, "email")


async def test_the_sends_and_refusals_of_the_gateways_are_counted_by_channel_and_reason(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    app = new_app(env)
    serious_case(app)
    metrics = ServiceMetrics()
    with WebhookServer(SECRET).running() as webhook:
        gateway = CountedGateway(router(tmp_path, webhook, b"wrong-secret"), metrics,
                                 "notification")
        await dispatcher(app, thread, gateway)()  # the mother's SMS, refused
        await dispatcher(app, thread, gateway)()  # then the father's email
    sample = metrics.registry.get_sample_value
    assert sample("casetrail_gateway_failed_total", {
        "service": "notification", "channel": "sms", "reason": "gateway_refused"}) == 1
    assert sample("casetrail_gateway_sent_total",
                  {"service": "notification", "channel": "email"}) == 1


async def test_a_gateway_that_stays_down_fails_the_notice_after_the_attempts(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    app = new_app(env)
    case_id = serious_case(app).id
    with WebhookServer(SECRET, status=503).running() as webhook:
        dispatch = dispatcher(app, thread, router(tmp_path, webhook), attempts=2,
                              backoff_seconds=0)
        await dispatch()
        assert app.get_case(case_id, GuardianNotification).notices[0].failed is None
        await dispatch()
    first, second = app.get_case(case_id, GuardianNotification).notices
    assert first.failed == "gateway_unavailable"
    assert second.guardian_rank == 2


async def test_a_failing_gateway_is_not_tried_again_before_its_back_off(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    app = new_app(env)
    serious_case(app)
    with WebhookServer(SECRET, status=503).running() as webhook:
        dispatch = dispatcher(app, thread, router(tmp_path, webhook), attempts=2,
                              backoff_seconds=60)
        await dispatch()
        await dispatch()
    assert len(webhook.received) == 1


async def test_with_no_guardian_on_file_a_crisis_notice_fails_at_once_and_the_team_head_is_told(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    app = new_app(env)
    case_id = uuid4()
    deliver(app, app.on_crisis_path_started, envelope("assessment", case_id, crisis_path()))
    await dispatcher(app, thread, ChannelRouter(FileGateway(tmp_path / "messages.jsonl")))()
    notification = app.get_case(case_id, GuardianNotification)
    [notice] = notification.notices
    assert (notice.failed, notice.dispatched) == ("no_contact", False)
    [head] = notification.escalations
    assert head.escalated_to == "crisis_team_head"


async def test_an_escalation_with_nobody_on_file_fails_for_want_of_a_contact_and_the_team_is_told(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    """No crisis-team head nor police contact configured: the trail must not say they were
    messaged. Each escalation fails at once (no_contact), the ladder goes on, and both are on
    the team's list to reach by hand."""
    app = build_notification(env, POLICY, pseudonym_key=PSEUDONYM_KEY, contacts={})
    case_id = uuid4()
    deliver(app, app.on_crisis_path_started, envelope("assessment", case_id, crisis_path()))
    dispatch = dispatcher(app, thread, ChannelRouter(FileGateway(tmp_path / "messages.jsonl")))
    for _ in range(3):  # the notice, then each escalation as the one before it fails
        await dispatch()
    trail = published(app, NOTIFICATION)
    assert "EscalationDispatched" not in [e.type for e in trail]
    head, police = [e for e in trail if e.type == "EscalationFailed"]
    assert [(e.data["escalated_to"], e.data["reason"]) for e in (head, police)] == [
        ("crisis_team_head", "no_contact"), ("police", "no_contact")]
    [to_police] = [e for e in trail if e.type == "NoticeEscalated"
                   and e.data["escalated_to"] == "police"]
    assert to_police.causation_id == head.event_id
    assert [(u["case_id"], u["recipient"], u["reason"]) for u in app.unreachable()] == [
        (case_id, "crisis_team_head", "no_contact"), (case_id, "police", "no_contact")]
    assert not (tmp_path / "messages.jsonl").exists()
    assert app.queued() == []


async def test_an_incident_report_with_no_commission_contact_fails_and_is_the_teams_to_make(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    app = build_notification(env, POLICY, pseudonym_key=PSEUDONYM_KEY,
                             contacts={"crisis_team_head": "+86 138 0000 0009"})
    app.record_guardians(SCHOOL_ID, [MOTHER], TEACHER)
    case_id = uuid4()
    deliver(app, app.on_incident_reported, envelope("intake", case_id, incident()))
    with WebhookServer(SECRET).running() as webhook:
        for _ in range(2):  # refused for good once: not tried again
            await dispatcher(app, thread, router(tmp_path, webhook))()
    types = [e.type for e in published(app, NOTIFICATION)]
    assert "AuthorityReportDispatched" not in types
    [failed] = published(app, NOTIFICATION, "AuthorityReportFailed")
    assert failed.data["reason"] == "no_contact"
    assert [(u["kind"], u["recipient"]) for u in app.unreachable()] == [
        ("report", "district_education_commission")]
    assert [m["to"] for m in webhook.received] == [MOTHER.phone]


async def test_a_refused_guardian_address_is_logged_as_a_reason_code_never_the_address(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread,
        caplog: pytest.LogCaptureFixture) -> None:
    app = new_app(env)
    by_email = Guardian(**{**MOTHER.__dict__, "preferred_channel": "email",
                           "email": "wang@example.cn"})
    app.record_guardians(SCHOOL_ID, [by_email], TEACHER)
    deliver(app, app.on_crisis_path_started, envelope("assessment", uuid4(), crisis_path()))
    async with SmtpServer(refuse_recipients=True).running() as relay:
        email = SmtpGateway(SmtpSettings(host="127.0.0.1", port=relay.port, starttls=False))
        router = ChannelRouter(FileGateway(tmp_path / "messages.jsonl"), email=email)
        with caplog.at_level(logging.DEBUG):
            await dispatcher(app, thread, router)()
    assert "address_refused" in caplog.text
    assert "wang@example.cn" not in caplog.text and MOTHER.phone not in caplog.text


async def test_every_failed_attempt_is_recorded_and_the_count_survives_a_restart(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    app = new_app(env)
    case_id = serious_case(app).id
    with WebhookServer(SECRET, status=503).running() as webhook:
        await dispatcher(app, thread, router(tmp_path, webhook), attempts=2,
                         backoff_seconds=0)()
        restarted = new_app(env)
        await dispatcher(restarted, thread, router(tmp_path, webhook), attempts=2,
                         backoff_seconds=0)()
    attempts = [e for e in restarted.events.get(case_id)
                if isinstance(e, Delivery.DeliveryAttemptFailed)]
    assert [(a.attempt, a.reason, a.kind) for a in attempts] == [
        (1, "gateway_unavailable", "notice"), (2, "gateway_unavailable", "notice")]
    assert restarted.get_case(case_id, GuardianNotification).notices[0].failed


async def test_an_escalation_the_gateway_cannot_deliver_is_recorded_and_stays_queued(
        env: dict[str, str], tmp_path: Path, thread: ApplicationThread) -> None:
    app = new_app(env)
    case_id = uuid4()
    deliver(app, app.on_crisis_path_started, envelope("assessment", case_id, crisis_path()))
    sent = messages_to_send(app)[0][1]
    app.mark_dispatched(case_id, sent.message_id, sent.channel,
                                  DeliveryGuarantee.ONCE)
    app.escalate_overdue(datetime.now(UTC) + timedelta(minutes=16))
    with WebhookServer(SECRET, status=503).running() as webhook:
        await dispatcher(app, thread, router(tmp_path, webhook), attempts=1,
                         backoff_seconds=0)()
    [attempt] = [e for e in app.events.get(case_id)
                 if isinstance(e, Delivery.DeliveryAttemptFailed)]
    assert (attempt.kind, attempt.reason) == ("escalation", "gateway_unavailable")
    assert [m.recipient for _, m in messages_to_send(app)] == ["crisis_team_head"]


def test_an_authority_report_not_sent_in_its_time_is_flagged_once(env: dict[str, str]) -> None:
    app = new_app(env)
    case_id = uuid4()
    deliver(app, app.on_incident_reported, envelope("intake", case_id, incident()))
    now = datetime.now(UTC)
    assert app.flag_overdue_reports(now + timedelta(minutes=59)) == 0
    assert app.flag_overdue_reports(now + timedelta(minutes=61)) == 1
    assert new_app(env).flag_overdue_reports(now + timedelta(minutes=62)) == 0
    [report] = app.get_case(case_id, GuardianNotification).reports
    assert report.overdue and not report.dispatched
    assert type(list(app.events.get(case_id))[-1]).__name__ == "ReportOverdue"


def test_an_authority_report_sent_in_time_is_never_flagged(env: dict[str, str]) -> None:
    app = new_app(env)
    case_id = uuid4()
    deliver(app, app.on_incident_reported, envelope("intake", case_id, incident()))
    report = next(m for _, m in messages_to_send(app)
                  if m.recipient == "district_education_commission")
    app.mark_dispatched(case_id, report.message_id, report.channel,
                                  DeliveryGuarantee.ONCE)
    assert app.flag_overdue_reports(datetime.now(UTC) + timedelta(hours=2)) == 0
