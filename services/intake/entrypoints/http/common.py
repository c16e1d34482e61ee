"""What intake's routers share: the student in a request, and 422s that name the field."""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from casetrail.identity.access import Relation
from casetrail.identity.principal import Principal
from services.intake.entrypoints.http.access import ACCESS

SchoolStudentId = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class StudentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_student_id: str = SchoolStudentId
    name: str | None = Field(None, max_length=64)


def invalid(loc: tuple[str | int, ...], message: str) -> RequestValidationError:
    """A 422 like pydantic's own, for a rule between fields that names the one at fault
    (and, like every 422, not what was sent)."""
    return RequestValidationError([{"type": "value_error", "loc": loc, "msg": message}])


# What of a report's answer tells the student's history: that a case was open already, or
# which one came before it.
HISTORY = ("opened", "previous_case_id")


def receipt_for(reporter: Principal, answer: dict[str, Any]) -> dict[str, Any]:
    """What a reporter learns of what their report did. Those who read every case of the
    school get the whole answer; staff who work a case only once assigned (or as its
    reporter) get the case to forward the report in, but not the student's history; anyone
    else only that the report was taken, and its id to follow it by (GET
    /reports/{report_id})."""
    reads = ACCESS["read_case"].relations.get(reporter.role, frozenset())
    if reads & {Relation.ANY, Relation.SCHOOL}:
        return answer
    if reporter.role in ACCESS["forward_report"].roles:
        return {**{k: v for k, v in answer.items() if k not in HISTORY}, "received": True}
    return {"report_id": answer["report_id"], "received": True}
