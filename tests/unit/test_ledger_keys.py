"""The ledger keys `casetrail up` keeps: one signing key per service, made once, and the
public keys written for auditors, the same each service answers at GET /ledger/key."""

from __future__ import annotations

from pathlib import Path

import pytest

from casetrail.cli.keys import (
    ledger_key_variable,
    machine_secrets,
    write_ledger_keys,
)
from casetrail.ledger.signing import read_ledger_keys, signing_key_from
from casetrail.settings import ServiceSettings
from contracts.envelope import SERVICES


def test_casetrail_up_makes_each_service_its_own_signing_key_once(tmp_path: Path) -> None:
    made = machine_secrets(tmp_path)
    keys = [made[ledger_key_variable(service)] for service in SERVICES]
    assert len(set(keys)) == len(SERVICES)
    assert all(signing_key_from(key) for key in keys)
    assert machine_secrets(tmp_path) == made
    assert (tmp_path / "secrets" / "intake_ledger_signing_key").stat().st_mode & 0o077 == 0


def test_the_auditors_keys_are_the_public_keys_the_services_sign_with(tmp_path: Path) -> None:
    made = machine_secrets(tmp_path)
    written = read_ledger_keys(write_ledger_keys(tmp_path, "school-1", made))
    assert sorted(written) == sorted(SERVICES)
    for service in SERVICES:
        settings = ServiceSettings.model_validate({
            "service": service, "CASETRAIL_SCHOOL_ID": "school-1",
            "ledger_signing_key": made[ledger_key_variable(service)]})
        assert written[service] == settings.ledger_verifier_key()
        assert written[service].startswith(f"casetrail.school-1/{service}+")
    assert not any(secret in (tmp_path / "ledger-keys.txt").read_text()
                   for secret in made.values())


def test_a_signing_key_is_a_32_byte_seed_in_base64() -> None:
    with pytest.raises(ValueError, match="32-byte"):
        signing_key_from("c2hvcnQ=")
