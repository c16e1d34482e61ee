"""Wires intake's settings to its store, bus and API."""

from casetrail.bus.inbox import Subscription
from casetrail.service import ServiceEntry
from services.intake.adapters.published import PUBLISHED
from services.intake.application import IntakeApplication
from services.intake.config import IntakeSettings
from services.intake.entrypoints.http import build_api


def application(settings: IntakeSettings) -> IntakeApplication:
    return IntakeApplication(settings.event_store_env(),
                             settings.pseudonym_key.get_secret_value().encode())


def subscriptions(settings: IntakeSettings, app: IntakeApplication) -> list[Subscription]:
    return [Subscription(settings.service, "referral", {"CaseClosed": app.on_case_closed})]


ENTRY = ServiceEntry(settings=IntakeSettings, application=application, published=PUBLISHED,
                     subscriptions=subscriptions, build_api=build_api)
