"""`casetrail verify`, `casetrail audit export` and `python -m trailproof` on the system
`casetrail up` runs: its keepers sign checkpoints on the secured bus, the trail verifies
clean, and a case's bundle verifies offline with the keys `up` wrote for auditors."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from casetrail.cli.keys import LEDGER_KEYS_FILE
from casetrail.cli.runtime import Runtime
from casetrail.ledger.signing import read_ledger_keys
from contracts.envelope import SERVICES
from tests.e2e.running_up import running_up
from tests.identity import bearer, token

pytestmark = pytest.mark.e2e


def casetrail(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "casetrail.cli.main", *args,
                           "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=120)


def test_the_running_system_verifies_clean_and_a_case_s_bundle_verifies_offline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASETRAIL_CHECKPOINT_SECONDS", "0.5")
    with running_up(tmp_path):
        keys = read_ledger_keys(tmp_path / LEDGER_KEYS_FILE)
        assert sorted(keys) == sorted(SERVICES)
        intake = Runtime.load(tmp_path).services["intake"]
        assert httpx.get(f"{intake}/ledger/key", headers=bearer("auditor"),
                         timeout=30).json()["key"] == keys["intake"]
        made = httpx.post(f"{intake}/reports", headers=bearer("class_teacher"), timeout=30,
                          json={"student": {"school_student_id": "S-VERIFY", "name": "李雷"},
                                "channel": "staff_observation", "signs": ["self_harm"]})
        assert made.status_code == 201, made.text
        case_id = made.json()["case_id"]
        bundle = tmp_path / "case.proof.json"
        deadline = time.monotonic() + 90
        # Exported once every event of the case is in a signed checkpoint.
        while (exported := casetrail(tmp_path, "audit", "export", case_id,
                                     "--output", str(bundle))).returncode != 0:
            assert time.monotonic() < deadline, exported.stderr
            time.sleep(0.5)

        verified = casetrail(tmp_path, "verify", "--token", token("auditor"))
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "clean" in verified.stdout.splitlines()[-1]

        offline = subprocess.run([sys.executable, "-m", "trailproof", str(bundle),
                                  *(arg for key in keys.values() for arg in ("--key", key))],
                                 capture_output=True, text=True, timeout=60)
        assert offline.returncode == 0, offline.stdout + offline.stderr
        assert "李雷" not in bundle.read_text()
