"""Wires intake's settings to its store, bus and API."""

from casetrail.bus.inbox import Subscription
from casetrail.service import ServiceEntry
from services.intake.adapters.published import PUBLISHED
from services.intake.application import IntakeApplication, IntakePolicy
from services.intake.config import IntakeSettings
from services.intake.entrypoints.http import build_api


def application(settings: IntakeSettings) -> IntakeApplication:
    policy = IntakePolicy(school_code=settings.school_code, school_stage=settings.school_stage,
                          chain=settings.report_chain,
                          checklist=tuple(settings.emergency_plan().checklist),
                          screening_max_bytes=settings.screening_max_bytes)
    return IntakeApplication(settings.event_store_env(),
                             settings.pseudonym_key.get_secret_value().encode(), policy)


def subscriptions(settings: IntakeSettings, app: IntakeApplication) -> list[Subscription]:
    return [Subscription(settings.service, "referral", {"CaseClosed": app.on_case_closed,
                                                        "CaseReopened": app.on_case_reopened})]


ENTRY = ServiceEntry(settings=IntakeSettings, application=application, published=PUBLISHED,
                     subscriptions=subscriptions, build_api=build_api)
