"""Wires referral's settings to its store, bus, directory, webhooks, timers and API."""

from datetime import timedelta

import httpx

from casetrail.bus.inbox import Subscription
from casetrail.service import BackgroundTask, ServiceEntry, every
from casetrail.worker import ApplicationThread
from services.referral.adapters.delivery import WebhookPoster
from services.referral.adapters.directory import Directory
from services.referral.adapters.published import PUBLISHED
from services.referral.application import ReferralApplication
from services.referral.config import ReferralSettings
from services.referral.entrypoints.http import build_api
from services.referral.entrypoints.timers import backoff, deliverer, watcher


def application(settings: ReferralSettings) -> ReferralApplication:
    return ReferralApplication(
        settings.event_store_env(), settings.timezone(),
        directory=Directory.load(settings.receivers_file),
        ad_hoc_answer_within=timedelta(minutes=settings.ad_hoc_answer_within_minutes),
        police_signs=settings.police_signs)


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
               thread: ApplicationThread) -> list[BackgroundTask]:
    # One client for the process's life: it ends with it.
    client = httpx.AsyncClient(timeout=settings.delivery_timeout_seconds)
    poster = WebhookPoster(client, settings.receiver_tokens)
    wait = backoff(timedelta(seconds=settings.delivery_backoff_seconds),
                   timedelta(seconds=settings.delivery_backoff_max_seconds))
    return [every(settings.delivery_poll_seconds, deliverer(app, thread, poster, wait)),
            every(settings.timer_tick_seconds, watcher(app, thread))]


ENTRY = ServiceEntry(settings=ReferralSettings, application=application, published=PUBLISHED,
                     subscriptions=subscriptions, build_api=build_api, background=background)
