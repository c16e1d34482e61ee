"""Wires referral's settings to its store, bus and API."""

from casetrail.bus.inbox import Subscription
from casetrail.service import ServiceEntry
from services.referral.adapters.published import PUBLISHED
from services.referral.application import ReferralApplication
from services.referral.config import ReferralSettings
from services.referral.entrypoints.http import build_api


def application(settings: ReferralSettings) -> ReferralApplication:
    return ReferralApplication(settings.event_store_env(), settings.timezone())


def subscriptions(settings: ReferralSettings, app: ReferralApplication) -> list[Subscription]:
    return [Subscription(settings.service, "assessment", {
        "CrisisPathStarted": app.on_crisis_path_started,
        "TierDecided": app.on_tier_decided,
    })]


ENTRY = ServiceEntry(settings=ReferralSettings, application=application, published=PUBLISHED,
                     subscriptions=subscriptions, build_api=build_api)
