"""The grown-up store: the same pipeline with every service's events in PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from nats.aio.client import Client

from casetrail.bus.replay import case_timeline
from casetrail.cli.desk import Desk
from casetrail.cli.timeline import STAGE_ORDER, stages_reached
from contracts.envelope import SERVICES
from tests.infra import fresh_schema
from tests.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, postgres: str | None) -> Iterator[System]:
    if postgres is None:
        pytest.skip("postgres: set POSTGRES_URL (or run a Docker engine) to test on PostgreSQL")
    with fresh_schema(postgres, "e2e") as schema:
        stores = {f"{s.upper()}_{key}": value for s in SERVICES
                  for key, value in (("STORE_URL", postgres), ("STORE_SCHEMA", schema))}
        with running_system(tmp_path_factory.mktemp("pg-system"), stores) as system:
            yield system


async def test_cases_of_every_tier_pass_every_stage_on_postgresql(
        desk: Desk, nc: Client) -> None:
    for tier, imminent, signs in (("crisis", True, ["weapon"]),
                                  ("serious", False, ["self_harm"])):
        case_id = await desk.through_every_stage(f"pg-{secrets.token_hex(4)}", tier,
                                                 imminent=imminent, signs=signs)
        assert stages_reached(await case_timeline(nc, case_id)) == STAGE_ORDER
