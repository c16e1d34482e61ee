"""Wires intake's settings to its store, bus and API."""

from fastapi import FastAPI

from casetrail.bus.inbox import Subscription
from casetrail.service import ServiceEntry, ServiceRuntime
from casetrail.worker import ApplicationThread
from services.intake.adapters.published import PUBLISHED
from services.intake.application import IntakeApplication
from services.intake.config import IntakeSettings
from services.intake.entrypoints.http import build_api


def application(settings: IntakeSettings) -> IntakeApplication:
    return IntakeApplication(settings.event_store_env(),
                             settings.pseudonym_key.get_secret_value().encode())


def api(settings: IntakeSettings) -> FastAPI:
    app = application(settings)
    runtime = ServiceRuntime(
        settings=settings, app=app, thread=ApplicationThread(settings.service),
        subscriptions=[Subscription(settings.service, "referral",
                                    {"CaseClosed": app.on_case_closed})],
    )
    return build_api(runtime, app)


ENTRY = ServiceEntry(settings=IntakeSettings, api=api, application=application,
                     published=PUBLISHED)
