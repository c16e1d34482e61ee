"""The worklist's live updates: supervision's stream of changed cases, asked with the
reader's token, passed on to the browser as server-sent events (an EventSource cannot send
a bearer token, so the console holds the stream for it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from services.console.entrypoints.session import SignedIn, console_of


def routes() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/live/worklist")
    async def worklist_changes(request: Request, session: SignedIn) -> StreamingResponse:
        changes = console_of(request).changes(session.token)

        async def events() -> AsyncIterator[bytes]:
            # A browser whose stream ended (a refusal, supervision restarting) asks again
            # after this long, not every three seconds.
            yield b"retry: 5000\n: connected\n\n"
            async for case_id in changes:
                if await request.is_disconnected():
                    break
                yield f"event: changed\ndata: {case_id}\n\n".encode()

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store",
                                          "X-Accel-Buffering": "no"})

    return router
