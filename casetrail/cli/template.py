"""`casetrail screening-template SCREENING_ID`: the file a school fills in for a screening,
with the columns intake reads (the student's school id, then every item of the instrument)."""

from __future__ import annotations

import sys
from pathlib import Path
from uuid import UUID

import httpx

from casetrail.cli.commands import RequestRefused, bearer
from casetrail.cli.runtime import Runtime


def download_template(runtime: Runtime, screening_id: UUID, lang: str, kind: str,
                      output: Path | None, token: str | None) -> int:
    """As the one signed in (`--token` or CASETRAIL_TOKEN)."""
    url = f"{runtime.services['intake']}/screenings/{screening_id}/template.{kind}"
    response = httpx.get(url, params={"lang": lang}, headers=bearer(token), timeout=30.0)
    if response.status_code == 404:
        print(f"casetrail screening-template: intake at {runtime.services['intake']} has no "
              f"screening {screening_id}.", file=sys.stderr)
        return 1
    if response.is_error:
        raise RequestRefused(response)
    path = output or Path(f"screening-{screening_id}-{lang}.{kind}")
    path.write_bytes(response.content)
    print(f"wrote {path}: fill in one row per student and import it with "
          f"POST /screenings/{screening_id}/imports")
    return 0
