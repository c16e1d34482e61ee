"""The erasure route every service holding personal data has."""

from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path

from casetrail.http import Command, CommandRoute
from casetrail.identity.access import AccessMatrix
from casetrail.identity.principal import Principal
from casetrail.personal.records import PersonalRecords
from contracts.codes import ErasureReason

if TYPE_CHECKING:
    from casetrail.service import ServiceRuntime

StudentKeyPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


class ErasureIn(Command):
    reason: ErasureReason


def erasure_router(runtime: "ServiceRuntime", app: PersonalRecords,
                   access: AccessMatrix) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)

    @api.post("/students/{student_key}/erasure")
    async def erase_student(student_key: StudentKeyPath, body: ErasureIn,
                            actor: Annotated[Principal, access.depends("erase_student")]
                            ) -> dict[str, Any]:
        """Deletes the student's data key here: their names, contacts and descriptions read
        as "[erased]" from now on, in the store and in every backup of it; the trail (ids,
        codes, times, actors) stays. Once: a repeat answers the erasure done before."""
        done = await runtime.thread.run(app.erase_student, student_key, body.reason,
                                        body.meta(actor))
        return asdict(done)

    return api
