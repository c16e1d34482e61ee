"""Wires assessment's settings to its store, bus and API."""

from fastapi import FastAPI

from casetrail.bus.inbox import Subscription
from casetrail.service import ServiceEntry, ServiceRuntime
from casetrail.worker import ApplicationThread
from services.assessment.adapters.published import PUBLISHED
from services.assessment.application import AssessmentApplication
from services.assessment.config import AssessmentSettings
from services.assessment.entrypoints.http import build_api


def application(settings: AssessmentSettings) -> AssessmentApplication:
    return AssessmentApplication(settings.event_store_env())


def api(settings: AssessmentSettings) -> FastAPI:
    app = application(settings)
    runtime = ServiceRuntime(
        settings=settings, app=app, thread=ApplicationThread(settings.service),
        subscriptions=[Subscription(settings.service, "intake", {
            "CaseDetected": app.on_case_detected,
            "ReportAttached": app.on_report_attached,
        })],
    )
    return build_api(runtime, app)


ENTRY = ServiceEntry(settings=AssessmentSettings, api=api, application=application,
                     published=PUBLISHED)
