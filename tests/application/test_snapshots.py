"""Long-lived aggregates load from their latest snapshot, encrypted at rest like their
events, and a case loaded from its snapshot is the case its events replay to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import project_aggregate

from casetrail.kernel import EventMeta, ListReads
from casetrail.store import SNAPSHOT_INTERVAL, ServiceApplication, store_env
from contracts.codes import IncidentKind, Tier
from services.intake.application import IntakeApplication
from services.intake.bootstrap import build_intake
from services.intake.domain.case import Case
from services.intake.domain.student import Student
from services.notification.domain.directory import directory_id
from tests.application.all_services import ENTRIES, all_served
from tests.application.pipeline import STUDENT, Pipeline
from tests.application.test_intake import TEACHER, concern
from tests.conftest import CIPHER_KEY


def typed(value: Any) -> Any:
    """The value with the type of each part kept: a snapshot that brings back a str for an
    enum, a list for a tuple or a dict for a dataclass is not the state replayed."""
    if isinstance(value, Enum):
        return type(value), value.value
    if is_dataclass(value) and not isinstance(value, type):
        return type(value), tuple((f.name, typed(getattr(value, f.name))) for f in fields(value))
    if isinstance(value, dict):
        return dict, sorted(((repr(typed(k)), typed(v)) for k, v in value.items()), key=repr)
    if isinstance(value, set | frozenset):
        return type(value), sorted(map(typed, value), key=repr)
    if isinstance(value, list | tuple):
        return type(value), [typed(v) for v in value]
    return type(value), value


def replayed(app: ServiceApplication, aggregate_id: UUID) -> Any:
    """The aggregate as its events alone replay it, no snapshot."""
    return project_aggregate(None, app.events.get(aggregate_id))


def assert_loads_from_snapshot_as_replayed(app: ServiceApplication, aggregate_id: UUID) -> None:
    assert app.snapshots is not None
    [snapshot] = app.snapshots.get(aggregate_id, desc=True, limit=1)
    from_snapshot: Any = app.repository.get(aggregate_id)
    assert type(from_snapshot) is type(replayed(app, aggregate_id))
    assert typed(vars(from_snapshot)) == typed(vars(replayed(app, aggregate_id)))
    assert snapshot.originator_version <= from_snapshot.version


@pytest.fixture
def intake(store_url: tuple[str, str | None]) -> IntakeApplication:
    url, schema = store_url
    return build_intake(store_env(url=url, schema=schema, cipher_key=CIPHER_KEY), b"key")


def test_a_case_of_many_events_loads_from_its_snapshot_as_its_events_replay_it(
        intake: IntakeApplication) -> None:
    case_id = intake.report_concern(student_ref="S-1", student_name="张三", concern=concern(),
                                    meta=TEACHER).case_id
    while intake.get_case(case_id, Case).version < SNAPSHOT_INTERVAL + 3:
        intake.report_concern(student_ref="S-1", student_name=None, concern=concern(),
                              meta=TEACHER)
    assert intake.snapshots is not None
    [snapshot] = intake.snapshots.get(case_id)
    assert snapshot.originator_version == SNAPSHOT_INTERVAL
    # Encrypted at rest, as the case's events are: not even its fields' names show.
    [stored] = intake.snapshots.recorder.select_events(case_id)
    assert b"reports" not in stored.state
    assert_loads_from_snapshot_as_replayed(intake, case_id)


def test_a_readers_day_of_list_reads_loads_from_its_snapshot(intake: IntakeApplication) -> None:
    case_id = intake.report_concern(student_ref="S-1", student_name=None, concern=concern(),
                                    meta=TEACHER).case_id
    reader = EventMeta.by("crisis_team", "t-9", occurred_at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    for _ in range(SNAPSHOT_INTERVAL):
        intake.read_list("case_list", [case_id], purpose="case_work", reader=reader)
    assert_loads_from_snapshot_as_replayed(
        intake, ListReads.create_id("intake", "t-9", "2026-03-02"))


@pytest.fixture
def pipeline(store_url: tuple[str, str | None], tmp_path: Path) -> Iterator[Pipeline]:
    encrypted = {name: {"CASETRAIL_CIPHER_KEY": CIPHER_KEY} for name in ENTRIES}
    with all_served(store_url, tmp_path, encrypted) as running:
        yield Pipeline(running)


def test_each_services_part_of_a_case_loads_from_its_snapshot_as_its_events_replay_it(
        pipeline: Pipeline) -> None:
    case_id = pipeline.reported()
    pipeline.climbed(case_id)
    pipeline.decided(case_id, Tier.SERIOUS)
    pipeline.acknowledged(case_id)
    pipeline.referred_and_accepted(case_id)
    # An incident in the case: intake keeps it by its id, notification tells the authority.
    intake = pipeline.services["intake"].app
    assert isinstance(intake, IntakeApplication)
    intake.report_incident(student_ref=STUDENT, student_name=None,
                           kind=IncidentKind.SELF_HARM, description="天台", meta=TEACHER)
    pipeline.settle()
    assert intake.get_case(case_id, Case).incidents
    key = intake.student_key(STUDENT)
    records = {name: [case_id] for name in pipeline.services}
    records["intake"].append(Student.id_for(key))
    records["notification"].append(directory_id(key))
    for name, service in pipeline.services.items():
        for record_id in records[name]:
            service.app.take_snapshot(record_id)
            assert_loads_from_snapshot_as_replayed(service.app, record_id)
