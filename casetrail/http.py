"""What every service's HTTP API shares: domain errors as status codes, a health check."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from casetrail.kernel import CaseNotFound, CaseRuleViolated


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CaseRuleViolated)
    async def _conflict(_: Request, error: CaseRuleViolated) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(error)})

    @app.exception_handler(CaseNotFound)
    async def _not_found(_: Request, error: CaseNotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error)})
