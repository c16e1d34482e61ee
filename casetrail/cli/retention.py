"""`casetrail retention-report`: the students due for erasure under intake's retention
periods, by key and record id (never a name), and how to erase each."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from casetrail.cli.commands import RequestRefused, bearer
from casetrail.cli.runtime import Runtime


def render(report: dict[str, Any]) -> str:
    periods = ", ".join(f"{kind.removesuffix('_years')} {years}y"
                        for kind, years in report["periods_in_years"].items())
    lines = [f"due for erasure on {report['as_of']} ({len(report['due'])} students; "
             f"kept: {periods})"]
    for student in report["due"]:
        lines.append(f"  {student['student_key']}  due {student['due_on']}  "
                     f"casetrail erase {student['student_key']} --reason retention_elapsed")
        lines.extend(f"      {r['kind']:<20} {r['record_id']}  due {r['due_on']}"
                     for r in student["records"])
    return "\n".join(lines)


def retention_report(runtime: Runtime, token: str | None, as_of: date | None) -> int:
    """As the one signed in (`--token` or CASETRAIL_TOKEN)."""
    response = httpx.get(f"{runtime.services['intake']}/retention",
                         params={"as_of": as_of.isoformat()} if as_of else {},
                         headers=bearer(token), timeout=30.0)
    if response.is_error:
        raise RequestRefused(response)
    print(render(response.json()))
    return 0
