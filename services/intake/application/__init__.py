"""Intake's commands and queries."""

from services.intake.application.case_list import CaseListDesk
from services.intake.application.cases import (
    IncidentReceived,
    IntakePolicy,
    ReportReceived,
)
from services.intake.application.reports import ReportDesk
from services.intake.application.retention import RetentionDesk
from services.intake.application.screenings import Consent, ScreeningDesk
from services.intake.application.state import StateDesk
from services.intake.application.team import TeamDesk
from services.intake.application.transfers import TransferConsent, TransferDesk


class IntakeApplication(ScreeningDesk, TransferDesk, TeamDesk, ReportDesk, RetentionDesk,
                        StateDesk, CaseListDesk):
    name = "intake"


__all__ = ["Consent", "IncidentReceived", "IntakeApplication", "IntakePolicy",
           "ReportReceived", "TransferConsent"]
