"""A student's key-concern flags (重点关注) and growth file (一生一策), by school id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import Field

from casetrail.http import DEFAULT_PURPOSE, Command, CommandRoute, Purpose
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from contracts.codes import KeyConcern
from services.intake.application import IntakeApplication
from services.intake.entrypoints.http.access import ACCESS

StudentPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class KeyConcernsIn(Command):
    key_concerns: list[KeyConcern] = Field(max_length=len(KeyConcern))


def router(runtime: ServiceRuntime, app: IntakeApplication) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)

    @api.put("/students/{school_student_id}/key-concerns")
    async def record_key_concerns(school_student_id: StudentPath,
                                  body: KeyConcernsIn, actor: Annotated[
                                      Principal, ACCESS.depends("flag_key_concerns")]
                                  ) -> dict[str, Any]:
        """Replaces the flags; the student's open case shows them (and assessment hears).
        The answer names no case (whether the student has one is for case readers to see),
        nor the student: a kept answer is not sealed under the student's key."""
        key_concerns = await runtime.thread.run(app.record_key_concerns, school_student_id,
                                                body.key_concerns, body.meta(actor))
        return {"key_concerns": key_concerns}

    @api.get("/students/{school_student_id}")
    async def growth_file(school_student_id: StudentPath,
                          reader: Annotated[Principal, ACCESS.depends("read_growth_file")],
                          purpose: Purpose = DEFAULT_PURPOSE) -> dict[str, Any]:
        """The flags and every case of the student; the read is logged on each case."""
        return await runtime.thread.run(app.student_file, school_student_id,
                                        purpose=purpose, reader=reader.meta())

    return api
