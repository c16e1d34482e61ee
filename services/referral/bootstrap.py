"""Wires referral's settings to its store, bus, directory, webhooks, timers and API."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx

from casetrail.bus.inbox import Subscription
from casetrail.metrics import ServiceMetrics
from casetrail.personal.sealing import PersonalData
from casetrail.personal.vault import DataKeyVault, vault_of
from casetrail.service import BackgroundTask, ServiceEntry, every
from casetrail.worker import ApplicationThread
from contracts.codes import Sign
from services.referral.adapters import fhir
from services.referral.adapters.delivery import WebhookPoster
from services.referral.adapters.directory import load_directory
from services.referral.adapters.published import PUBLISHED
from services.referral.application import ReferralApplication
from services.referral.config import DEFAULT_RECEIVERS, ReferralSettings
from services.referral.domain.directory import Directory
from services.referral.domain.receivers import POLICE_SIGNS
from services.referral.entrypoints.fhir import receiver_tokens
from services.referral.entrypoints.http import build_api
from services.referral.entrypoints.timers import backoff, deliverer, watcher


def build_referral(env: dict[str, str], school_timezone: ZoneInfo, *,
                   directory: Directory | None = None,
                   ad_hoc_answer_within: timedelta = timedelta(days=1),
                   police_signs: frozenset[Sign] = POLICE_SIGNS,
                   personal: PersonalData | None = None,
                   school_id: str | None = None) -> ReferralApplication:
    """The application on the given store, with the shipped directory of receivers unless
    given another, FHIR R4 as the receivers' format, and a transient vault of data keys
    unless given one."""
    return ReferralApplication(
        env, school_timezone, directory=directory or load_directory(DEFAULT_RECEIVERS),
        fhir=fhir, ad_hoc_answer_within=ad_hoc_answer_within, police_signs=police_signs,
        personal=personal or DataKeyVault.transient(env, "referral"), school_id=school_id)


def application(settings: ReferralSettings) -> ReferralApplication:
    return build_referral(
        settings.event_store_env(), settings.timezone(),
        directory=load_directory(settings.receivers_file),
        ad_hoc_answer_within=timedelta(minutes=settings.ad_hoc_answer_within_minutes),
        police_signs=settings.police_signs, personal=vault_of(settings),
        school_id=settings.school_id)


def subscriptions(settings: ReferralSettings, app: ReferralApplication) -> list[Subscription]:
    return [
        Subscription(settings.service, "assessment", {
            "CrisisPathStarted": app.on_crisis_path_started,
            "TierDecided": app.on_tier_decided,
        }),
        Subscription(settings.service, "intake", {
            "CaseDetected": app.on_case_detected,
            "ReportAttached": app.on_report_attached,
            "KeyConcernsNoted": app.on_key_concerns_noted,
        }),
    ]


def background(settings: ReferralSettings, app: ReferralApplication,
               thread: ApplicationThread, _: ServiceMetrics) -> list[BackgroundTask]:
    # One client for the process's life: it ends with it.
    client = httpx.AsyncClient(timeout=settings.delivery_timeout_seconds)
    poster = WebhookPoster(client, settings.receiver_tokens)
    wait = backoff(timedelta(seconds=settings.delivery_backoff_seconds),
                   timedelta(seconds=settings.delivery_backoff_max_seconds))
    return [every(settings.delivery_poll_seconds, deliverer(app, thread, poster, wait)),
            every(settings.timer_tick_seconds, watcher(app, thread))]


ENTRY = ServiceEntry(settings=ReferralSettings, application=application, published=PUBLISHED,
                     subscriptions=subscriptions, build_api=build_api, background=background,
                     other_credentials=receiver_tokens)
