"""What is due for erasure: by student key and record id, never a name."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from casetrail.http import DEFAULT_PURPOSE, CommandRoute, Purpose
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from services.intake.application import IntakeApplication
from services.intake.entrypoints.http.access import ACCESS


def router(runtime: ServiceRuntime, app: IntakeApplication) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)

    @api.get("/retention")
    async def retention(reader: Annotated[Principal, ACCESS.depends("read_retention")],
                        as_of: Annotated[date | None, Query()] = None,
                        purpose: Purpose = DEFAULT_PURPOSE) -> dict[str, Any]:
        """The students each of whose records is past its retention period (`as_of`, by
        default today): their keys, their records' ids, kinds and due dates, to erase with
        `casetrail erase KEY --reason retention_elapsed`. The read is logged."""
        day = as_of or datetime.now(UTC).date()
        due = await runtime.thread.run(app.retention_due, day, purpose=purpose,
                                       reader=reader.meta())
        return {"as_of": day, "periods_in_years": asdict(app.policy.retention), "due": due}

    return api
