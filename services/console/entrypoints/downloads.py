"""A service's file (a template, figures, a report) handed on to the browser as it came:
the browser cannot send the bearer token, so the console fetches it for the reader."""

from __future__ import annotations

from fastapi.responses import Response

from services.console.application import Answer

KEPT = ("content-disposition",)


def handed_on(answer: Answer) -> Response | None:
    """The file, or None when the service refused (the page then says why)."""
    if not answer.ok or not isinstance(answer.body, bytes):
        return None
    headers = {k: v for k, v in answer.headers.items() if k.lower() in KEPT}
    return Response(answer.body, media_type=answer.content_type or "application/octet-stream",
                    headers=headers | {"Cache-Control": "no-store"})
