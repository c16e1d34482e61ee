"""Supervision's HTTP answers for the auditor: a case's incident report (zh/en, HTML/PDF)
and who saw it and who was told, as FHIR R4 AuditEvents. Every answer is a logged read."""

# No `from __future__ import annotations`: the routes' Annotated dependencies name the
# access matrix passed in, which FastAPI can only see if they are evaluated here.
import json
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import Response

from casetrail.http import DEFAULT_PURPOSE, AsOf, Purpose
from casetrail.identity.access import AccessMatrix
from casetrail.identity.principal import Principal
from services.supervision.application import StillReplaying
from services.supervision.incident_reports import (
    IncidentReports,
    Language,
    RenderingUnavailable,
    ReportFormat,
)

FHIR_JSON = "application/fhir+json"
REPLAYING: dict[int | str, dict[str, Any]] = {503: {
    "description": "supervision is still reading CASES from its start (retry), or this "
                   "machine lacks a font the report needs (the answer names the package)"}}


def routes(api: FastAPI, access: AccessMatrix, reports: IncidentReports) -> None:
    """The routes added to the service's API (its route class documents who may)."""

    @api.get("/cases/{case_id}/report", response_class=Response, responses={
        200: {"content": {"text/html": {}, "application/pdf": {}},
              "description": "the incident report"}, **REPLAYING})
    async def incident_report(
            case_id: UUID, reader: Annotated[Principal, access.depends("read_report")],
            lang: Annotated[Language, Query(description="zh or en")] = Language.ZH,
            format: Annotated[ReportFormat, Query(description="html or pdf")]
            = ReportFormat.HTML,
            as_of: AsOf = None, purpose: Purpose = DEFAULT_PURPOSE) -> Response:
        """The timeline with every handoff, the time between stages against the policy
        times with breaches marked, the tier decisions, the disclosures and the reads."""
        try:
            body = await reports.report(case_id, as_of or datetime.now(UTC), lang, format,
                                        purpose=purpose, reader=reader.meta())
        except StillReplaying as replaying:
            raise HTTPException(503, str(replaying), headers={"Retry-After": "1"}) from None
        except RenderingUnavailable as lacking:
            raise HTTPException(503, str(lacking)) from None
        disposition = f'inline; filename="report-{case_id}-{lang.value}.{format.value}"'
        return Response(body, media_type=format.media_type,
                        headers={"Content-Disposition": disposition})

    @api.get("/cases/{case_id}/audit-events", response_class=Response, responses={
        200: {"content": {FHIR_JSON: {}},
              "description": "a FHIR R4 Bundle (collection) of AuditEvents"}, **REPLAYING})
    async def audit_events(
            case_id: UUID, reader: Annotated[Principal, access.depends("read_audit_events")],
            as_of: AsOf = None, purpose: Purpose = DEFAULT_PURPOSE) -> Response:
        """Every read of the case by a person and every disclosure to another party, in the
        shape of IHE BALP, as FHIR R4 AuditEvent resources."""
        try:
            bundle = await reports.audit_events(case_id, as_of or datetime.now(UTC),
                                                purpose=purpose, reader=reader.meta())
        except StillReplaying as replaying:
            raise HTTPException(503, str(replaying), headers={"Retry-After": "1"}) from None
        return Response(json.dumps(bundle), media_type=FHIR_JSON)
