"""The cases a reader may read, newest first: the crisis team's console lists them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from casetrail.http import DEFAULT_PURPOSE, CommandRoute, Purpose
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from services.intake.application import IntakeApplication
from services.intake.domain.case_list import CaseLine, CaseState
from services.intake.entrypoints.http.access import ACCESS

# Whose cases the list shows: those the reader may read.
READ_CASE = ACCESS["read_case"]


class ListedStudent(BaseModel):
    # Intake holds the name only (None once erased or never given), no grade or class.
    name: str | None


class ListedCase(BaseModel):
    case_id: UUID
    student: ListedStudent
    channel: str  # the first concern's channel
    detected_at: datetime
    status: Literal["open", "closed"]
    reopened: bool


def router(runtime: ServiceRuntime, app: IntakeApplication) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)
    assert runtime.relations is not None, "the runtime always has a relation book"
    book = runtime.relations

    @api.get("/cases", response_model=list[ListedCase])
    async def list_cases(reader: Annotated[Principal, ACCESS.depends("list_cases")],
                         state: CaseState = "open",
                         limit: Annotated[int, Query(ge=1, le=500)] = 200,
                         purpose: Purpose = DEFAULT_PURPOSE) -> list[ListedCase]:
        """The cases the reader may read (a teacher, those assigned to them), newest first;
        the read of those shown is logged."""
        def visible(lines: Sequence[CaseLine]) -> list[CaseLine]:
            return READ_CASE.visible_items(book, reader, lines, lambda line: line.case_id)

        lines = await runtime.thread.run(app.listed_cases, state, limit, visible,
                                         purpose=purpose, reader=reader.meta())
        return [ListedCase(case_id=line.case_id, student=ListedStudent(name=line.student_name),
                           channel=line.channel, detected_at=line.detected_at,
                           status="closed" if line.closed else "open",
                           reopened=line.reopened) for line in lines]

    return api
