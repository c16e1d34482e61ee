"""The route every publishing service has for the auditor's replay: its own part of a case
as its store had it at a time, to lay beside CASES; the read is logged."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from casetrail.http import DEFAULT_PURPOSE, AsOf, CommandRoute, Purpose
from casetrail.identity.access import AccessMatrix
from casetrail.identity.principal import Principal
from casetrail.kernel import EventMeta

if TYPE_CHECKING:
    from casetrail.service import ServiceRuntime

# The application's query: the part as the store had it at `as_of`, the read logged.
StateAt = Callable[..., BaseModel]


def state_router(runtime: "ServiceRuntime", access: AccessMatrix, state_at: StateAt,
                 part: type[BaseModel]) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)

    @api.get("/cases/{case_id}/state", response_model=part)
    async def case_state(case_id: UUID,
                         reader: Annotated[Principal, access.depends("read_state")],
                         as_of: AsOf = None,
                         purpose: Purpose = DEFAULT_PURPOSE) -> BaseModel:
        """This service's part of the case as its own store had it at `as_of` (the events
        it had stored by then), for the auditor to lay beside CASES; the read is logged."""
        meta: EventMeta = reader.meta()
        return await runtime.thread.run(state_at, case_id, as_of or datetime.now(UTC),
                                        purpose=purpose, reader=meta)

    return api
