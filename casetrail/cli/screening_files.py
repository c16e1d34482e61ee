"""A screening's files, to and from intake.

`casetrail screening-template SCREENING_ID`: the file a school fills in for a screening, with
the columns intake reads (the student's school id, then every item of the instrument).
`casetrail screening-import SCREENING_ID FILE...`: the filled-in files (a class each, say),
imported one after another with progress, each with its own idempotency key: a file sent
again, or retried, changes nothing (intake knows a file by its sha256).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from casetrail.cli.commands import RequestRefused, bearer, send_command
from casetrail.cli.runtime import Runtime

# A large workbook is read and scored in one request.
IMPORT_TIMEOUT_SECONDS = 300.0


def download_template(runtime: Runtime, screening_id: UUID, lang: str, kind: str,
                      output: Path | None, token: str | None) -> int:
    """As the one signed in (`--token` or CASETRAIL_TOKEN)."""
    url = f"{runtime.services['intake']}/screenings/{screening_id}/template.{kind}"
    response = httpx.get(url, params={"lang": lang}, headers=bearer(token), timeout=30.0)
    if response.status_code == 404:
        return _no_screening("screening-template", runtime, screening_id)
    if response.is_error:
        raise RequestRefused(response)
    path = output or Path(f"screening-{screening_id}-{lang}.{kind}")
    path.write_bytes(response.content)
    print(f"wrote {path}: fill in one row per student and import it with "
          f"POST /screenings/{screening_id}/imports")
    return 0


def import_files(runtime: Runtime, screening_id: UUID, files: list[Path],
                 token: str | None) -> int:
    """As the one signed in; 1 if intake refused a file whole (the others are imported)."""
    return asyncio.run(_import_files(runtime, screening_id, files, bearer(token)))


async def _import_files(runtime: Runtime, screening_id: UUID, files: list[Path],
                        headers: dict[str, str]) -> int:
    url = f"{runtime.services['intake']}/screenings/{screening_id}/imports"
    started, rows, refused_whole = time.perf_counter(), 0, 0
    async with httpx.AsyncClient(headers=headers, timeout=IMPORT_TIMEOUT_SECONDS) as http:
        for number, path in enumerate(files, 1):
            progress = f"[{number}/{len(files)}] {path.name}"
            response = await send_command(http, "POST", url,
                                          files={"file": (path.name, path.read_bytes())})
            if response.status_code == 404:
                return _no_screening("screening-import", runtime, screening_id)
            if response.status_code == 422:
                refused_whole += 1
                print(f"{progress}: refused whole: {_reasons(response)}", flush=True)
                continue
            if response.is_error:
                raise RequestRefused(response)
            report = response.json()
            rows += report["accepted"] + len(report["refused"])
            opened = sum(case["opened"] for case in report["cases"])
            seconds = time.perf_counter() - started
            print(f"{progress}: {report['accepted']} scored, {report['positive']} positive "
                  f"({opened} opened a case), {len(report['refused'])} refused; so far {rows} "
                  f"rows in {seconds:.1f} s ({rows / seconds:.0f} rows/s)", flush=True)
            for line in report["refused"]:
                print(f"    line {line['line']}: {line['reason']}")
    return 1 if refused_whole else 0


def _no_screening(command: str, runtime: Runtime, screening_id: UUID) -> int:
    print(f"casetrail {command}: intake at {runtime.services['intake']} has no screening "
          f"{screening_id}.", file=sys.stderr)
    return 1


def _reasons(response: httpx.Response) -> str:
    """The rules a refused file broke, as intake names them (it never echoes a value)."""
    detail: Any = response.json().get("detail")
    if isinstance(detail, list):
        return "; ".join(str(error.get("msg", error)) for error in detail)
    return str(detail)
