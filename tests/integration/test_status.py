"""`casetrail status` asks every service the running system recorded whether it is ready,
and, with a token that may read them, its lags and the last error its work met: exit 0 only
when every one is ready."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from casetrail.bus.embedded import EmbeddedNats, free_port
from casetrail.cli.main import main
from casetrail.cli.runtime import Runtime
from casetrail.service import every
from contracts.codes import Role, Tier
from services.referral.application import ReferralApplication
from services.referral.bootstrap import ENTRY
from tests.application.all_services import settings_of
from tests.application.test_referral import decide
from tests.identity import token
from tests.receivers import serving_app


async def send_reminders() -> None:
    raise ConnectionRefusedError("a gateway's text, which may name a guardian")


@contextmanager
def referral_running(store_url: tuple[str, str | None], data: Path, nats_url: str,
                     cases: int = 0) -> Iterator[str]:
    """Referral's API on a port of its own, `cases` decided and not yet relayed (its relay
    is not running), and a background task that fails every round: its base URL."""
    settings = settings_of(ENTRY, store_url, data,
                           {"NATS_URL": nats_url, "relay_stall_seconds": 600})
    api = ENTRY.api(settings)
    runtime = api.state.runtime
    assert isinstance(runtime.app, ReferralApplication)
    for _ in range(cases):
        decide(runtime.app, Tier.SERIOUS)
    runtime.background.append(every(0.05, send_reminders))
    with serving_app(api, lifespan="on") as url:
        yield url


def status(system: Path, capsys: pytest.CaptureFixture[str], *options: str
           ) -> tuple[int, dict[str, Any]]:
    code = main(["status", "--json", "--data-dir", str(system), *options])
    return code, json.loads(capsys.readouterr().out)


def status_until(system: Path, capsys: pytest.CaptureFixture[str], wanted: int, *options: str
                 ) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while (answer := status(system, capsys, *options))[0] != wanted:
        assert time.monotonic() < deadline, answer
        time.sleep(0.1)
    return answer[1]


@pytest.fixture
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASETRAIL_TOKEN", raising=False)


@pytest.mark.usefixtures("no_token")
def test_a_running_service_shows_ready_with_its_backlog_and_last_error_given_a_token(
        store_url: tuple[str, str | None], tmp_path: Path, nats_url: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    system = tmp_path / "system"
    system.mkdir()
    with referral_running(store_url, tmp_path, nats_url, cases=2) as url:
        Runtime(nats_url, {"referral": url}).save(system)
        code, shown = status(system, capsys)
        assert code == 0
        referral = shown["services"]["referral"]
        assert referral["ready"] and referral["health"] == "ok"
        assert referral["outbox"] is None
        assert "token" in referral["lags_unavailable"]
        assert "principal" in referral["lags_unavailable"]  # who may read them

        def noted() -> dict[str, Any]:
            seen = status_until(system, capsys, 0, "--token", token(Role.PRINCIPAL))
            referral: dict[str, Any] = seen["services"]["referral"]
            return referral

        deadline = time.monotonic() + 15
        while (referral := noted())["last_error"] is None:
            assert time.monotonic() < deadline, referral
            time.sleep(0.1)
        assert referral["outbox"]["backlog"] == referral["outbox"]["committed"] > 0
        assert referral["lags_unavailable"] is None
        assert set(referral["inbox"]) == {"referral-from-assessment", "referral-from-intake"}
        assert referral["last_error"]["kind"] == "ConnectionRefusedError"
        assert referral["last_error"]["where"] == "send_reminders"
        assert "guardian" not in json.dumps(referral)  # never the error's text
        assert shown["nats"] == {"url": nats_url, "listening": True}

        assert main(["status", "--data-dir", str(system)]) == 0  # the table
        table = capsys.readouterr().out
        assert "referral" in table and "ready" in table and "token is needed" in table


@pytest.mark.usefixtures("no_token")
def test_a_service_whose_port_is_closed_shows_as_unreachable_and_status_exits_1(
        tmp_path: Path, nats_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    Runtime(nats_url, {"intake": f"http://127.0.0.1:{free_port()}"}).save(tmp_path)
    code, shown = status(tmp_path, capsys)
    assert code == 1
    assert not shown["ready"]
    intake = shown["services"]["intake"]
    assert intake["health"] == "unreachable" and not intake["ready"]
    assert main(["status", "--data-dir", str(tmp_path)]) == 1
    assert "unreachable" in capsys.readouterr().out


@pytest.mark.usefixtures("no_token")
def test_a_service_that_lost_nats_shows_why_it_is_not_ready(
        store_url: tuple[str, str | None], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    nats = EmbeddedNats(tmp_path / "nats").start()
    system = tmp_path / "system"
    system.mkdir()
    try:
        with referral_running(store_url, tmp_path, nats.url) as url:
            Runtime(nats.url, {"referral": url}).save(system)
            status_until(system, capsys, 0)
            nats.stop()
            shown = status_until(system, capsys, 1, "--token", token(Role.SYSTEM))
            referral = shown["services"]["referral"]
            assert referral["health"] == "bus_unreachable"
            assert "NATS" in referral["health_detail"]["detail"]
            assert referral["inbox"]["referral-from-intake"]["pending"] is None  # unknown
            assert shown["nats"]["listening"] is False
            nats.start()
            status_until(system, capsys, 0)
    finally:
        nats.stop()
