"""The screening pages: schedule one, download its template, record consents, and upload a
file of answers, previewed (intake checks every row and records nothing) before it is
imported. The console keeps no file: the browser sends it again with the import."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from services.console.domain.actions import SCHEDULE_SCREENING, SCREENING_CONSENTS
from services.console.domain.screening_import import summary_of
from services.console.entrypoints.downloads import handed_on
from services.console.entrypoints.navigation import form_values, pages_of
from services.console.entrypoints.session import (
    FormSession,
    SignedIn,
    console_of,
    new_key,
)

# Intake refuses a larger file (INTAKE_SCREENING_MAX_BYTES' default); the console reads no
# more than this of one.
MOST_BYTES = 5_000_000
FORMATS = ("csv", "xlsx")
LANGS = ("zh", "en")


async def _file(request: Request) -> tuple[str, tuple[str, bytes, str] | None]:
    """The form's idempotency key and its file (None if it has none)."""
    _, key = await form_values(request)
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return key, None
    content = await upload.read(MOST_BYTES + 1)
    return key, (upload.filename, content, upload.content_type or "application/octet-stream")


def routes() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/screenings")
    async def screenings(request: Request, session: SignedIn,
                         screening_id: str = "") -> Response:
        if screening_id:
            try:
                return Response(status_code=303,
                                headers={"Location": f"/screenings/{UUID(screening_id)}"})
            except ValueError:
                pass
        form = await console_of(request).form(session.token, SCHEDULE_SCREENING.name, None)
        return pages_of(request).render(request, "screenings.html", {
            "session": session, "form": form, "key": new_key(),
            "not_an_id": bool(screening_id)})

    @router.post("/screenings")
    async def schedule(request: Request, session: FormSession) -> Response:
        values, key = await form_values(request)
        outcome = await console_of(request).act(session.token, SCHEDULE_SCREENING.name, None,
                                                values, key)
        body = outcome.answer.body if outcome.answer is not None else None
        if outcome.done and isinstance(body, dict) and body.get("screening_id"):
            return Response(status_code=303,
                            headers={"Location": f"/screenings/{body['screening_id']}"})
        return pages_of(request).render(request, "screenings.html", {
            "session": session, "form": outcome.form, "key": key, "answer": outcome.answer})

    @router.get("/screenings/{screening_id}")
    async def screening(request: Request, screening_id: UUID, session: SignedIn,
                        done: str = "") -> Response:
        consents = await console_of(request).form(session.token, SCREENING_CONSENTS.name, None)
        return pages_of(request).render(request, "screening.html", {
            "session": session, "screening_id": screening_id, "consents": consents,
            "key": new_key(), "import_key": new_key(), "done": done == "consents",
            "formats": FORMATS, "langs": LANGS})

    @router.get("/screenings/{screening_id}/template.{fmt}")
    async def template(request: Request, screening_id: UUID, fmt: str, session: SignedIn,
                       lang: str = "zh") -> Response:
        if fmt not in FORMATS or lang not in LANGS:
            return Response(status_code=404)
        answer = await console_of(request).screening_template(session.token, screening_id,
                                                              fmt, lang)
        return handed_on(answer) or pages_of(request).render(request, "refused_page.html", {
            "session": session, "refused": [answer]}, status=answer.status)

    @router.post("/screenings/{screening_id}/consents")
    async def consents(request: Request, screening_id: UUID,
                       session: FormSession) -> Response:
        values, key = await form_values(request)
        outcome = await console_of(request).act(
            session.token, SCREENING_CONSENTS.name, None, values, key,
            path_params={"screening_id": screening_id})
        if outcome.done:
            return Response(status_code=303,
                            headers={"Location": f"/screenings/{screening_id}?done=consents"})
        return pages_of(request).render(request, "screening.html", {
            "session": session, "screening_id": screening_id, "consents": outcome.form,
            "key": key, "import_key": new_key(), "answer": outcome.answer,
            "formats": FORMATS, "langs": LANGS})

    async def sent(request: Request, session: FormSession, screening_id: UUID,
                   imports: bool) -> Response:
        sent_key, file = await _file(request)
        context: dict[str, Any] = {"session": session, "screening_id": screening_id,
                                   "imported": imports}
        if file is None:
            context["missing"] = "file"
        elif len(file[1]) > MOST_BYTES:
            context["missing"] = "size"
        else:
            answer = await console_of(request).screening_answers(
                session.token, screening_id, file, idempotency_key=sent_key if imports else None)
            context |= {"answer": answer, "summary": summary_of(answer.body) if answer.ok
                        else None, "next_key": new_key()}
        # 200 however intake answered: htmx swaps only a 2xx answer, and the refusal is
        # the page's to show.
        partial = bool(request.headers.get("HX-Request"))
        return pages_of(request).render(
            request, "screening_outcome.html" if partial else "screening_outcome_page.html",
            context)

    @router.post("/screenings/{screening_id}/preview")
    async def preview(request: Request, screening_id: UUID, session: FormSession) -> Response:
        return await sent(request, session, screening_id, imports=False)

    @router.post("/screenings/{screening_id}/import")
    async def import_file(request: Request, screening_id: UUID,
                          session: FormSession) -> Response:
        return await sent(request, session, screening_id, imports=True)

    return router
