"""Intake's HTTP API, one router per job; every read of a record is logged."""

from __future__ import annotations

from fastapi import FastAPI

from casetrail.http import service_api
from casetrail.service import ServiceRuntime
from services.intake.application import IntakeApplication
from services.intake.entrypoints.http import (
    incidents,
    reports,
    screenings,
    students,
    transfers,
)


def build_api(runtime: ServiceRuntime, app: IntakeApplication) -> FastAPI:
    api = service_api(runtime)
    for module in (reports, students, incidents, screenings, transfers):
        api.include_router(module.router(runtime, app))
    return api


__all__ = ["build_api"]
