"""Wires referral's settings to its store, bus and API."""

from fastapi import FastAPI

from casetrail.bus.inbox import Subscription
from casetrail.service import ServiceEntry, ServiceRuntime
from casetrail.worker import ApplicationThread
from services.referral.adapters.published import PUBLISHED
from services.referral.application import ReferralApplication
from services.referral.config import ReferralSettings
from services.referral.entrypoints.http import build_api


def application(settings: ReferralSettings) -> ReferralApplication:
    return ReferralApplication(settings.event_store_env(), settings.timezone())


def api(settings: ReferralSettings) -> FastAPI:
    app = application(settings)
    runtime = ServiceRuntime(
        settings=settings, app=app, thread=ApplicationThread(settings.service),
        subscriptions=[Subscription(settings.service, "assessment", {
            "CrisisPathStarted": app.on_crisis_path_started,
            "TierDecided": app.on_tier_decided,
        })],
    )
    return build_api(runtime, app)


ENTRY = ServiceEntry(settings=ReferralSettings, api=api, application=application,
                     published=PUBLISHED)
