"""Wires supervision's settings to its store of reads, CASES in memory, the services' own
states over HTTP, and its API; `python -m services.supervision serve|check` runs it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI

from casetrail.http import unguarded
from casetrail.ledger.signing import read_ledger_keys
from casetrail.metrics import ServiceMetrics
from casetrail.service import BackgroundTask, ReadSideRuntime, serve, service_login
from casetrail.worker import ApplicationThread
from services.supervision.adapters.case_stream import CasesReplica, following_cases
from services.supervision.adapters.checkpoint_verifier import CheckpointsOnTheBus
from services.supervision.adapters.clock_metrics import ClockMetrics
from services.supervision.adapters.figure_files import render_figures
from services.supervision.adapters.report.renderer import WeasyReportRenderer
from services.supervision.adapters.service_states import ServiceStatesOverHttp
from services.supervision.application import (
    CaseTrail,
    CaseVerifier,
    ServiceStates,
    Supervision,
    SupervisionStore,
    SupervisorFigures,
)
from services.supervision.config import Districts, SupervisionSettings
from services.supervision.domain.figures import SupervisionFigures
from services.supervision.entrypoints.http import build_api
from services.supervision.entrypoints.worklist import Pace
from services.supervision.incident_reports import IncidentReports
from services.supervision.worklists import LiveCases, PositionedTrail, Worklists


def build(settings: SupervisionSettings, trail: PositionedTrail, states: ServiceStates, *,
          background: Sequence[BackgroundTask] = (),
          progress: Callable[[], dict[str, Any]] = dict,
          figures: SupervisorFigures | None = None,
          verifier: CaseVerifier | None = None,
          live: LiveCases | None = None,
          metrics: ServiceMetrics | None = None) -> FastAPI:
    """The API on the given trail, states and verifier: the bus's and the services', or a
    test's; without a verifier, reports say no key is pinned to check the checkpoints;
    the worklist and who stands to each case are `live`'s, fed by the trail's reader; the
    process's `metrics` served at /metrics."""
    store = SupervisionStore(settings.event_store_env())
    live = live or live_cases(settings)
    runtime = ReadSideRuntime(settings=settings, app=store,
                              thread=ApplicationThread(settings.service),
                              background=list(background), progress=progress,
                              relations=live.book, metrics=metrics or ServiceMetrics())
    renderer = WeasyReportRenderer(cjk_font=settings.report_cjk_font,
                                   zone=settings.school_timezone)
    api = build_api(runtime, Supervision(trail, states, store, runtime.thread,
                                         settings.timezone),
                    figures or supervisor_figures(settings, trail),
                    IncidentReports(trail, store, runtime.thread, renderer,
                                    settings.timezone, verifier),
                    Worklists(trail, live, store, runtime.thread, settings.timezone),
                    Pace(settings.worklist_heartbeat_seconds, settings.worklist_stream_seconds))
    if open_routes := unguarded(api):
        raise RuntimeError(f"routes outside the access matrix: {open_routes}")
    return api


def live_cases(settings: SupervisionSettings) -> LiveCases:
    """An empty worklist of the deployment's school, to be fed CASES from its start."""
    return LiveCases(settings.school(), queue_size=settings.worklist_queue_size)


def supervisor_figures(settings: SupervisionSettings, trail: CaseTrail) -> SupervisorFigures:
    """An empty figures model, to be fed the deployment's CASES from its start."""
    return SupervisorFigures(trail, SupervisionFigures(settings.timezone),
                             Districts.load(settings.districts_file).schools, render_figures)


def case_verifier(settings: SupervisionSettings) -> CaseVerifier | None:
    """The bus's checkpoints checked with the keys pinned in the settings' file, if any."""
    if settings.ledger_keys_file is None:
        return None
    keys = read_ledger_keys(settings.ledger_keys_file)  # a missing file stops the start
    return CheckpointsOnTheBus(settings.nats_url, service_login(settings), keys,
                               settings.verify_timeout_seconds) if keys else None


def live(settings: SupervisionSettings) -> FastAPI:
    """CASES replayed and followed over NATS; the services asked over HTTP."""
    replica = CasesReplica()
    figures = supervisor_figures(settings, replica)
    school = settings.school()
    replica.followers.append(lambda envelope, _: figures.take(envelope, school))
    live = live_cases(settings)
    replica.followers.append(live.take)
    metrics = ServiceMetrics()
    replica.followers.append(ClockMetrics(metrics, settings.service).take)
    return build(settings, replica,
                 ServiceStatesOverHttp(settings.service_urls, settings.service_timeout_seconds),
                 background=[following_cases(settings.nats_url, service_login(settings),
                                             replica)],
                 progress=replica.progress, figures=figures,
                 verifier=case_verifier(settings), live=live, metrics=metrics)


def main(argv: list[str]) -> None:
    command = argv[1] if len(argv) > 1 else "serve"
    settings = SupervisionSettings()
    if command == "serve":
        serve(live(settings), settings)
    elif command != "check":  # it needs nothing the settings may leave out
        raise SystemExit("usage: python -m services.supervision serve|check")
