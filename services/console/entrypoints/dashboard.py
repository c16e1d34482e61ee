"""The supervisors' dashboard: supervision's figures for a period, per school or district,
as tables and bars drawn here, and the figures' file (CSV, XLSX) to download. District
officers may read these and nothing else."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.domain.figure_charts import (
    GROUPINGS,
    PeriodChoice,
    charts_of,
    groups_chart,
    period_of,
)
from services.console.entrypoints.downloads import handed_on
from services.console.entrypoints.navigation import pages_of
from services.console.entrypoints.session import SignedIn, console_of

FORMATS = ("csv", "xlsx")


def _params(chosen: PeriodChoice, fmt: str = "json") -> dict[str, str]:
    return {"from": chosen.first.isoformat(), "to": chosen.last.isoformat(),
            "by": chosen.by, "format": fmt}


def routes() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/dashboard")
    async def dashboard(request: Request, session: SignedIn) -> Response:
        console = console_of(request)
        chosen = period_of(request.query_params, datetime.now(console.zone).date())
        context = {"session": session, "chosen": chosen, "groupings": GROUPINGS,
                   "formats": FORMATS, "refused": [], "figures": None}
        if chosen.error is None:
            answer = await console.figures(session.token, _params(chosen))
            if answer.ok and isinstance(answer.body, dict):
                context |= {"figures": answer.body, "groups_chart": groups_chart(answer.body),
                            "charts": [(group, charts_of(group))
                                       for group in answer.body.get("groups") or []]}
            else:
                context["refused"] = [answer]
        return pages_of(request).render(request, "dashboard.html", context)

    @router.get("/dashboard/figures.{fmt}")
    async def figures_file(request: Request, fmt: str, session: SignedIn) -> Response:
        console = console_of(request)
        chosen = period_of(request.query_params, datetime.now(console.zone).date())
        if fmt not in FORMATS or chosen.error is not None:
            return Response(status_code=404)
        answer = await console.figures(session.token, _params(chosen, fmt))
        return handed_on(answer) or pages_of(request).render(request, "refused_page.html", {
            "session": session, "refused": [answer]}, status=answer.status)

    return router
