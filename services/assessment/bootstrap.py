"""Wires assessment's settings to its store, bus and API."""

from casetrail.bus.inbox import Subscription
from casetrail.personal.sealing import PersonalData
from casetrail.personal.vault import DataKeyVault, vault_of
from casetrail.service import ServiceEntry
from services.assessment.adapters.published import PUBLISHED
from services.assessment.application import AssessmentApplication
from services.assessment.config import AssessmentSettings
from services.assessment.entrypoints.http import build_api


def build_assessment(env: dict[str, str], *,
                     personal: PersonalData | None = None) -> AssessmentApplication:
    """The application on the given store, with a transient vault of data keys unless
    given one."""
    return AssessmentApplication(env, personal or DataKeyVault.transient(env, "assessment"))


def application(settings: AssessmentSettings) -> AssessmentApplication:
    return build_assessment(settings.event_store_env(), personal=vault_of(settings))


def subscriptions(settings: AssessmentSettings,
                  app: AssessmentApplication) -> list[Subscription]:
    return [Subscription(settings.service, "intake", {
        "CaseDetected": app.on_case_detected,
        "ReportAttached": app.on_report_attached,
        "KeyConcernsNoted": app.on_key_concerns_noted,
    }), Subscription(settings.service, "referral", {
        "CaseClosed": app.on_case_closed,
        "CaseReopened": app.on_case_reopened,
    })]


ENTRY = ServiceEntry(settings=AssessmentSettings, application=application, published=PUBLISHED,
                     subscriptions=subscriptions, build_api=build_api)
