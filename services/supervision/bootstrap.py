"""Wires supervision's settings to its store of reads, CASES in memory, the services' own
states over HTTP, and its API; `python -m services.supervision serve|check` runs it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI

from casetrail.http import unguarded
from casetrail.service import BackgroundTask, ReadSideRuntime, serve, service_login
from casetrail.worker import ApplicationThread
from services.supervision.adapters.case_stream import CasesReplica, following_cases
from services.supervision.adapters.report.renderer import WeasyReportRenderer
from services.supervision.adapters.service_states import ServiceStatesOverHttp
from services.supervision.application import (
    CaseTrail,
    ServiceStates,
    Supervision,
    SupervisionStore,
)
from services.supervision.config import SupervisionSettings
from services.supervision.entrypoints.http import build_api
from services.supervision.incident_reports import IncidentReports


def build(settings: SupervisionSettings, trail: CaseTrail, states: ServiceStates, *,
          background: Sequence[BackgroundTask] = (),
          progress: Callable[[], dict[str, Any]] = dict) -> FastAPI:
    """The API on the given trail and states: the bus's and the services', or a test's."""
    store = SupervisionStore(settings.event_store_env())
    runtime = ReadSideRuntime(settings=settings, app=store,
                              thread=ApplicationThread(settings.service),
                              background=list(background), progress=progress)
    renderer = WeasyReportRenderer(cjk_font=settings.report_cjk_font,
                                   zone=settings.school_timezone)
    api = build_api(runtime, Supervision(trail, states, store, runtime.thread,
                                              settings.timezone),
                    IncidentReports(trail, store, runtime.thread, renderer,
                                    settings.timezone))
    if open_routes := unguarded(api):
        raise RuntimeError(f"routes outside the access matrix: {open_routes}")
    return api


def live(settings: SupervisionSettings) -> FastAPI:
    """CASES replayed and followed over NATS; the services asked over HTTP."""
    replica = CasesReplica()
    return build(settings, replica,
                 ServiceStatesOverHttp(settings.service_urls, settings.service_timeout_seconds),
                 background=[following_cases(settings.nats_url, service_login(settings),
                                             replica)],
                 progress=replica.progress)


def main(argv: list[str]) -> None:
    command = argv[1] if len(argv) > 1 else "serve"
    settings = SupervisionSettings()
    if command == "serve":
        serve(live(settings), settings)
    elif command != "check":  # it needs nothing the settings may leave out
        raise SystemExit("usage: python -m services.supervision serve|check")
