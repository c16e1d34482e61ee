"""Notification's HTTP API: record a guardian's acknowledgement; the notices of a case."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from pydantic import AwareDatetime, BaseModel, ConfigDict

from casetrail.http import Reader, health_route, install_error_handlers
from casetrail.kernel import EventMeta
from casetrail.service import ServiceRuntime
from contracts.codes import GuardianRank, NoticeChannel
from contracts.envelope import Actor
from services.notification.application import NotificationApplication
from services.notification.domain.notice import GuardianNotification


class AcknowledgementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    guardian_rank: GuardianRank = GuardianRank.PRIMARY
    channel: NoticeChannel
    recorded_by: Actor
    acknowledged_at: AwareDatetime | None = None


def build_api(runtime: ServiceRuntime, app: NotificationApplication) -> FastAPI:
    api = FastAPI(title="casetrail notification", version="1", lifespan=runtime.lifespan())
    install_error_handlers(api)
    health_route(api)

    @api.post("/cases/{case_id}/acknowledgements", status_code=201)
    async def acknowledge(case_id: UUID, body: AcknowledgementIn) -> dict[str, Any]:
        meta = EventMeta.by(body.recorded_by.role, body.recorded_by.id,
                            occurred_at=body.acknowledged_at)
        notice_id = await runtime.thread.run(app.acknowledge, case_id, body.guardian_rank,
                                             body.channel, meta)
        return {"case_id": case_id, "notice_id": notice_id}

    @api.get("/cases/{case_id}")
    async def read_case(case_id: UUID, reader: Reader) -> dict[str, Any]:
        notification = await runtime.thread.run(
            app.read_case, case_id, GuardianNotification, purpose=reader.purpose,
            reader=reader.meta)
        return {"case_id": notification.id,
                "notices": [asdict(n) for n in notification.notices]}

    return api
