"""Notification's HTTP API: the guardian directory, acknowledgements, calls, the intervention
plan, the team's call list and the notification record of a case."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import FastAPI, Path
from pydantic import BaseModel, ConfigDict, Field, model_validator

from casetrail.case_state_http import state_router
from casetrail.http import DEFAULT_PURPOSE, Command, PlannedDate, Purpose, service_api
from casetrail.identity.access import AccessMatrix
from casetrail.identity.principal import Principal
from casetrail.ledger.http import ledger_router
from casetrail.personal.http import erasure_router
from casetrail.service import ServiceRuntime
from contracts.case_state import NotificationPart
from contracts.codes import CallOutcome, GuardianRank, NoticeChannel, PlanMeasure
from services.notification.application import NotificationApplication
from services.notification.domain.directory import Guardian
from services.notification.domain.notice import GuardianNotification

SchoolStudentId = Annotated[str, Path(min_length=1, max_length=64,
                                      pattern=r"^[A-Za-z0-9_.:-]+$")]
ACCESS = AccessMatrix.load(FilePath(__file__).parents[1] / "access.toml")
# The name of the call list in a reader's log of lists read.
CALL_LIST = "pending_calls"
# Whose cases a work list shows: those the reader may read.
READ_CASE = ACCESS["read_case"]


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
    """`at` is when the guardian acknowledged, if not just now; who recorded it is the
    token's principal."""

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
    api = service_api(runtime, ACCESS)

    @api.put("/students/{school_student_id}/guardians")
    async def record_guardians(
            school_student_id: SchoolStudentId, body: GuardiansIn,
            actor: Annotated[Principal, ACCESS.depends("keep_guardian_contacts")]
    ) -> dict[str, Any]:
        await runtime.thread.run(app.record_guardians, school_student_id,
                                 [g.guardian() for g in body.guardians], body.meta(actor))
        return {"guardian_ranks": sorted(g.rank for g in body.guardians)}

    @api.get("/students/{school_student_id}/guardians")
    async def read_guardians(
            school_student_id: SchoolStudentId,
            reader: Annotated[Principal, ACCESS.depends("read_guardian_contacts")],
            purpose: Purpose = DEFAULT_PURPOSE) -> dict[str, Any]:
        guardians = await runtime.thread.run(app.read_guardians, school_student_id,
                                             purpose=purpose, reader=reader.meta())
        return {"guardians": [asdict(g) for g in guardians]}

    @api.post("/cases/{case_id}/acknowledgements", status_code=201)
    async def acknowledge(
            case_id: UUID, body: AcknowledgementIn,
            actor: Annotated[Principal, ACCESS.depends("record_acknowledgement")]
    ) -> dict[str, Any]:
        notice_id = await runtime.thread.run(app.acknowledge, case_id, body.guardian_rank,
                                             body.channel, body.meta(actor))
        return {"case_id": case_id, "notice_id": notice_id}

    @api.post("/cases/{case_id}/calls", status_code=201)
    async def record_call(case_id: UUID, body: CallIn,
                          actor: Annotated[Principal, ACCESS.depends("record_call")]
                          ) -> dict[str, Any]:
        notice_id = await runtime.thread.run(app.record_call, case_id, body.guardian_rank,
                                             body.outcome, body.meta(actor))
        return {"case_id": case_id, "notice_id": notice_id}

    @api.get("/calls/pending")
    async def pending_calls(reader: Annotated[Principal, ACCESS.depends("read_call_list")],
                            purpose: Purpose = DEFAULT_PURPOSE) -> dict[str, Any]:
        """Calls still to make and messages nobody could receive, of the cases the reader
        may read only (a class teacher sees their own cases'); each student's contacts shown
        is a read of them, and the cases listed are a logged read of a list."""
        assert runtime.relations is not None, "the runtime always has a relation book"
        book = runtime.relations
        meta = reader.meta()

        def readable(case_ids: list[UUID]) -> list[UUID]:
            return READ_CASE.visible(book, reader, case_ids)

        def call_list() -> dict[str, Any]:
            calls = app.pending_calls(purpose=purpose, reader=meta, visible=readable)
            unreachable = READ_CASE.visible_items(book, reader, app.unreachable(),
                                                  lambda u: u["case_id"])
            app.read_list(CALL_LIST, sorted({entry["case_id"] for entry in [*calls, *unreachable]}),
                          purpose=purpose, reader=meta)
            return {"calls": calls, "unreachable": unreachable}

        # One turn on the application thread: the lists and the log of their read together.
        return await runtime.thread.run(call_list)

    @api.post("/cases/{case_id}/intervention-plan", status_code=201)
    async def record_plan(
            case_id: UUID, body: PlanIn,
            actor: Annotated[Principal, ACCESS.depends("record_intervention_plan")]
    ) -> dict[str, Any]:
        plan_id = await runtime.thread.run(app.record_plan, case_id, body.measures,
                                           body.agreed, body.guardian_rank, body.review_on,
                                           body.notes, body.meta(actor))
        return {"case_id": case_id, "plan_id": plan_id}


    @api.get("/cases/{case_id}")
    async def read_case(case_id: UUID, reader: Annotated[Principal, ACCESS.depends("read_case")],
                        purpose: Purpose = DEFAULT_PURPOSE) -> dict[str, Any]:
        notification = await runtime.thread.run(
            app.read_case, case_id, GuardianNotification, purpose=purpose,
            reader=reader.meta())
        record: dict[str, Any] = await runtime.thread.run(
            app.opened, notification.student_key, {
                "case_id": notification.id,
                "notices": [asdict(n) for n in notification.notices],
                "calls": [asdict(c) for c in notification.calls],
                "escalations": [asdict(e) for e in notification.escalations],
                "plan": asdict(notification.plan) if notification.plan else None,
                "plans": [asdict(p) for p in notification.plans],
                "authority_reports": [asdict(r) for r in notification.reports],
                "break_glass_alerts": [asdict(a) for a in notification.alerts]})
        return record

    api.include_router(erasure_router(runtime, app, ACCESS))
    api.include_router(ledger_router(runtime, ACCESS))
    api.include_router(state_router(runtime, ACCESS, app.state_at, NotificationPart))
    return api
