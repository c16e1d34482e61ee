"""The yearly screening: schedule it, record consent, import the answers."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from casetrail.http import Command, CommandRoute, PastMoment, PlannedDate
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from contracts.codes import GuardianRank, Instrument
from contracts.instruments import Language
from services.intake.application import Consent, IntakeApplication
from services.intake.application.screenings import TemplateFile
from services.intake.domain.screening_sheet import SheetFormat, SheetRefused
from services.intake.entrypoints.http.access import ACCESS
from services.intake.entrypoints.http.common import (
    SchoolStudentId,
    invalid,
)

SHEET_TYPES = frozenset({"text/csv", "application/csv", "application/vnd.ms-excel",
                         SheetFormat.XLSX.media_type})


class ScreeningIn(Command):
    instrument: Instrument
    held_on: PlannedDate
    grade_label: str | None = Field(None, max_length=40)


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_student_id: str = SchoolStudentId
    student_consented: bool
    guardian_consented: bool
    guardian_rank: GuardianRank | None = None
    recorded_at: PastMoment | None = None


class ConsentsIn(Command):
    consents: list[ConsentIn] = Field(min_length=1, max_length=5000)


Screener = Annotated[Principal, ACCESS.depends("run_screening")]
TemplateReader = Annotated[Principal, ACCESS.depends("read_screening_template")]


def _is_sheet(upload: UploadFile) -> bool:
    name = (upload.filename or "").lower()
    return name.endswith((".csv", ".xlsx")) or upload.content_type in SHEET_TYPES


def _file_of(fmt: SheetFormat) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI of a download: a file of the sheet's media type, not JSON."""
    media_type = fmt.media_type.split(";")[0]
    return {200: {"description": f"the template as {fmt.value.upper()}",
                  "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}}


def _download(file: TemplateFile) -> Response:
    return Response(file.content, media_type=file.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{file.filename}"'})


def router(runtime: ServiceRuntime, app: IntakeApplication) -> APIRouter:
    api = APIRouter(route_class=CommandRoute)

    @api.post("/screenings", status_code=201)
    async def schedule(body: ScreeningIn, actor: Screener) -> dict[str, Any]:
        screening_id = await runtime.thread.run(
            app.schedule_screening, instrument=body.instrument, held_on=body.held_on,
            grade_label=body.grade_label, meta=body.meta(actor))
        return {"screening_id": screening_id}

    @api.post("/screenings/{screening_id}/consents", status_code=201)
    async def record_consents(screening_id: UUID, body: ConsentsIn,
                              actor: Screener) -> dict[str, Any]:
        """Both the student and the guardian must agree; a later refusal withdraws it."""
        consents = [Consent(c.school_student_id, c.student_consented, c.guardian_consented,
                            c.guardian_rank, c.recorded_at) for c in body.consents]
        given = await runtime.thread.run(app.record_consents, screening_id, consents,
                                         body.meta(actor))
        return {"screening_id": screening_id, "consented": given}

    async def uploaded(file: UploadFile) -> tuple[str, bytes]:
        """The file's name and content, refused whole unless a sheet within the limit."""
        if not _is_sheet(file):
            raise invalid(("body", "file"), "a CSV or XLSX file is expected")
        limit = app.policy.screening_max_bytes
        content = await file.read(limit + 1)
        if len(content) > limit:
            raise invalid(("body", "file"), f"the file is larger than {limit} bytes")
        return file.filename or "", content

    @api.post("/screenings/{screening_id}/imports", status_code=201)
    async def import_answers(screening_id: UUID, file: Annotated[UploadFile, File()],
                             actor: Screener) -> dict[str, Any]:
        """A CSV or XLSX of answers: a column for the student (school_student_id or 学号)
        and one for every item of the instrument (its key, or its wording as in
        template.csv), else the file is refused whole. Rows without consent or with
        unreadable answers are refused by line."""
        filename, content = await uploaded(file)
        try:
            # Parsed in a worker thread: the application thread is intake's only writer.
            sheet = await asyncio.to_thread(app.read_sheet, filename, content)
            return await runtime.thread.run(
                app.import_screening, screening_id, filename=filename, content=content,
                meta=actor.meta(), sheet=sheet)
        except SheetRefused as refused:
            raise invalid(("body", "file"), str(refused)) from None

    @api.post("/screenings/{screening_id}/imports/preview")
    async def preview_answers(screening_id: UUID, file: Annotated[UploadFile, File()],
                              _: Screener) -> dict[str, Any]:
        """What importing the file would do, checked as the import checks it, with nothing
        recorded: `accepted` rows, `positive` screens among them, each `refused` line
        with its reason, and whether the same file was `imported_already`. No answer is
        echoed."""
        filename, content = await uploaded(file)
        try:
            sheet = await asyncio.to_thread(app.read_sheet, filename, content)
            return await runtime.thread.run(
                app.preview_screening, screening_id, filename=filename, content=content,
                sheet=sheet)
        except SheetRefused as refused:
            raise invalid(("body", "file"), str(refused)) from None

    async def template_of(screening_id: UUID, lang: Language, fmt: SheetFormat) -> Response:
        try:
            header = await runtime.thread.run(app.screening_template, screening_id, lang)
        except SheetRefused as refused:
            raise invalid(("query", "lang"), str(refused)) from None
        # Rendered off the application thread, which is intake's only writer.
        return _download(await asyncio.to_thread(app.template_file, header, lang, fmt))

    @api.get("/screenings/{screening_id}/template.csv", response_class=Response,
             responses=_file_of(SheetFormat.CSV))
    async def csv_of(screening_id: UUID, _: TemplateReader,
                     lang: Language = Language.ZH) -> Response:
        """The header to fill in, one row per student: UTF-8 with a byte-order mark."""
        return await template_of(screening_id, lang, SheetFormat.CSV)

    @api.get("/screenings/{screening_id}/template.xlsx", response_class=Response,
             responses=_file_of(SheetFormat.XLSX))
    async def xlsx_of(screening_id: UUID, _: TemplateReader,
                      lang: Language = Language.ZH) -> Response:
        return await template_of(screening_id, lang, SheetFormat.XLSX)

    return api
