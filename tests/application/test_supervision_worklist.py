"""The crisis team's worklist from supervision (GET /worklist, /worklist/changes and
/cases/{id}/timeline): folded from CASES as the replica reads it, each reader shown only the
cases they may see, the most urgent first, every read of cases logged."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casetrail.store import ServiceApplication
from contracts.codes import Role, Tier
from services.supervision.adapters.case_stream import CasesReplica
from services.supervision.adapters.service_states import ServiceStatesOverHttp
from services.supervision.bootstrap import build, live_cases
from services.supervision.config import SupervisionSettings
from tests.application.reads import position, reads_after
from tests.identity import OTHER_SCHOOL, bearer, token
from tests.worklist_cases import Story

TEACHER = bearer("class_teacher", subject="ct-1")
LEADER = bearer("grade_leader", subject="gl-1")
TEAM = bearer("crisis_team", subject="team-1")
AUDITOR = bearer("auditor", subject="a-1", school=None)
HOURS_AGO = datetime.now(UTC) - timedelta(hours=6)


@dataclass
class World:
    http: TestClient
    api: FastAPI
    replica: CasesReplica
    store: ServiceApplication

    def feed(self, *stories: Story) -> None:
        """Every envelope of the stories CASES has not carried yet, in order."""
        for story in stories:
            for envelope in story.envelopes:
                if envelope.event_id not in self.replica.positions:
                    self.replica.take(envelope.to_bytes())

    def items(self, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
        answer = self.http.get("/worklist", headers=headers, params=params)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items


@pytest.fixture
def world(store_url: tuple[str, str | None], tmp_path: Path) -> Iterator[World]:
    with made_world(store_url, tmp_path) as made:
        yield made


@contextmanager
def made_world(store_url: tuple[str, str | None], tmp_path: Path,
               **extra: Any) -> Iterator[World]:
    url, schema = store_url
    if url.startswith("sqlite:///"):
        url = f"sqlite:///{tmp_path}/supervision.db"
    settings = SupervisionSettings.model_validate({
        "CASETRAIL_DATA_DIR": str(tmp_path), "store_url": url, "store_schema": schema,
        "worklist_heartbeat_seconds": 0.2, "worklist_queue_size": 4, **extra})
    replica, live = CasesReplica(caught_up=True), live_cases(settings)
    replica.followers.append(live.take)
    # No lifespan: no bus; the test feeds the replica as CASES would.
    api = build(settings, replica, ServiceStatesOverHttp({}, 1.0), live=live)
    client = TestClient(api)
    try:
        yield World(client, api, replica, api.state.runtime.app)
    finally:
        client.close()
        api.state.runtime.thread.shutdown()


def test_a_class_teacher_sees_only_the_cases_assigned_to_her(world: World) -> None:
    hers, other = Story().detected().assigned(1, "ct-1", Role.CLASS_TEACHER), Story()
    other.detected(reporter="ct-1")  # her own report: she reads the report, not the case
    world.feed(hers, other)
    assert [item["case_id"] for item in world.items(TEACHER)] == [str(hers.case_id)]


def test_the_school_sees_every_open_case_and_the_closed_ones_when_it_asks(
        world: World) -> None:
    open_, closed = Story().detected(), Story().detected().decided(Tier.GENERAL)
    closed.closed(2)
    world.feed(open_, closed)
    assert [i["case_id"] for i in world.items(LEADER)] == [str(open_.case_id)]
    assert [i["case_id"] for i in world.items(LEADER, state="closed")] == [str(closed.case_id)]
    assert len(world.items(LEADER, state="all")) == 2


def test_a_case_assigned_later_joins_the_teachers_worklist_when_cases_brings_it(
        world: World) -> None:
    story = Story().detected()
    world.feed(story)
    assert world.items(TEACHER) == []
    world.feed(story.assigned(2, "ct-1", Role.CLASS_TEACHER))
    assert [i["case_id"] for i in world.items(TEACHER)] == [str(story.case_id)]


def test_a_case_whose_guardian_has_not_acknowledged_in_time_comes_before_one_still_in_time(
        world: World) -> None:
    in_time, late = Story(start=HOURS_AGO), Story(start=HOURS_AGO + timedelta(hours=1))
    for story, within in ((in_time, 48), (late, 2)):
        story.detected().decided(Tier.SERIOUS)
        story.noticed(2, within=within)
    world.feed(in_time, late)
    items = world.items(TEAM)
    assert [i["case_id"] for i in items] == [str(late.case_id), str(in_time.case_id)]
    first = items[0]
    assert (first["turn"], first["turn_roles"], first["overdue"]) == (
        "await_guardian", ["guardian"], True)
    assert datetime.fromisoformat(first["guardian_acknowledge_by"]) == late.at(4)


def test_a_crisis_comes_before_a_serious_case_whatever_its_deadlines(world: World) -> None:
    serious, crisis = Story(start=HOURS_AGO), Story(start=HOURS_AGO)
    serious.detected().decided(Tier.SERIOUS)
    serious.noticed(2, within=1)
    crisis.detected().decided(Tier.CRISIS)
    world.feed(serious, crisis)
    assert [i["tier"] for i in world.items(TEAM)] == ["crisis", "serious"]


def test_the_worklist_keeps_the_tier_and_the_turn_asked_for(world: World) -> None:
    undecided, general = Story().detected(), Story().detected().decided(Tier.GENERAL)
    world.feed(undecided, general)
    assert [i["case_id"] for i in world.items(TEAM, turn="assess")] == [
        str(undecided.case_id)]
    assert [i["case_id"] for i in world.items(TEAM, tier="general")] == [str(general.case_id)]
    refused = world.http.get("/worklist", headers=TEAM, params={"turn": "dance"})
    assert refused.status_code == 422 and "dance" not in refused.text
    assert refused.json()["detail"][0]["loc"] == ["query", "turn"]


def test_an_entry_holds_ids_codes_and_times_and_the_last_position_on_cases(
        world: World) -> None:
    story = Story().detected().decided(Tier.SERIOUS)
    story.acknowledged(3, story.noticed(2, within=24))
    referral_id = story.referred(4, within=48)
    world.feed(story)
    [item] = world.items(TEAM)
    assert item["position"] == len(story.envelopes) and item["stage"] == "referred"
    assert item["turn"] == "await_receiver" and item["source"] == "hotline"
    assert item["referrals_awaiting"] == [{"referral_id": str(referral_id),
                                           "receiver_type": "hospital_green_channel",
                                           "answer_by": story.at(52).isoformat().replace(
                                               "+00:00", "Z")}]


def test_the_read_of_the_worklist_is_logged_with_the_cases_it_showed(world: World) -> None:
    shown, hidden = Story().detected().assigned(1, "ct-1", Role.CLASS_TEACHER), Story()
    world.feed(shown, hidden.detected())
    before = position(world.store)
    world.items(TEACHER, purpose="care")
    [read] = reads_after(world.store, before)
    assert (read.what, read.subject, read.role, read.purpose, read.case_ids) == (
        "worklist", "ct-1", "class_teacher", "care", (shown.case_id,))


def test_the_auditor_and_other_schools_do_not_read_the_worklist(world: World) -> None:
    assert world.http.get("/worklist", headers=AUDITOR).status_code == 403
    other = bearer("crisis_team", subject="team-9", school=OTHER_SCHOOL)
    assert world.http.get("/worklist", headers=other).status_code == 403


def test_while_cases_is_replayed_the_worklist_says_to_retry(world: World) -> None:
    world.replica.caught_up = False
    story = Story().detected()
    world.feed(story)
    for path in ("/worklist", "/worklist/changes", f"/cases/{story.case_id}/timeline"):
        answer = world.http.get(path, headers=TEAM)
        assert (answer.status_code, answer.headers.get("Retry-After")) == (503, "1"), path


def test_the_timeline_lists_the_cases_events_in_stream_order_and_logs_the_read(
        world: World) -> None:
    story = Story().detected(reporter="ct-1").decided(Tier.GENERAL, 1)
    world.feed(Story().detected(), story)
    before = position(world.store)
    answer = world.http.get(f"/cases/{story.case_id}/timeline", headers=AUDITOR)
    assert answer.status_code == 200, answer.text
    timeline = answer.json()
    assert timeline["version"] == 1
    assert [(e["position"], e["service"], e["type"]) for e in timeline["events"]] == [
        (2, "intake", "CaseDetected"), (3, "assessment", "TierDecided")]
    assert timeline["events"][0]["actor"] == {"role": "class_teacher", "id": "ct-1"}
    assert timeline["events"][1]["data"]["tier"] == "general"
    [read] = reads_after(world.store, before)
    assert (read.what, read.subject, read.case_ids) == ("case_timeline", "a-1",
                                                        (story.case_id,))


def test_the_timeline_of_a_case_not_on_cases_is_not_found_and_a_stranger_is_refused(
        world: World) -> None:
    story = Story().detected()
    world.feed(story)
    unknown = Story().case_id
    assert world.http.get(f"/cases/{unknown}/timeline", headers=TEAM).status_code == 404
    assert world.http.get(f"/cases/{story.case_id}/timeline",
                          headers=TEACHER).status_code == 403


class Stream:
    """A GET of an event stream straight through the API (ASGI), read as it comes."""

    def __init__(self, api: FastAPI, path: str, credentials: str) -> None:
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.gone = asyncio.Event()
        self.requested = False
        self.text = ""
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
                 "root_path": "", "query_string": b"", "client": ("127.0.0.1", 50000),
                 "server": ("supervision", 80),
                 "headers": [(b"host", b"supervision"),
                             (b"authorization", f"Bearer {credentials}".encode())]}
        self.task = asyncio.create_task(api(scope, self._receive, self._send))

    async def _send(self, message: MutableMapping[str, Any]) -> None:
        await self.messages.put(dict(message))

    async def _receive(self) -> dict[str, Any]:
        if not self.requested:
            self.requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def status(self) -> int:
        start = await asyncio.wait_for(self.messages.get(), 5)
        assert start["type"] == "http.response.start"
        assert (b"content-type", b"text/event-stream; charset=utf-8") in start["headers"]
        status: int = start["status"]
        return status

    async def until(self, seen: str) -> str:
        """The text streamed so far once it holds `seen`."""
        async with asyncio.timeout(5):
            while seen not in self.text:
                message = await self.messages.get()
                self.text += message.get("body", b"").decode()
                if not message.get("more_body", False):
                    break
        return self.text

    async def close(self) -> None:
        self.gone.set()
        await asyncio.wait_for(self.task, 5)


async def test_a_change_to_a_case_the_reader_may_see_arrives_on_the_stream(
        world: World) -> None:
    hers, other = Story().detected().assigned(1, "ct-1", Role.CLASS_TEACHER), Story()
    world.feed(hers, other.detected())
    stream = Stream(world.api, "/worklist/changes", token("class_teacher", subject="ct-1"))
    assert await stream.status() == 200
    await stream.until(": worklist changes")
    world.feed(other.decided(Tier.GENERAL))  # not hers: nothing is said of it
    world.feed(hers.decided(Tier.SERIOUS))
    text = await stream.until("event: changed")
    assert str(other.case_id) not in text
    assert f'data: {{"case_id":"{hers.case_id}","position":5}}' in text
    assert ": heartbeat" in await stream.until(": heartbeat")
    await stream.close()


async def test_the_stream_ends_when_the_readers_token_expires(world: World) -> None:
    stream = Stream(world.api, "/worklist/changes",
                    token("crisis_team", subject="team-1", lifetime=timedelta(seconds=1)))
    assert await stream.status() == 200
    assert "event: expired" in await stream.until("event: expired")
    await asyncio.wait_for(stream.task, 5)  # the response ended by itself


async def test_a_reader_that_falls_behind_is_closed_to_read_the_worklist_afresh(
        world: World) -> None:
    story = Story().detected()
    world.feed(story)
    stream = Stream(world.api, "/worklist/changes", token("crisis_team", subject="team-1"))
    assert await stream.status() == 200
    await stream.until(": worklist changes")
    for hours in range(1, 8):  # more than the queue holds (4), fed before the reader reads
        story.attached(hours)
    world.feed(story)
    await stream.until("no more")
    await asyncio.wait_for(stream.task, 5)
    assert "event: changed" not in stream.text


async def test_a_stream_lasts_no_longer_than_the_deployment_lets_it(
        store_url: tuple[str, str | None], tmp_path: Path) -> None:
    with made_world(store_url, tmp_path, worklist_stream_seconds=0.3) as bounded:
        stream = Stream(bounded.api, "/worklist/changes", token("crisis_team"))
        assert await stream.status() == 200
        await asyncio.wait_for(stream.task, 5)  # ended by itself, the token still valid
        assert "event: expired" not in await stream.until("never said")
