"""A case's proof bundle convinces an auditor offline that each envelope is the one its
service's signed log committed to, and only when the services' keys are pinned."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trailproof.__main__ import main
from trailproof.bundle import BundleEvent, build_bundle, verify_bundle
from trailproof.leaf import Leaf, envelope_digest
from trailproof.merkle import inclusion_proof, root
from trailproof.note import Checkpoint, sign_checkpoint, verifier_key

CASE = "3f2c7a1e-5b4d-4c6e-9a8b-7d6e5f4a3b2c"
OTHER_CASE = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
SERVICES = ("intake", "assessment")


def key(seed: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())


def origin(service: str) -> str:
    return f"casetrail.school-1/{service}"


KEYS = {service: key(service) for service in SERVICES}
VKEYS = {service: verifier_key(origin(service), KEYS[service].public_key())
         for service in SERVICES}
PINNED = list(VKEYS.values())


def envelope(service: str, case: str, event_type: str, number: int) -> bytes:
    return json.dumps({"event_id": f"{service}-{number}", "case_id": case, "service": service,
                       "type": event_type, "version": 1, "data": {}}).encode()


def stored(service: str, position: int) -> str:
    return hashlib.sha256(f"{service} record {position}".encode()).hexdigest()


# Each service's log: (position, envelope or None when the event stays internal).
LOGS: dict[str, list[tuple[int, bytes | None]]] = {
    "intake": [(1, envelope("intake", CASE, "CaseOpened", 1)), (2, None),
               (3, envelope("intake", OTHER_CASE, "CaseOpened", 3)),
               (4, envelope("intake", CASE, "CaseViewed", 4)), (5, None)],
    "assessment": [(1, envelope("assessment", OTHER_CASE, "RiskAssessed", 1)),
                   (2, envelope("assessment", CASE, "RiskAssessed", 2)),
                   (3, envelope("assessment", CASE, "PlanAgreed", 3))],
}


def make_bundle(case: str = CASE, *, signers: dict[str, Ed25519PrivateKey] | None = None,
                logs: dict[str, list[tuple[int, bytes | None]]] | None = None,
                ) -> dict[str, Any]:
    signers, logs = signers or KEYS, logs or LOGS
    notes, events = {}, []
    for service, log in logs.items():
        leaves = [Leaf(service, position, stored(service, position),
                       None if body is None else envelope_digest(body)) for position, body in log]
        hashes = [leaf.hash() for leaf in leaves]
        notes[origin(service)] = sign_checkpoint(
            Checkpoint(origin(service), len(hashes), root(hashes)), signers[service])
        events += [BundleEvent(service, origin(service), body, position,
                               stored(service, position), index, len(hashes),
                               inclusion_proof(index, hashes))
                   for index, (position, body) in enumerate(log)
                   if body is not None and json.loads(body)["case_id"] == case]
    keys = {origin(service): verifier_key(origin(service), signers[service].public_key())
            for service in logs}
    bundle: dict[str, Any] = json.loads(json.dumps(build_bundle(case, keys, notes, events)))
    return bundle


def test_a_sound_bundle_verifies_against_the_pinned_keys() -> None:
    verdict = verify_bundle(make_bundle(), PINNED)
    assert verdict.problems == ()
    assert verdict.ok() and verdict.unpinned == ()
    assert (verdict.case_id, verdict.events_checked, verdict.checkpoints_checked) == (CASE, 4, 2)


def test_a_bundle_checked_with_its_own_keys_says_they_are_not_pinned() -> None:
    verdict = verify_bundle(make_bundle(), None)
    assert verdict.ok()
    assert verdict.unpinned == (origin("assessment"), origin("intake"))


def test_pinning_one_service_refuses_the_log_its_key_does_not_pin() -> None:
    verdict = verify_bundle(make_bundle(), [VKEYS["intake"]])
    assert not verdict.ok() and verdict.unpinned == (origin("assessment"),)
    assert f"checkpoint of {origin('assessment')}: no pinned key for it" in verdict.problems


def test_one_altered_byte_of_an_envelope_is_found_and_the_event_named() -> None:
    bundle = make_bundle()
    bundle["events"][1]["envelope"] = bundle["events"][1]["envelope"].replace('"version": 1',
                                                                              '"version": 2')
    verdict = verify_bundle(bundle, PINNED)
    assert verdict.problems == (
        "event #2 (intake position 4, CaseViewed v2, event intake-4): not what the checkpoint "
        "of casetrail.school-1/intake at size 5 commits to (the envelope, stored digest, "
        "position or proof differ)",)


@pytest.mark.parametrize(("field", "value"), [
    ("proof", lambda proof: [proof[0][:-1] + ("0" if proof[0][-1] != "0" else "1"), *proof[1:]]),
    ("index", lambda index: index + 1),
    ("position", lambda position: position + 1),
    ("stored", lambda digest: hashlib.sha256(digest.encode()).hexdigest()),
])
def test_a_wrong_proof_index_position_or_stored_digest_fails(field: str, value: Any) -> None:
    bundle = make_bundle()
    bundle["events"][2][field] = value(bundle["events"][2][field])
    verdict = verify_bundle(bundle, PINNED)
    assert len(verdict.problems) == 1
    assert verdict.problems[0].startswith("event #3 (assessment position ")
    assert "not what the checkpoint of casetrail.school-1/assessment" in verdict.problems[0]


def rewritten_log() -> dict[str, list[tuple[int, bytes | None]]]:
    """The intake log as an operator would rewrite it: the case opened as another type."""
    return {**LOGS, "intake": [(1, envelope("intake", CASE, "CaseClosed", 1)),
                               *LOGS["intake"][1:]]}


def test_a_forged_checkpoint_passes_only_on_its_own_key_and_fails_on_the_pinned_one() -> None:
    forger = {**KEYS, "intake": key("operator")}
    forged = make_bundle(signers=forger, logs=rewritten_log())
    assert verify_bundle(forged, None).ok()  # consistent with itself: why keys are pinned
    verdict = verify_bundle(forged, PINNED)
    assert not verdict.ok()
    assert verdict.problems[0] == ("checkpoint of casetrail.school-1/intake: checkpoint of "
                                   "casetrail.school-1/intake is signed by another key than "
                                   "the known one")
    assert verdict.problems[1].startswith("event #1 (intake position 1, CaseClosed v1, "
                                          "event intake-1): no verified checkpoint")


def test_a_checkpoint_of_another_log_than_it_is_filed_under_fails() -> None:
    bundle = make_bundle()
    notes = bundle["checkpoints"]
    notes[origin("intake")], notes[origin("assessment")] = (notes[origin("assessment")],
                                                            notes[origin("intake")])
    verdict = verify_bundle(bundle, PINNED)
    assert "checkpoint filed under casetrail.school-1/intake is of " \
           "casetrail.school-1/assessment" in verdict.problems


def test_an_event_of_another_case_fails_though_its_proof_holds() -> None:
    bundle = make_bundle()
    bundle["events"].append(make_bundle(OTHER_CASE)["events"][0])
    verdict = verify_bundle(bundle, PINNED)
    assert verdict.problems == (
        f"event #5 (intake position 3, CaseOpened v1, event intake-3): belongs to case "
        f"{OTHER_CASE}, not to case {CASE}",)


def test_a_proof_against_another_size_than_the_checkpoint_fails() -> None:
    bundle = make_bundle()
    bundle["events"][0]["tree_size"] = 4
    verdict = verify_bundle(bundle, PINNED)
    assert verdict.problems[0].endswith("its proof is for a tree of 4, the checkpoint of "
                                        "casetrail.school-1/intake is of 5")


def test_an_event_filed_under_another_services_log_fails() -> None:
    bundle = make_bundle()
    bundle["events"][0]["origin"] = origin("assessment")
    verdict = verify_bundle(bundle, PINNED)
    assert verdict.problems[0].endswith("casetrail.school-1/assessment is not the log of intake")


@pytest.mark.parametrize(("change", "problem"), [
    (lambda event: event.pop("stored"), "malformed: stored is not a str"),
    (lambda event: event.update(envelope="{"), "malformed: the envelope is not JSON"),
    (lambda event: event.update(proof=["zz"]), "malformed: non-hexadecimal"),
])
def test_a_malformed_event_is_a_problem_not_a_crash(change: Any, problem: str) -> None:
    bundle = make_bundle()
    change(bundle["events"][0])
    verdict = verify_bundle(bundle, PINNED)
    assert len(verdict.problems) == 1 and problem in verdict.problems[0]
    assert verdict.problems[0].startswith("event #1 (intake position 1")


def test_something_that_is_not_a_bundle_is_refused() -> None:
    assert verify_bundle({"format": "other"}, PINNED).problems == (
        "not a casetrail-proof-bundle/1 bundle",)


def written(tmp_path: Path, bundle: dict[str, Any]) -> str:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    return str(path)


def test_the_verifier_exits_0_on_a_sound_bundle(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    args = [written(tmp_path, make_bundle())]
    assert main([*args, "--key", VKEYS["intake"], "--key", VKEYS["assessment"]]) == 0
    out = capsys.readouterr().out
    assert "4 events checked against 2 signed checkpoints" in out and "OK" in out
    assert "WARNING" not in out


def test_the_verifier_warns_when_no_key_is_pinned(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main([written(tmp_path, make_bundle())]) == 0
    assert "proves nothing by itself" in capsys.readouterr().out


def test_the_verifier_exits_1_naming_each_problem(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    forged = make_bundle(signers={**KEYS, "intake": key("operator")}, logs=rewritten_log())
    assert main([written(tmp_path, forged), "--key", VKEYS["intake"]]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM event #1 (intake position 1, CaseClosed v1" in out
    assert "FAILED: 4 problems" in out


@pytest.mark.parametrize("content", [None, "{not json", "[]"])
def test_the_verifier_exits_2_on_an_unreadable_file(tmp_path: Path, content: str | None,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bundle.json"
    if content is not None:
        path.write_text(content)
    assert main([str(path)]) == 2
    assert f"cannot read {path}" in capsys.readouterr().err


# A fresh interpreter in which casetrail, services and contracts cannot be imported.
WITHOUT_CASETRAIL = """
import sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"casetrail", "services", "contracts"}:
            raise ImportError(name)
sys.meta_path.insert(0, Refuse())
"""


def test_trailproof_imports_nothing_of_casetrail() -> None:
    script = WITHOUT_CASETRAIL + """
import trailproof.__main__, trailproof.bundle, trailproof.leaf, trailproof.merkle, trailproof.note
print(sorted(m for m in sys.modules if m.split(".")[0] in {"casetrail", "services", "contracts"}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "[]\n"


def test_python_m_trailproof_verifies_a_bundle_without_casetrail(tmp_path: Path) -> None:
    script = WITHOUT_CASETRAIL + f"""
import runpy
sys.argv = ["trailproof", {written(tmp_path, make_bundle())!r}, "--key", {PINNED[0]!r},
            "--key", {PINNED[1]!r}]
runpy.run_module("trailproof", run_name="__main__")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.endswith("OK: every event is in its service's signed log\n")
