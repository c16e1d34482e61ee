"""The worklist's live updates: supervision's stream of changed cases, asked with the
reader's token, passed on to the browser as server-sent events (an EventSource cannot send
a bearer token, so the console holds the stream for it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from services.console.application import EXPIRED, OPENED
from services.console.entrypoints.session import SignedIn, console_of


def routes() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/live/worklist")
    async def worklist_changes(request: Request, session: SignedIn) -> Response:
        changes = console_of(request).changes(session.token)
        if await anext(changes, None) != OPENED:
            # Refused or unreachable: 204 tells the browser's EventSource to stop asking.
            return Response(status_code=204)

        async def events() -> AsyncIterator[bytes]:
            # A browser whose stream ended (supervision restarting) asks again after this
            # long, not every three seconds.
            yield b"retry: 5000\n: connected\n\n"
            async for change in changes:
                event = "expired" if change == EXPIRED else "changed"
                yield f"event: {event}\ndata: {change}\n\n".encode()

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store",
                                          "X-Accel-Buffering": "no"})

    return router
