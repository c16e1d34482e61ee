from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI

from casetrail.bus.envelopes import PublishedEvents
from casetrail.bus.handling import Handler, handle_once, handled_mark
from casetrail.bus.inbox import Subscription
from casetrail.identity.access_book import keeping_access
from casetrail.service import ServiceRuntime
from casetrail.settings import ServiceSettings
from casetrail.store import ServiceApplication, store_env
from casetrail.worker import ApplicationThread
from contracts.codes import Channel, KeyConcern, Role, Sign
from contracts.envelope import Actor, Envelope
from contracts.events import intake, read_data
from contracts.events.base import EventData, ScreenResult

A = TypeVar("A", bound=ServiceApplication)


@asynccontextmanager
async def served(settings: ServiceSettings, app: A,
                 build_api: Callable[[ServiceRuntime, A], FastAPI],
                 published: PublishedEvents | None = None
                 ) -> AsyncIterator[httpx.AsyncClient]:
    """A service's HTTP API in process, without its bus consumers (no lifespan); given what
    the service publishes, its /status and /health tell a stuck outbox."""
    thread = ApplicationThread(f"{settings.service}-test")
    runtime = ServiceRuntime(settings=settings, app=app, thread=thread, published=published)
    transport = httpx.ASGITransport(app=build_api(runtime, app))
    async with httpx.AsyncClient(transport=transport,
                                 base_url=f"http://{settings.service}") as client:
        yield client
    thread.shutdown()


@pytest.fixture
def thread() -> Iterator[ApplicationThread]:
    """An application thread, as a service runs its application on."""
    thread = ApplicationThread("application-test")
    yield thread
    thread.shutdown()


@pytest.fixture
def env(store_url: tuple[str, str | None]) -> dict[str, str]:
    url, schema = store_url
    return store_env(url=url, schema=schema)


UPSTREAM = Actor(role="system", id="upstream")
STUDENT_KEY = "0" * 32


def detected(*signs: Sign, imminent: bool = False, channel: Channel = Channel.STAFF_OBSERVATION,
             key_concerns: list[KeyConcern] | None = None,
             screen: ScreenResult | None = None) -> intake.CaseDetected:
    """Intake's CaseDetected for a class teacher's report (by default) on one student."""
    return intake.CaseDetected(student_key=STUDENT_KEY, report_id=uuid4(), channel=channel,
                               reporter_role=Role.CLASS_TEACHER, signs=list(signs),
                               imminent=imminent, key_concerns=key_concerns or [],
                               screen=screen)


def envelope(service: str, case_id: UUID, data: EventData, actor: Actor = UPSTREAM) -> Envelope:
    now = datetime.now(UTC)
    return Envelope(event_id=uuid4(), case_id=case_id, service=service,
                    type=type(data).__name__, version=data.VERSION, occurred_at=now,
                    recorded_at=now, actor=actor, correlation_id=uuid4(),
                    data=data.model_dump(mode="json"))


def deliver(app: ServiceApplication, handler: Handler, message: Envelope) -> bool:
    """What the inbox does with a message from the bus, without the bus."""
    data: Any = read_data(message)
    return handle_once(app, handler, message, data,
                       handled_mark(message.service, message, message.to_bytes()))


def assigned(app: ServiceApplication, case_id: UUID, assignee_id: str,
             role: Role = Role.PSYCH_TEACHER) -> None:
    """The crisis-team head's assignment of someone to the case, as intake's event reaches
    a service: its need-to-know record notes it."""
    note = keeping_access(app, Subscription(app.name, "intake", {})).handlers["CaseAssigned"]
    deliver(app, note, envelope("intake", case_id, intake.CaseAssigned(
        assignee_id=assignee_id, assignee_role=role), Actor(role="crisis_team_head",
                                                            id="head-1")))


def published(app: ServiceApplication, events: PublishedEvents,
              event_type: str | None = None) -> list[Envelope]:
    """What the app's store puts on the bus, in order (internal events left out); only those
    of `event_type` if given."""
    found = []
    for n in app.recorder.select_notifications(start=1, limit=10_000):
        e = events.envelope(app.mapper.to_domain_event(n))
        if e is not None and event_type in (None, e.type):
            found.append(e)
    return found
