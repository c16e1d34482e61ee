"""The outbox relay against a real JetStream server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking, TrackingRecorder
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import PubAck

from casetrail.bus.relay import OutboxRelay
from casetrail.bus.replay import case_timeline
from casetrail.kernel import EventMeta
from casetrail.store import store_env, tracking_store
from contracts.codes import Channel, Role, Sign
from contracts.subjects import CASES_STREAM, MSG_ID_HEADER, POSITION_HEADER
from services.intake.adapters.published import PUBLISHED
from services.intake.application import IntakeApplication
from services.intake.bootstrap import build_intake
from services.intake.domain.case import Concern


class CrashBeforeSavingPosition(RuntimeError):
    pass


class PositionsThatCrashOnce:
    """A relay position store whose first save dies, as if the process were killed there."""

    def __init__(self, real: TrackingRecorder) -> None:
        self.real = real
        self.crashed = False

    def max_tracking_id(self, name: str) -> int | None:
        return self.real.max_tracking_id(name)

    def insert_tracking(self, tracking: Tracking) -> None:
        if not self.crashed:
            self.crashed = True
            raise CrashBeforeSavingPosition
        self.real.insert_tracking(tracking)



async def test_a_committed_event_is_published_once_with_its_id_and_position(
        nc: Client, tmp_path: Path) -> None:
    intake = build_intake(store_env(url=f"sqlite:///{tmp_path}/intake.db"), b"k")
    received = intake.report_concern(
        student_ref="S-1", student_name="王小明",
        concern=Concern(uuid4(), Channel.HOTLINE, [Sign.SELF_HARM], True, "在宿舍割腕"),
        meta=EventMeta.by("hotline_operator", "op-1"))
    positions = tracking_store("relay", store_env(url=f"sqlite:///{tmp_path}/relay.db"))
    relay = OutboxRelay(app=intake, published=PUBLISHED, positions=positions,
                        js=nc.jetstream())
    assert await relay.relay_once() == 3  # case detected, student registered and linked
    assert await relay.relay_once() == 0
    [detected] = await case_timeline(nc, received.case_id)
    assert detected.type == "CaseDetected"
    message = await nc.jetstream().get_last_msg(
        CASES_STREAM, f"case.{received.case_id}.intake.CaseDetected")
    assert message.headers is not None
    assert message.headers[MSG_ID_HEADER] == str(detected.event_id)
    assert message.headers[POSITION_HEADER] == "1"


async def test_a_relay_killed_before_saving_its_position_republishes_without_copies(
        nc: Client, tmp_path: Path) -> None:
    intake = build_intake(store_env(url=f"sqlite:///{tmp_path}/intake.db"), b"k")
    received = intake.report_concern(
        student_ref="S-2", student_name="王小明",
        concern=Concern(uuid4(), Channel.HOTLINE, [], False, "text"),
        meta=EventMeta.by("hotline_operator", "op-1"))
    real = tracking_store("relay", store_env(url=f"sqlite:///{tmp_path}/relay.db"))
    crashing = OutboxRelay(app=intake, published=PUBLISHED, js=nc.jetstream(),
                           positions=PositionsThatCrashOnce(real))  # type: ignore[arg-type]
    with pytest.raises(CrashBeforeSavingPosition):
        await crashing.relay_once()
    restarted = OutboxRelay(app=intake, published=PUBLISHED, positions=real,
                            js=nc.jetstream())
    assert restarted.last_relayed() == 0
    assert await restarted.relay_once() == 3
    subject = f"case.{received.case_id}.>"
    info = await nc.jetstream().stream_info(CASES_STREAM, subjects_filter=subject)
    assert info.state.subjects == {f"case.{received.case_id}.intake.CaseDetected": 1}


class CountingPositions(PositionsThatCrashOnce):
    """A position store that counts its saves."""

    def __init__(self, real: TrackingRecorder) -> None:
        super().__init__(real)
        self.crashed = True
        self.saves: list[int] = []

    def insert_tracking(self, tracking: Tracking) -> None:
        self.saves.append(tracking.notification_id)
        self.real.insert_tracking(tracking)


def reported(intake: IntakeApplication, student: str) -> UUID:
    return intake.report_concern(
        student_ref=student, student_name="王小明",
        concern=Concern(uuid4(), Channel.HOTLINE, [Sign.SELF_HARM], True, "text"),
        meta=EventMeta.by("hotline_operator", "op-1")).case_id


async def test_a_relay_keeps_its_position_every_interval_and_when_it_stops(
        nc: Client, tmp_path: Path) -> None:
    intake = build_intake(store_env(url=f"sqlite:///{tmp_path}/intake.db"), b"k")
    positions = CountingPositions(
        tracking_store("relay", store_env(url=f"sqlite:///{tmp_path}/relay.db")))
    relay = OutboxRelay(app=intake, published=PUBLISHED, js=nc.jetstream(), batch=1,
                        positions=positions,  # type: ignore[arg-type]
                        save_seconds=3600.0)
    reported(intake, "S-3")
    while await relay.relay_once():
        pass
    assert relay.last_relayed() == 3 and positions.saves == []
    stop, wake = asyncio.Event(), asyncio.Event()
    stop.set()
    await relay.run(stop, wake, poll_seconds=0.01)
    assert positions.saves == [3]


class JetStreamFailingOn:
    """The real JetStream, except that the first publish on one subject fails."""

    def __init__(self, real: JetStreamContext, subject: str) -> None:
        self.real = real
        self.subject = subject
        self.failed = False

    async def publish(self, subject: str, payload: bytes, **options: Any) -> PubAck:
        if subject == self.subject and not self.failed:
            self.failed = True
            raise NatsTimeoutError
        return await self.real.publish(subject, payload, **options)


async def test_a_failed_publish_lets_other_cases_out_but_never_a_later_event_of_its_case(
        nc: Client, tmp_path: Path) -> None:
    intake = build_intake(store_env(url=f"sqlite:///{tmp_path}/intake.db"), b"k")
    first, second = reported(intake, "S-4"), reported(intake, "S-5")
    intake.assign(first, "psy-1", Role.PSYCH_TEACHER,
                  meta=EventMeta.by("crisis_team_head", "head-1"))
    failing = JetStreamFailingOn(nc.jetstream(), f"case.{first}.intake.CaseDetected")
    relay = OutboxRelay(app=intake, published=PUBLISHED, js=failing,  # type: ignore[arg-type]
                        positions=tracking_store(
                            "relay", store_env(url=f"sqlite:///{tmp_path}/relay.db")))
    with pytest.raises(NatsTimeoutError):
        await relay.relay_once()
    assert relay.last_relayed() == 0
    assert await case_timeline(nc, first) == []  # its assignment waits behind it
    assert [e.type for e in await case_timeline(nc, second)] == ["CaseDetected"]
    assert await relay.relay_once() > 0
    assert [e.type for e in await case_timeline(nc, first)] == ["CaseDetected",
                                                               "CaseAssigned"]
    assert [e.type for e in await case_timeline(nc, second)] == ["CaseDetected"]
