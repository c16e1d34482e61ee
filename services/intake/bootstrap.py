"""Wires intake's settings to its store, bus and API, and its ports to their adapters."""

from zoneinfo import ZoneInfo

from casetrail.bus.inbox import Subscription
from casetrail.personal.sealing import PersonalData
from casetrail.personal.vault import DataKeyVault, vault_of
from casetrail.service import ServiceEntry
from services.intake.adapters import sheets
from services.intake.adapters.published import PUBLISHED
from services.intake.application import IntakeApplication, IntakePolicy
from services.intake.application.screenings import SheetReader, TemplateRenderer
from services.intake.config import IntakeSettings
from services.intake.entrypoints.http import build_api


def build_intake(env: dict[str, str], pseudonym_key: bytes, policy: IntakePolicy | None = None, *,
          read_sheet: SheetReader = sheets.read_sheet,
          render_template: TemplateRenderer = sheets.render_template,
          personal: PersonalData | None = None) -> IntakeApplication:
    """The application on the given store, with the shipped adapters unless told others
    (a transient vault of data keys unless given one)."""
    return IntakeApplication(env, pseudonym_key, policy, read_sheet=read_sheet,
                             render_template=render_template,
                             personal=personal or DataKeyVault.transient(env, "intake"))


def application(settings: IntakeSettings) -> IntakeApplication:
    policy = IntakePolicy(school_code=settings.school_code, school_stage=settings.school_stage,
                          chain=settings.report_chain,
                          checklist=tuple(settings.emergency_plan().checklist),
                          screening_max_bytes=settings.screening_max_bytes,
                          retention=settings.retention(),
                          school_timezone=ZoneInfo(settings.school_timezone))
    return build_intake(settings.event_store_env(),
                        settings.pseudonym_key.get_secret_value().encode(), policy,
                        personal=vault_of(settings))


def subscriptions(settings: IntakeSettings, app: IntakeApplication) -> list[Subscription]:
    return [Subscription(settings.service, "referral", {"CaseClosed": app.on_case_closed,
                                                        "CaseReopened": app.on_case_reopened})]


ENTRY = ServiceEntry(settings=IntakeSettings, application=application, published=PUBLISHED,
                     subscriptions=subscriptions, build_api=build_api)
