"""What one request may cost a service, as ASGI middleware around its app: a body of bounded
size (413) and a bounded rate per identity (429), refused in words that echo nothing sent."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from math import ceil

from fastapi.dependencies.models import Dependant
from fastapi.params import File
from fastapi.routing import APIRoute
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """Raised from `receive`: FastAPI passes an HTTPException met while reading the body on to
    its handler, which answers it as JSON."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the {limit} bytes this "
                              "route takes")


def takes_files(scope: Scope) -> bool:
    """Whether the route the request was routed to takes a file upload (known once routed,
    which is before the body is read)."""
    route = scope.get("route")
    return isinstance(route, APIRoute) and _takes_files(route.dependant)


def _takes_files(dependant: Dependant) -> bool:
    return (any(isinstance(field.field_info, File) for field in dependant.body_params)
            or any(_takes_files(sub) for sub in dependant.dependencies))


class BodyLimit:
    """At most `limit` bytes of body, `upload_limit` for a route taking files: a declared
    Content-Length over it is refused before any byte is read, and a body without one
    (chunked) is counted as it streams in."""

    def __init__(self, app: ASGIApp, *, limit: int, upload_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        received = 0
        started = False
        limit: int | None = None

        async def counted() -> Message:
            nonlocal received, limit
            if limit is None:
                limit = self.upload_limit if takes_files(scope) else self.limit
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge as refused:
            # Read outside a route's body parsing (a middleware, a dependency): answered here.
            if started:
                raise
            await JSONResponse({"detail": refused.detail}, 413)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    try:
        return int(Headers(scope=scope)["content-length"])
    except (KeyError, ValueError):
        return None


# Who is asking, from a request's bearer token: the verified subject, or None if it does not
# verify.
Identify = Callable[[Scope, str], str | None]


class RateLimit:
    """At most `rate` (e.g. "600/minute", a sliding window) requests per identity: the
    subject of a bearer token that verifies, else the client's address, never a header value
    taken on trust. Paths in `open_paths` or under `open_prefixes` are not counted."""

    def __init__(self, app: ASGIApp, *, rate: str, identify: Identify,
                 open_paths: Collection[str], open_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.rate = rate
        self.item: RateLimitItem = parse(rate)
        # Per process: each service runs as one process, which is its whole budget.
        self.limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        self.identify = identify
        self.open_paths = frozenset(open_paths)
        self.open_prefixes = open_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._open(scope):
            await self.app(scope, receive, send)
            return
        identity = self._identity(scope)
        if await self.limiter.hit(self.item, identity):
            await self.app(scope, receive, send)
            return
        stats = await self.limiter.get_window_stats(self.item, identity)
        wait = max(1, ceil(stats.reset_time - time.time()))
        await JSONResponse(
            {"detail": f"too many requests: at most {self.rate} each; retry in {wait} s"},
            429, headers={"Retry-After": str(wait)})(scope, receive, send)

    def _open(self, scope: Scope) -> bool:
        path: str = scope["path"].removeprefix(scope.get("root_path", ""))
        return path in self.open_paths or path.startswith(self.open_prefixes)

    def _identity(self, scope: Scope) -> str:
        scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token and (subject := self.identify(scope, token)):
            return f"subject:{subject}"
        client = scope.get("client")
        return f"address:{client[0] if client else 'unknown'}"
