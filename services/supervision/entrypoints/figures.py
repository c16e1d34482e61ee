"""The supervisors' figures over HTTP: counts, shares and times per school or district, as
JSON, CSV or XLSX; never a case id or a name."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse, Response

from casetrail.identity.access import AccessMatrix
from casetrail.identity.principal import Principal
from services.supervision.application import StillReplaying, SupervisorFigures
from services.supervision.domain.figure_sheet import FigureFormat
from services.supervision.domain.figures import Grouping, Period

FILES: dict[int | str, dict[str, Any]] = {200: {
    "description": "the figures: JSON, or a sheet with Chinese and English headers",
    "content": {FigureFormat.CSV.media_type.split(";")[0]: {},
                FigureFormat.XLSX.media_type: {}}},
    503: {"description": "supervision is still reading CASES from its start; retry"}}


def figures_route(api: FastAPI, access: AccessMatrix, figures: SupervisorFigures) -> None:
    reader = access.depends("read_figures")

    @api.get("/figures", response_class=Response, responses=FILES)
    async def read_figures(
            first: Annotated[date, Query(alias="from",
                                         description="first detection date, included")],
            last: Annotated[date, Query(alias="to",
                                        description="last detection date, included")],
            by: Grouping = Grouping.SCHOOL,
            fmt: Annotated[FigureFormat, Query(alias="format")] = FigureFormat.JSON,
            _: Principal = reader,
    ) -> Response:
        """The figures of the cases detected from `from` to `to` (dates in the schools'
        time zone) per school or district: by tier and source, hours from detection to
        each stage (p50/p90), guardians reached, referrals, follow-ups on time, home
        visits, closures. Every count from 1 to 4 is "<5" and the smallest other of its
        table "withheld"; a share or a time over fewer than five cases is "<5"."""
        try:
            period = Period(first, last)
        except ValueError:
            raise HTTPException(422, [{"loc": ["query", "from"], "type": "date_order",
                                       "msg": "must not be after to"}]) from None
        try:
            if fmt is FigureFormat.JSON:
                return JSONResponse(figures.figures(period, by))
            content = await figures.figures_file(period, by, fmt)
        except StillReplaying as replaying:
            raise HTTPException(503, str(replaying), headers={"Retry-After": "1"}) from None
        name = f"figures-{by.value}-{first.isoformat()}-{last.isoformat()}.{fmt.value}"
        return Response(content, media_type=fmt.media_type,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
