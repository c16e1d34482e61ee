"""Wires notification's settings to its store, bus, gateways, templates, timers and API."""

from collections.abc import Mapping

from casetrail.bus.inbox import Subscription
from casetrail.metrics import ServiceMetrics
from casetrail.personal.sealing import PersonalData
from casetrail.personal.vault import DataKeyVault, vault_of
from casetrail.service import BackgroundTask, ServiceEntry, every
from casetrail.worker import ApplicationThread
from services.notification.adapters.counted import CountedGateway
from services.notification.adapters.gateway import ChannelRouter, FileGateway
from services.notification.adapters.ledger import LedgeredGateway, SentLedger
from services.notification.adapters.published import PUBLISHED
from services.notification.adapters.smtp import SmtpGateway
from services.notification.adapters.templates import Templates
from services.notification.adapters.webhook import WebhookSmsGateway
from services.notification.application import (
    MessageGateway,
    MessageTexts,
    NotificationApplication,
)
from services.notification.config import NotificationSettings
from services.notification.domain.policy import NotificationPolicy
from services.notification.entrypoints.http import build_api
from services.notification.entrypoints.timers import dispatcher, escalator


def build_notification(env: dict[str, str], policy: NotificationPolicy, *,
                       pseudonym_key: bytes, contacts: Mapping[str, str] | None = None,
                       templates: MessageTexts | None = None,
                       personal: PersonalData | None = None) -> NotificationApplication:
    """The application on the given store, with the shipped templates unless told others
    (a transient vault of data keys unless given one)."""
    return NotificationApplication(env, policy, pseudonym_key=pseudonym_key,
                                   contacts=contacts, templates=templates or Templates.load(),
                                   personal=personal or DataKeyVault.transient(env, "notification"))


def application(settings: NotificationSettings) -> NotificationApplication:
    return build_notification(
        settings.event_store_env(), settings.policy(),
        pseudonym_key=settings.pseudonym_key.get_secret_value().encode(),
        contacts=settings.contacts(), personal=vault_of(settings))


def subscriptions(settings: NotificationSettings,
                  app: NotificationApplication) -> list[Subscription]:
    return [
        Subscription(settings.service, "assessment", {
            "CrisisPathStarted": app.on_crisis_path_started,
            "TierDecided": app.on_tier_decided,
        }),
        Subscription(settings.service, "intake", {
            "IncidentReported": app.on_incident_reported,
            "BreakGlassOpened": app.on_break_glass_opened,
        }),
        Subscription(settings.service, "referral", {
            "CaseClosed": app.on_case_closed,
            "CaseReopened": app.on_case_reopened,
        }),
    ]


def gateway(settings: NotificationSettings, metrics: ServiceMetrics) -> LedgeredGateway:
    sms: MessageGateway | None = None
    if settings.sms_webhook_url:
        secret = settings.sms_webhook_secret
        if secret is None:
            raise ValueError("NOTIFICATION_SMS_WEBHOOK_SECRET is needed with the webhook URL")
        sms = WebhookSmsGateway(
            settings.sms_webhook_url, secret.get_secret_value().encode(),
            provider_honours_key=settings.sms_webhook_honours_idempotency_key)
    smtp = settings.smtp()
    router = ChannelRouter(FileGateway(settings.gateway_path()), sms=sms,
                           email=SmtpGateway(smtp) if smtp else None)
    # Counted behind the ledger: what a gateway was handed, not what the ledger held back.
    return LedgeredGateway(CountedGateway(router, metrics, settings.service),
                           SentLedger(settings.sent_ledger_path()))


def background(settings: NotificationSettings, app: NotificationApplication,
               thread: ApplicationThread, metrics: ServiceMetrics) -> list[BackgroundTask]:
    return [every(settings.dispatch_poll_seconds,
                  dispatcher(app, thread, gateway(settings, metrics),
                             settings.dispatch_attempts)),
            every(settings.timer_tick_seconds, escalator(app, thread))]


ENTRY = ServiceEntry(settings=NotificationSettings, application=application,
                     published=PUBLISHED, subscriptions=subscriptions, build_api=build_api,
                     background=background, warnings=NotificationSettings.missing_contacts)
