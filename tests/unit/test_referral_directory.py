"""The directory of receivers: validated on load, ordered for routing, no secrets in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts.codes import ReceiverType
from services.referral.adapters.directory import load_directory
from services.referral.config import DEFAULT_RECEIVERS
from services.referral.domain.directory import Directory
from services.referral.domain.receivers import DISCLOSURE, GUARDIAN_CONTACT


def directory(text: str, tmp_path: Path) -> Directory:
    path = tmp_path / "receivers.toml"
    path.write_text(text)
    return load_directory(path)


def test_the_shipped_directory_has_two_hospitals_the_centre_and_the_police() -> None:
    shipped = load_directory(DEFAULT_RECEIVERS)
    hospitals = shipped.of_type(ReceiverType.HOSPITAL_GREEN_CHANNEL)
    assert [r.id for r in hospitals] == ["anding-hospital", "huilongguan-hospital"]
    assert shipped.find("district-centre") is not None
    assert shipped.find("district-police") is not None


def test_routing_goes_to_the_next_receiver_of_the_type_not_yet_tried() -> None:
    shipped = load_directory(DEFAULT_RECEIVERS)
    hospital = ReceiverType.HOSPITAL_GREEN_CHANNEL
    assert shipped.next_after(hospital, {"anding-hospital"}).id == "huilongguan-hospital"  # type: ignore[union-attr]
    assert shipped.next_after(hospital, {"anding-hospital", "huilongguan-hospital"}) is None


def test_a_receiver_may_be_told_less_than_its_type_but_never_more(tmp_path: Path) -> None:
    entry = """[[receivers]]
id = "h"
type = "hospital_green_channel"
name = "H"
answer_within_minutes = 0.5
endpoint = "http://127.0.0.1:9/fhir"
may_receive = ["risk_tier", "student_identity"]
"""
    narrowed = directory(entry, tmp_path).receivers[0].receiver()
    assert narrowed.may_receive == ("student_identity", "risk_tier")
    assert narrowed.answer_within_minutes == 0.5
    centre = entry.replace("hospital_green_channel", "district_guidance_centre")
    with pytest.raises(ValidationError, match="may not receive"):
        directory(centre, tmp_path)


def test_a_receiver_without_its_own_list_gets_its_types(tmp_path: Path) -> None:
    police = directory('[[receivers]]\nid = "p"\ntype = "police"\nname = "P"\n'
                       'answer_within_minutes = 30\n', tmp_path).receivers[0].receiver()
    assert list(police.may_receive) == DISCLOSURE[ReceiverType.POLICE]
    assert GUARDIAN_CONTACT in police.may_receive


@pytest.mark.parametrize("text", [
    '[[receivers]]\nid = "a"\ntype = "police"\nname = "P"\nanswer_within_minutes = 30\n' * 2,
    '[[receivers]]\nid = "a b"\ntype = "police"\nname = "P"\nanswer_within_minutes = 30\n',
    '[[receivers]]\nid = "a"\ntype = "ambulance"\nname = "P"\nanswer_within_minutes = 30\n',
    '[[receivers]]\nid = "a"\ntype = "police"\nname = "P"\nanswer_within_minutes = 0\n',
    '[[receivers]]\nid = "a"\ntype = "police"\nname = "P"\nanswer_within_minutes = 5\n'
    'token = "secret"\n',
], ids=["same id twice", "bad id", "unknown type", "no time to answer", "a token in it"])
def test_a_bad_directory_is_refused_on_load(text: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        directory(text, tmp_path)
