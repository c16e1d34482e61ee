"""Notification's HTTP API: record a guardian's acknowledgement; the notices of a case."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from fastapi import FastAPI

from casetrail.http import Command, Reader, service_api
from casetrail.service import ServiceRuntime
from contracts.codes import GuardianRank, NoticeChannel
from services.notification.application import NotificationApplication
from services.notification.domain.notice import GuardianNotification


class AcknowledgementIn(Command):
    """`actor` is who recorded it; `at` when the guardian acknowledged, if not just now."""

    guardian_rank: GuardianRank = GuardianRank.PRIMARY
    channel: NoticeChannel


def build_api(runtime: ServiceRuntime, app: NotificationApplication) -> FastAPI:
    api = service_api(runtime)

    @api.post("/cases/{case_id}/acknowledgements", status_code=201)
    async def acknowledge(case_id: UUID, body: AcknowledgementIn) -> dict[str, Any]:
        notice_id = await runtime.thread.run(app.acknowledge, case_id, body.guardian_rank,
                                             body.channel, body.meta())
        return {"case_id": case_id, "notice_id": notice_id}

    @api.get("/cases/{case_id}")
    async def read_case(case_id: UUID, reader: Reader) -> dict[str, Any]:
        notification = await runtime.thread.run(
            app.read_case, case_id, GuardianNotification, purpose=reader.purpose,
            reader=reader.meta)
        return {"case_id": notification.id,
                "notices": [asdict(n) for n in notification.notices]}

    return api
