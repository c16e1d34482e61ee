"""`casetrail audit report CASE_ID`: a case's incident report from supervision, in Chinese or
English, as HTML or PDF, as the one signed in (an auditor) reads it; the read is logged."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from uuid import UUID

import httpx

from casetrail.bus.identities import SUPERVISION
from casetrail.cli.commands import RequestRefused, bearer
from casetrail.cli.runtime import Runtime


def audit_report(runtime: Runtime, case_id: UUID, lang: str, kind: str, output: Path | None,
                 token: str | None, as_of: datetime | None) -> int:
    base = runtime.services[SUPERVISION]
    params = {"lang": lang, "format": kind} | ({"as_of": as_of.isoformat()} if as_of else {})
    # A report takes seconds to render (its fonts and chart).
    response = httpx.get(f"{base}/cases/{case_id}/report", params=params,
                         headers=bearer(token), timeout=120.0)
    if response.status_code == 404:
        print(f"casetrail audit report: CASES has no case {case_id}.", file=sys.stderr)
        return 1
    if response.is_error:
        raise RequestRefused(response)
    path = output or Path(f"report-{case_id}-{lang}.{kind}")
    path.write_bytes(response.content)
    print(f"wrote {path}")
    return 0
