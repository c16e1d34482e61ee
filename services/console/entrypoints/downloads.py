"""A service's file (a template, figures, a report) handed on to the browser as it came:
the browser cannot send the bearer token, so the console fetches it for the reader."""

from __future__ import annotations

from fastapi.responses import Response

from services.console.application import Answer

KEPT = ("content-disposition",)
# What a handed-on file may be; anything else is sent as bytes to save, never to render.
MEDIA_TYPES = ("text/csv", "application/pdf", "text/html",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def handed_on(answer: Answer) -> Response | None:
    """The file, or None when the service refused (the page then says why)."""
    if not answer.ok or not isinstance(answer.body, bytes):
        return None
    headers = {k: v for k, v in answer.headers.items() if k.lower() in KEPT}
    kind = answer.content_type.split(";")[0].strip()
    media_type = answer.content_type if kind in MEDIA_TYPES else "application/octet-stream"
    if kind == "text/html":
        # A report shown in the browser runs nothing and reaches nothing from the console's
        # origin: it is HTML the console did not write.
        headers["Content-Security-Policy"] = ("sandbox; default-src 'none'; img-src data:; "
                                              "style-src 'unsafe-inline'; font-src data:")
    return Response(answer.body, media_type=media_type,
                    headers=headers | {"Cache-Control": "no-store"})
