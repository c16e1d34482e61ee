"""Who may publish and consume on the bus, tried against the real server and processes."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import UTC, datetime
from uuid import UUID, uuid4

import nats
import pytest
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.api import AckPolicy, ConsumerConfig

from casetrail.bus.identities import OPERATOR
from casetrail.bus.replay import case_timeline, read_all
from casetrail.cli.cast import CRISIS_TEAM
from casetrail.cli.commands import RequestRefused
from casetrail.cli.desk import Desk
from casetrail.service import connect
from contracts.codes import Channel, Role, Sign
from contracts.envelope import Actor, Envelope
from contracts.events import intake
from contracts.subjects import CASES_STREAM, MSG_ID_HEADER, POSITION_HEADER, case_subject
from tests.system import System

pytestmark = pytest.mark.e2e

# A permission violation is not answered: a JetStream publish then waits for an ack in vain.
REFUSED = (NatsError, asyncio.TimeoutError)


def detection(case_id: UUID) -> Envelope:
    now = datetime.now(UTC)
    data = intake.CaseDetected(student_key="f" * 32, report_id=uuid4(),
                               channel=Channel.STAFF_OBSERVATION,
                               reporter_role=Role.CLASS_TEACHER, signs=[Sign.SELF_HARM],
                               imminent=False)
    return Envelope(event_id=uuid4(), case_id=case_id, service="intake", type="CaseDetected",
                    version=data.VERSION, occurred_at=now, recorded_at=now,
                    actor=Actor(role=Role.CLASS_TEACHER, id="forger"),
                    correlation_id=uuid4(), data=data.model_dump(mode="json"))


async def test_a_client_without_credentials_is_refused_by_the_server(system: System) -> None:
    with pytest.raises(NatsError, match=r"(?i)authorization"):
        await nats.connect(servers=[system.nats_url], allow_reconnect=False,
                           connect_timeout=5, max_reconnect_attempts=0)


async def test_a_services_credentials_do_not_publish_another_services_events(
        system: System, nc: Client, as_intake: Client) -> None:
    case_id = uuid4()
    forged = detection(case_id).model_copy(update={"service": "assessment",
                                                   "type": "TierDecided"})
    with pytest.raises(REFUSED):
        await as_intake.jetstream().publish(
            case_subject(case_id, "assessment", "TierDecided"), forged.to_bytes(),
            stream=CASES_STREAM, timeout=2)
    assert await case_timeline(nc, case_id) == []


async def test_a_services_credentials_do_not_read_another_services_consumer(
        as_intake: Client) -> None:
    with pytest.raises(REFUSED):
        await as_intake.jetstream().consumer_info(CASES_STREAM, "assessment-from-intake",
                                                  timeout=2)


async def test_a_service_cannot_re_point_its_own_consumer_at_other_services_events(
        system: System, nc: Client, as_intake: Client) -> None:
    wider = ConsumerConfig(name="intake-from-referral", durable_name="intake-from-referral",
                           filter_subject="case.>", ack_policy=AckPolicy.EXPLICIT,
                           max_ack_pending=1)
    with pytest.raises(REFUSED):
        await as_intake.jetstream().add_consumer(CASES_STREAM, wider, timeout=2)
    info = await nc.jetstream().consumer_info(CASES_STREAM, "intake-from-referral")
    assert info.config.filter_subject == "case.*.referral.*"


async def test_the_operator_cannot_create_or_change_a_named_consumer(
        system: System, nc: Client) -> None:
    for name in ("assessment-from-intake", "operator-durable"):
        request = {"stream_name": CASES_STREAM, "config": ConsumerConfig(
            name=name, durable_name=name, filter_subject="case.>",
            ack_policy=AckPolicy.EXPLICIT).as_dict()}
        for subject in (f"$JS.API.CONSUMER.CREATE.{CASES_STREAM}",
                        f"$JS.API.CONSUMER.CREATE.{CASES_STREAM}.{name}",
                        f"$JS.API.CONSUMER.DURABLE.CREATE.{CASES_STREAM}.{name}"):
            try:
                answer = await nc.request(subject, json.dumps(request).encode(), timeout=2)
            except REFUSED:
                continue
            assert "error" in json.loads(answer.data), subject
    info = await nc.jetstream().consumer_info(CASES_STREAM, "assessment-from-intake")
    assert info.config.filter_subject == "case.*.intake.*"
    names = await nc.jetstream().consumers_info(CASES_STREAM)
    assert "operator-durable" not in {c.name for c in names}


async def test_the_operator_reads_the_trail_but_publishes_nothing(
        system: System, nc: Client) -> None:
    case_id = uuid4()
    with pytest.raises(REFUSED):
        await nc.jetstream().publish(case_subject(case_id, "intake", "CaseDetected"),
                                     detection(case_id).to_bytes(), stream=CASES_STREAM,
                                     timeout=2)
    info = await nc.jetstream().consumer_info(CASES_STREAM, "assessment-from-intake")
    assert info.config.durable_name == "assessment-from-intake"


async def test_a_forged_detection_claiming_a_far_position_stops_no_genuine_case(
        system: System, desk: Desk, as_intake: Client) -> None:
    """An insider with intake's credentials forges one well-formed detection whose position
    header is a billion: it is one (fake) case, and every genuine report after it flows."""
    fake = detection(uuid4())
    await as_intake.jetstream().publish(
        case_subject(fake.case_id, "intake", "CaseDetected"), fake.to_bytes(),
        stream=CASES_STREAM,
        headers={MSG_ID_HEADER: str(fake.event_id), POSITION_HEADER: "1000000000"})
    await desk.event(fake.case_id, "assessment", "TierProposed")
    for _ in range(2):
        received = await desk.report(f"s-{secrets.token_hex(4)}", signs=["self_harm"])
        case_id = UUID(received["case_id"])
        await desk.event(case_id, "assessment", "TierProposed")
        await referral_knows(desk, case_id)


async def referral_knows(desk: Desk, case_id: UUID, timeout: float = 30.0) -> None:
    """Referral has taken in the case's detection (its record of the case exists)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await desk.read("referral", case_id, by=CRISIS_TEAM)
            return
        except RequestRefused as refused:
            if refused.status_code != 404 or asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.2)


async def test_the_tools_read_the_bus_with_the_operators_identity(system: System) -> None:
    client = await connect(system.nats_url, "e2e-tool", system.login(OPERATOR))
    try:
        assert await case_timeline(client, uuid4()) == []
    finally:
        await client.close()


async def test_a_genuine_event_replayed_beyond_the_duplicate_window_causes_nothing_twice(
        system: System, desk: Desk, nc: Client, as_intake: Client) -> None:
    """The same bytes under a new Msg-Id are stored again, as after the window has passed."""
    received = await desk.report(f"s-{secrets.token_hex(4)}", signs=["self_harm"])
    case_id = UUID(received["case_id"])
    await desk.event(case_id, "assessment", "TierProposed")
    subject = case_subject(case_id, "intake", "CaseDetected")
    [published] = await read_all(nc, CASES_STREAM, subject, timeout=2)
    ack = await as_intake.jetstream().publish(subject, published, stream=CASES_STREAM,
                                              headers={MSG_ID_HEADER: f"{uuid4()}"})
    assert not ack.duplicate
    # Consumers take intake's events in stream order: once this later case is proposed,
    # the replay before it has been through assessment.
    later = await desk.report(f"s-{secrets.token_hex(4)}", signs=["self_harm"])
    await desk.event(UUID(later["case_id"]), "assessment", "TierProposed")
    trail = await case_timeline(nc, case_id)
    assert [e.type for e in trail].count("CaseDetected") == 1  # the timeline dedupes by id
    assert [e.type for e in trail if e.service == "assessment"].count("TierProposed") == 1
