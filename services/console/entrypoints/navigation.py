"""What every page route shares: where a page may send the browser next, how it moves
there (a full page or an htmx swap), and the values and key of a sent form."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from services.console.entrypoints.rendering import Pages
from services.console.entrypoints.session import new_key

HOME = "/worklist"


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def local_path(target: str) -> str:
    """A path of this console, else the worklist: a `next` from a link must not take a
    person signing in to another site (`//host`, `/\\host`, `https://host`)."""
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/")
            or target[1:2] in ("/", "\\") or any(ord(c) < 32 or c == "\\" for c in target)):
        return HOME
    return quote(target, safe="/?=&%-._~")


def moved(request: Request, target: str) -> Response:
    """A full page's move: htmx follows HX-Redirect, a plain form the 303."""
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def page_path(request: Request) -> str:
    """The page the person is on: for an htmx request the page it came from, not the
    fragment it asked for."""
    if request.headers.get("HX-Request") and (current := request.headers.get("HX-Current-URL")):
        parts = urlsplit(current)
        return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))
    return local_path(request.url.path)


async def form_values(request: Request) -> tuple[dict[str, list[str]], str]:
    """A sent form's text values, and the idempotency key it was drawn with (a new one if
    it carries none)."""
    form = await request.form()
    values = {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}
    key = next(iter(values.pop("idempotency_key", ())), "") or new_key()
    return values, key
