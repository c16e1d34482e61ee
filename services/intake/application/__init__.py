"""Intake's commands and queries."""

from casetrail.store import snapshotted
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
from services.intake.domain.case import Case
from services.intake.domain.student import Student
from services.intake.domain.transfer import TransferredRecord


class IntakeApplication(ScreeningDesk, TransferDesk, TeamDesk, ReportDesk, RetentionDesk,
                        StateDesk, CaseListDesk):
    name = "intake"
    snapshotting_intervals = snapshotted(Case, TransferredRecord, Student)


__all__ = ["Consent", "IncidentReceived", "IntakeApplication", "IntakePolicy",
           "ReportReceived", "TransferConsent"]
