"""The tools talk only to the system `casetrail up` recorded in the data directory, and only
while it runs; otherwise they say where they looked and how to point them, and exit 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from casetrail.cli.main import main
from casetrail.cli.runtime import NotRunning, Runtime
from contracts.envelope import SERVICES


@pytest.fixture
def listening() -> Iterator[list[int]]:
    """Five ports something listens on, as NATS and the four APIs would."""
    sockets = []
    for _ in range(1 + len(SERVICES)):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen()
        sockets.append(s)
    yield [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()


def recorded(directory: Path, ports: list[int], pid: int | None) -> Runtime:
    runtime = Runtime(f"nats://127.0.0.1:{ports[0]}",
                      {s: f"http://127.0.0.1:{p}" for s, p in zip(SERVICES, ports[1:],
                                                                  strict=True)}, pid=pid)
    runtime.save(directory)
    return runtime


def dead_pid() -> int:
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    return exited.pid


@pytest.mark.parametrize("command", [["demo"], ["timeline", str(uuid4())],
                                     ["dead-letters", "intake"], ["status"],
                                     ["status", "--json"]])
def test_a_tool_with_no_system_in_the_data_dir_says_where_it_looked_and_exits_2(
        command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--data-dir", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert str(tmp_path / "runtime.json") in err
    assert "CASETRAIL_DATA_DIR" in err and "--data-dir" in err
    assert err.count("\n") == 1


def test_the_data_dir_comes_from_the_environment_when_not_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASETRAIL_DATA_DIR", str(tmp_path))
    assert main(["dead-letters", "referral"]) == 2
    assert str(tmp_path / "runtime.json") in capsys.readouterr().err


def test_a_record_whose_up_is_gone_is_no_system_though_its_ports_answer(
        tmp_path: Path, listening: list[int]) -> None:
    # Another system (or a leftover) on the recorded ports is not the one recorded.
    recorded(tmp_path, listening, dead_pid())
    with pytest.raises(NotRunning, match=r"its `casetrail up` \(process \d+\) is gone"):
        Runtime.load(tmp_path)


def test_a_record_whose_service_no_longer_listens_is_no_system(
        tmp_path: Path, listening: list[int]) -> None:
    closed = listening[:3] + [dead_port() for _ in listening[3:]]
    recorded(tmp_path, closed, None)
    with pytest.raises(NotRunning, match="notification does not listen at http://"):
        Runtime.load(tmp_path)


def test_a_record_that_is_not_ups_is_no_system(tmp_path: Path) -> None:
    (tmp_path / "runtime.json").write_text('{"nats_url": 4222}{')
    with pytest.raises(NotRunning, match="is not a record written by `casetrail up`"):
        Runtime.load(tmp_path)


def test_a_running_system_is_found_as_recorded(tmp_path: Path, listening: list[int]) -> None:
    runtime = recorded(tmp_path, listening, os.getpid())
    assert Runtime.load(tmp_path) == runtime


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_up_refuses_to_start_a_second_system_on_the_data_dir_of_a_running_one(
        tmp_path: Path, listening: list[int], capsys: pytest.CaptureFixture[str]) -> None:
    recorded(tmp_path, listening, os.getpid())
    assert main(["up", "--data-dir", str(tmp_path)]) == 2
    assert f"process {os.getpid()}" in capsys.readouterr().err
    assert (tmp_path / "runtime.json").exists()


def test_a_tool_that_acts_for_a_person_without_a_token_says_how_to_sign_in_and_exits_2(
        tmp_path: Path, listening: list[int], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASETRAIL_TOKEN", raising=False)
    recorded(tmp_path, listening, os.getpid())
    assert main(["screening-template", str(uuid4()), "--data-dir", str(tmp_path)]) == 2
    said = capsys.readouterr().err
    assert "casetrail login" in said and "CASETRAIL_TOKEN" in said and "--token" in said
