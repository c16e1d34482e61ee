"""Wires the console's settings to the services' APIs, the built-in issuer's users and the
pages; `python -m services.console serve|check` runs it."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from casetrail.request_limits import BodyLimit
from casetrail.service import serve
from casetrail.traced_requests import NO_FRAMEWORK_TELEMETRY
from services.console.adapters.built_in_issuer import BuiltInPasswords
from services.console.adapters.openid_provider import OpenIdProvider
from services.console.adapters.service_apis import ServicesOverHttp
from services.console.application import (
    Answer,
    Console,
    Passwords,
    Provider,
    Services,
    ServiceUnavailable,
    Tokens,
)
from services.console.config import ConsoleSettings
from services.console.entrypoints import audit, dashboard, live, pages, screening, sign_in
from services.console.entrypoints.rendering import Pages
from services.console.entrypoints.session import ForgedForm, SignInFirst

STATIC = Path(pages.__file__).with_name("static")
# The pages load nothing from elsewhere: a school's network may have no internet.
# No inline script or style: htmx's own indicator style is in console.css (htmx-config).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Pages hold minors' health records: a shared school computer's cache and Back button must
# not show them after sign-out.
UNCACHED = {"Cache-Control": "no-store"}


def build(settings: ConsoleSettings, services: Services, passwords: Passwords | None,
          tokens: Tokens, provider: Provider | None = None) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await services.close()
        if provider is not None:
            await provider.close()

    app = FastAPI(title="casetrail console", docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=lifespan, telemetry=NO_FRAMEWORK_TELEMETRY)
    app.state.console = Console(services, passwords, tokens, settings.timezone, provider)
    app.state.redirect_url = settings.oidc_redirect_url
    rendering = app.state.pages = Pages(settings.timezone)
    app.state.secure_cookies = settings.secure_cookies
    app.state.secret = (settings.session_secret.get_secret_value().encode()
                        if settings.session_secret else secrets.token_bytes(32))
    app.include_router(sign_in.routes())
    app.include_router(pages.routes())
    app.include_router(live.routes())
    app.include_router(screening.routes())
    app.include_router(dashboard.routes())
    app.include_router(audit.routes())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(SignInFirst)
    async def sign_in_first(request: Request, error: SignInFirst) -> Response:
        return sign_in.sign_in_redirect(request, error.reason)

    @app.exception_handler(ServiceUnavailable)
    async def unavailable(request: Request, error: ServiceUnavailable) -> Response:
        return rendering.render(request, "refused_page.html", {
            "refused": [Answer(503, {"detail": f"{error.service} does not answer"})]},
            status=503)

    @app.exception_handler(ForgedForm)
    async def forged(request: Request, _: ForgedForm) -> Response:
        return HTMLResponse("this form was not drawn for this session: draw it again",
                            status_code=403, headers={"HX-Reswap": "none"})

    @app.middleware("http")
    async def secured(request: Request,
                      call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if not request.url.path.startswith("/static/"):
            response.headers.update(UNCACHED)
        return response

    # The last added runs first: a flood is refused before its body is read, whoever sends
    # it; the largest body is a screening's file.
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes,
                       upload_limit=settings.max_upload_bytes)

    return app


def live_console(settings: ConsoleSettings) -> FastAPI:
    passwords = BuiltInPasswords(settings.data_dir) if settings.built_in_issuer() else None
    provider = None
    if settings.oidc_client_id and not settings.built_in_issuer():
        secret = settings.oidc_client_secret
        provider = OpenIdProvider(settings.oidc_issuer, settings.oidc_client_id,
                                  secret.get_secret_value() if secret else None,
                                  settings.oidc_scope)
    return build(settings, ServicesOverHttp(settings.service_urls,
                                            settings.service_timeout_seconds),
                 passwords, settings.token_verifier(), provider)


def main(argv: list[str]) -> None:
    command = argv[1] if len(argv) > 1 else "serve"
    settings = ConsoleSettings()
    if command == "serve":
        serve(live_console(settings), settings)
    elif command != "check":
        raise SystemExit("usage: python -m services.console serve|check")
