"""Notification's HTTP API: the guardian directory, acknowledgements, calls, the intervention
plan, the team's call list and the notification record of a case."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import FastAPI, Path
from pydantic import BaseModel, ConfigDict, Field, model_validator

from casetrail.http import (
    CASE_READERS,
    Command,
    PlannedDate,
    Reader,
    require_role,
    service_api,
)
from casetrail.service import ServiceRuntime
from contracts.codes import CallOutcome, GuardianRank, NoticeChannel, PlanMeasure, Role
from services.notification.application import NotificationApplication
from services.notification.domain.directory import Guardian
from services.notification.domain.notice import GuardianNotification

SchoolStudentId = Annotated[str, Path(min_length=1, max_length=64,
                                      pattern=r"^[A-Za-z0-9_.:-]+$")]
# Staff who keep a student's guardian contacts (readers, less the auditors).
DIRECTORY_KEEPERS = CASE_READERS - {Role.AUDITOR}
# Who records a guardian's acknowledgement or a call: the staff who phone the family, a
# guardian confirming for themselves, and the system (a reply received by a gateway).
FAMILY_CONTACTS = frozenset({Role.PSYCH_TEACHER, Role.CLASS_TEACHER, Role.CRISIS_TEAM,
                             Role.GRADE_LEADER, Role.PRINCIPAL, Role.GUARDIAN, Role.SYSTEM})
# Who puts the intervention plan to the guardians (001 三(三)2).
PLANNERS = frozenset({Role.PSYCH_TEACHER, Role.CRISIS_TEAM, Role.PRINCIPAL})


class GuardianIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rank: GuardianRank
    relation: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(pattern=r"^\+?[0-9][0-9 -]{4,19}$")
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    preferred_channel: NoticeChannel
    language: Literal["zh", "en"] = "zh"

    @model_validator(mode="after")
    def _email_when_preferred(self) -> GuardianIn:
        if self.preferred_channel == NoticeChannel.EMAIL and self.email is None:
            raise ValueError("email is needed when the preferred channel is email")
        return self

    def guardian(self) -> Guardian:
        return Guardian(rank=self.rank.value, relation=self.relation, name=self.name,
                        phone=self.phone, preferred_channel=self.preferred_channel.value,
                        language=self.language, email=self.email)


class GuardiansIn(Command):
    guardians: list[GuardianIn] = Field(min_length=1, max_length=2)

    @model_validator(mode="after")
    def _one_per_rank(self) -> GuardiansIn:
        ranks = [g.rank for g in self.guardians]
        if len(set(ranks)) != len(ranks):
            raise ValueError("guardians: one guardian per rank")
        if GuardianRank.PRIMARY not in ranks:
            raise ValueError("guardians: the primary guardian (rank 1) is told first")
        return self


class AcknowledgementIn(Command):
    """`actor` is who recorded it; `at` when the guardian acknowledged, if not just now."""

    guardian_rank: GuardianRank = GuardianRank.PRIMARY
    channel: NoticeChannel


class CallIn(Command):
    guardian_rank: GuardianRank
    outcome: CallOutcome


class PlanIn(Command):
    measures: list[PlanMeasure] = Field(min_length=1, max_length=len(PlanMeasure))
    agreed: bool
    guardian_rank: GuardianRank
    review_on: PlannedDate | None = None
    notes: str | None = Field(None, max_length=4000)  # kept in this store only


def build_api(runtime: ServiceRuntime, app: NotificationApplication) -> FastAPI:
    api = service_api(runtime)

    @api.put("/students/{school_student_id}/guardians")
    async def record_guardians(school_student_id: SchoolStudentId,
                               body: GuardiansIn) -> dict[str, Any]:
        require_role(body.actor.role, DIRECTORY_KEEPERS, "keep guardian contacts")
        await runtime.thread.run(app.record_guardians, school_student_id,
                                 [g.guardian() for g in body.guardians], body.meta())
        return {"guardian_ranks": sorted(g.rank for g in body.guardians)}

    @api.get("/students/{school_student_id}/guardians")
    async def read_guardians(school_student_id: SchoolStudentId,
                             reader: Reader) -> dict[str, Any]:
        guardians = await runtime.thread.run(app.read_guardians, school_student_id,
                                             purpose=reader.purpose, reader=reader.meta)
        return {"guardians": [asdict(g) for g in guardians]}

    @api.post("/cases/{case_id}/acknowledgements", status_code=201)
    async def acknowledge(case_id: UUID, body: AcknowledgementIn) -> dict[str, Any]:
        require_role(body.actor.role, FAMILY_CONTACTS, "record a guardian's acknowledgement")
        notice_id = await runtime.thread.run(app.acknowledge, case_id, body.guardian_rank,
                                             body.channel, body.meta())
        return {"case_id": case_id, "notice_id": notice_id}

    @api.post("/cases/{case_id}/calls", status_code=201)
    async def record_call(case_id: UUID, body: CallIn) -> dict[str, Any]:
        require_role(body.actor.role, FAMILY_CONTACTS, "record a call to a guardian")
        notice_id = await runtime.thread.run(app.record_call, case_id, body.guardian_rank,
                                             body.outcome, body.meta())
        return {"case_id": case_id, "notice_id": notice_id}

    @api.get("/calls/pending")
    async def pending_calls(reader: Reader) -> dict[str, Any]:
        calls = await runtime.thread.run(app.pending_calls, purpose=reader.purpose,
                                         reader=reader.meta)
        return {"calls": calls, "unreachable": await runtime.thread.run(app.unreachable)}

    @api.post("/cases/{case_id}/intervention-plan", status_code=201)
    async def record_plan(case_id: UUID, body: PlanIn) -> dict[str, Any]:
        require_role(body.actor.role, PLANNERS, "record the intervention plan")
        plan_id = await runtime.thread.run(app.record_plan, case_id, body.measures,
                                           body.agreed, body.guardian_rank, body.review_on,
                                           body.notes, body.meta())
        return {"case_id": case_id, "plan_id": plan_id}

    @api.get("/cases/{case_id}")
    async def read_case(case_id: UUID, reader: Reader) -> dict[str, Any]:
        notification = await runtime.thread.run(
            app.read_case, case_id, GuardianNotification, purpose=reader.purpose,
            reader=reader.meta)
        return {"case_id": notification.id,
                "notices": [asdict(n) for n in notification.notices],
                "calls": [asdict(c) for c in notification.calls],
                "escalations": [asdict(e) for e in notification.escalations],
                "plan": asdict(notification.plan) if notification.plan else None,
                "plans": [asdict(p) for p in notification.plans],
                "authority_reports": [asdict(r) for r in notification.reports]}

    return api
