"""`python -m services.<name> check`, which `casetrail up` runs for each service before it
starts them, prints what the settings leave out."""

from __future__ import annotations

import os
import subprocess
import sys

from casetrail.ledger.signing import new_signing_key


def test_the_service_prints_its_warnings_when_checked_as_casetrail_up_does() -> None:
    env = {**os.environ, "CASETRAIL_PSEUDONYM_KEY": "k", "NOTIFICATION_POLICE_CONTACT": "+86 110"}
    env.pop("NOTIFICATION_CRISIS_TEAM_HEAD_CONTACT", None)
    checked = subprocess.run([sys.executable, "-m", "services.notification", "check"],
                             env=env, capture_output=True, text=True, check=True)
    assert checked.stdout.splitlines()[0].startswith("NOTIFICATION_CRISIS_TEAM_HEAD_CONTACT")
    assert "NOTIFICATION_POLICE_CONTACT" not in checked.stdout


def test_a_service_without_a_ledger_signing_key_says_its_log_is_not_signed() -> None:
    env = {**os.environ, "CASETRAIL_PSEUDONYM_KEY": "k", "CASETRAIL_SCHOOL_ID": "school-1"}
    env.pop("ASSESSMENT_LEDGER_SIGNING_KEY", None)
    checked = subprocess.run([sys.executable, "-m", "services.assessment", "check"],
                             env=env, capture_output=True, text=True, check=True)
    assert "ASSESSMENT_LEDGER_SIGNING_KEY is not set" in checked.stdout
    signed = subprocess.run([sys.executable, "-m", "services.assessment", "check"],
                            env={**env, "ASSESSMENT_LEDGER_SIGNING_KEY": new_signing_key()},
                            capture_output=True, text=True, check=True)
    assert "LEDGER" not in signed.stdout
