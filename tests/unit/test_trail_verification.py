"""An auditor's check of the trail: the store, the signed checkpoints and the bus agree on a
clean log, and every kind of tampering with any of them is found and the event named."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casetrail.ledger.verification import (
    BusEvent,
    Finding,
    FindingKind,
    PublishedCheckpoint,
    StoredRecord,
    Verdict,
    verify_trail,
)
from trailproof.leaf import Leaf, envelope_digest
from trailproof.merkle import root
from trailproof.note import Checkpoint, sign_checkpoint, verifier_key

CASE = UUID("3f2c7a1e-5b4d-4c6e-9a8b-7d6e5f4a3b2c")
OTHER = UUID("9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b")


def key(seed: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())


def origin(service: str) -> str:
    return f"casetrail.school-1/{service}"


SIGNERS = {service: key(service) for service in ("intake", "assessment")}
KEYS = {service: verifier_key(origin(service), signer.public_key())
        for service, signer in SIGNERS.items()}


def record(service: str, position: int, case: UUID | None, event_type: str, *,
           published: bool = True, content: str = "") -> StoredRecord:
    envelope = json.dumps({"event_id": f"{service}-{position}", "case_id": str(case),
                           "service": service, "type": event_type, "version": 1}).encode()
    stored = hashlib.sha256(f"{service} {position} {event_type} {content}".encode()).hexdigest()
    return StoredRecord(service, position, stored, envelope if published else None, case,
                        event_type, 1)


# Positions have gaps, as rolled back PostgreSQL transactions leave them; intake 2 and
# assessment 3 stay internal; intake 7 is after intake's last checkpoint.
STORE = {
    "intake": [record("intake", 1, CASE, "CaseOpened"),
               record("intake", 2, CASE, "StudentRecorded", published=False),
               record("intake", 3, CASE, "CaseViewed"),
               record("intake", 5, OTHER, "CaseOpened"),
               record("intake", 6, CASE, "CaseEscalated"),
               record("intake", 7, OTHER, "CaseViewed")],
    "assessment": [record("assessment", 1, CASE, "RiskAssessed"),
                   record("assessment", 2, OTHER, "RiskAssessed"),
                   record("assessment", 3, CASE, "NoteSealed", published=False),
                   record("assessment", 4, CASE, "PlanAgreed")],
}
CUTS = {"intake": (3, 5), "assessment": (2, 4)}  # the sizes each checkpoint signs


def leaf(stored: StoredRecord) -> Leaf:
    envelope = None if stored.envelope is None else envelope_digest(stored.envelope)
    return Leaf(stored.service, stored.position, stored.stored, envelope)


def checkpoint(service: str, leaves: list[Leaf], start: int, size: int,
               signer: Ed25519PrivateKey | None = None) -> PublishedCheckpoint:
    signed = Checkpoint(origin(service), size, root([leaf.hash() for leaf in leaves[:size]]))
    return PublishedCheckpoint(service, sign_checkpoint(signed, signer or SIGNERS[service]),
                               start, tuple(leaves[start:size]))


def checkpoints_of(service: str) -> list[PublishedCheckpoint]:
    leaves = [leaf(stored) for stored in STORE[service]]
    cuts = CUTS[service]
    return [checkpoint(service, leaves, start, size)
            for start, size in zip((0, *cuts), cuts, strict=False)]


CHECKPOINTS = [checkpoints_of("intake")[0], checkpoints_of("assessment")[0],
               checkpoints_of("intake")[1], checkpoints_of("assessment")[1]]
def relayed() -> list[BusEvent]:
    """What the relay published, in stream order: the services interleaved."""
    events: list[BusEvent] = []
    for position in range(1, 8):
        for service in ("assessment", "intake"):
            for stored in STORE[service]:
                if stored.position == position and stored.envelope is not None:
                    events.append(BusEvent(service, position, stored.envelope, len(events) + 1))
    return events


BUS = relayed()


@dataclass(frozen=True)
class Trail:
    checkpoints: list[PublishedCheckpoint]
    bus: list[BusEvent]
    store: dict[str, list[StoredRecord]]

    def verdict(self, case_id: UUID | None = None) -> Verdict:
        return verify_trail(keys=KEYS, checkpoints=self.checkpoints, bus=self.bus,
                            store=self.store, case_id=case_id)

    def problems(self, case_id: UUID | None = None) -> list[Finding]:
        return [finding for finding in self.verdict(case_id).findings
                if finding.kind != FindingKind.NOT_YET_CHECKPOINTED]

    def with_store(self, service: str, records: list[StoredRecord]) -> Trail:
        return replace(self, store={**self.store, service: records})

    def with_bus(self, bus: list[BusEvent]) -> Trail:
        return replace(self, bus=bus)


CLEAN = Trail(CHECKPOINTS, BUS, {service: list(records) for service, records in STORE.items()})


def at(records: list[StoredRecord], position: int) -> int:
    return next(i for i, stored in enumerate(records) if stored.position == position)


def message(service: str, position: int) -> int:
    return next(i for i, event in enumerate(BUS)
                if (event.service, event.position) == (service, position))


def test_a_clean_log_verifies_with_only_its_unsigned_tail_noted() -> None:
    verdict = CLEAN.verdict()
    assert verdict.ok()
    assert verdict.findings == (Finding(
        FindingKind.NOT_YET_CHECKPOINTED, "intake", 7, f"CaseViewed v1 of case {OTHER}",
        "not in a checkpoint yet: 1 event after position 6, the last checkpointed"),)
    assert (verdict.events_checked, verdict.checkpoints_checked) == (9, 4)


def test_a_clean_log_verifies_from_checkpoints_and_bus_alone() -> None:
    verdict = verify_trail(keys=KEYS, checkpoints=CHECKPOINTS, bus=BUS)
    assert verdict.ok() and verdict.events_checked == 7


def test_one_altered_byte_of_a_stored_record_is_found_and_named() -> None:
    records = list(STORE["intake"])
    records[at(records, 3)] = record("intake", 3, CASE, "CaseViewed", content="x")
    assert CLEAN.with_store("intake", records).problems() == [Finding(
        FindingKind.ALTERED, "intake", 3, f"CaseViewed v1 of case {CASE}",
        "its stored digest differs from the one committed in leaf 2")]


def test_a_record_that_now_gives_another_envelope_is_found() -> None:
    records = list(STORE["assessment"])
    altered = records[at(records, 4)]
    records[at(records, 4)] = replace(altered, envelope=altered.envelope.replace(b"1", b"2")
                                      if altered.envelope else None)
    [finding] = CLEAN.with_store("assessment", records).problems()
    assert (finding.kind, finding.position) == (FindingKind.ALTERED, 4)
    assert finding.detail.startswith("the envelope it gives now differs")


def test_a_deleted_record_is_found_and_named_from_the_bus() -> None:
    records = [stored for stored in STORE["intake"] if stored.position != 5]
    assert CLEAN.with_store("intake", records).problems() == [Finding(
        FindingKind.DELETED, "intake", 5, f"CaseOpened v1 of case {OTHER}",
        "committed in leaf 3, missing from the store")]


def test_an_internal_record_deleted_is_found_though_the_bus_never_had_it() -> None:
    records = [stored for stored in STORE["assessment"] if stored.position != 3]
    [finding] = CLEAN.with_store("assessment", records).problems()
    assert (finding.kind, finding.position, finding.event) == (FindingKind.DELETED, 3, None)


def test_two_swapped_records_are_found_as_reordered_at_both_positions() -> None:
    records = list(STORE["intake"])
    first, second = at(records, 1), at(records, 3)
    records[first] = replace(STORE["intake"][second], position=1)
    records[second] = replace(STORE["intake"][first], position=3)
    problems = CLEAN.with_store("intake", records).problems()
    assert [(f.kind, f.position, f.detail) for f in problems] == [
        (FindingKind.REORDERED, 1, "holds the record committed at position 3"),
        (FindingKind.REORDERED, 3, "holds the record committed at position 1")]


def test_a_record_moved_to_a_free_position_is_found_as_reordered() -> None:
    records = [replace(stored, position=4) if stored.position == 3 else stored
               for stored in STORE["intake"]]
    assert [(f.kind, f.position, f.detail) for f in CLEAN.with_store("intake", records)
            .problems()] == [(FindingKind.REORDERED, 3,
                              "the record committed here is now at position 4")]


def test_a_record_slipped_in_among_committed_ones_is_found_as_extra() -> None:
    slipped = record("intake", 4, CASE, "CaseClosed")
    records = sorted([*STORE["intake"], slipped], key=lambda stored: stored.position)
    assert CLEAN.with_store("intake", records).problems() == [Finding(
        FindingKind.EXTRA, "intake", 4, f"CaseClosed v1 of case {CASE}",
        "never committed, though position 6 after it is")]


def test_a_checkpoint_signed_by_another_key_is_found_as_forged() -> None:
    leaves = [leaf(stored) for stored in STORE["assessment"]]
    forged = checkpoint("assessment", leaves, 2, 4, key("operator"))
    trail = replace(CLEAN, checkpoints=[*CHECKPOINTS[:3], forged])
    [finding, *others] = trail.problems()
    assert finding == Finding(FindingKind.FORGED_CHECKPOINT, "assessment", 3,
                              f"NoteSealed v1 of case {CASE}",
                              f"checkpoint of {origin('assessment')} is signed by another key "
                              "than the known one")
    assert others == []
    assert trail.verdict().findings[-1].kind == FindingKind.NOT_YET_CHECKPOINTED


def test_a_checkpoint_of_another_log_or_without_a_pinned_key_is_forged() -> None:
    intake = CHECKPOINTS[0]
    stolen = replace(CHECKPOINTS[1], service="intake")
    verdict = verify_trail(keys={"intake": KEYS["intake"]}, bus=[],
                           checkpoints=[intake, stolen, CHECKPOINTS[1]])
    assert [(f.kind, f.service, f.detail) for f in verdict.findings] == [
        (FindingKind.FORGED_CHECKPOINT, "intake",
         f"no signature by a known key (signed as {origin('assessment')})"),
        (FindingKind.FORGED_CHECKPOINT, "assessment", "no key is pinned for assessment")]


def test_a_checkpoint_whose_leaves_do_not_give_its_root_is_broken() -> None:
    second = CHECKPOINTS[2]
    other_leaf = replace(second.leaves[0], stored=hashlib.sha256(b"other").hexdigest())
    broken = replace(second, leaves=(other_leaf, *second.leaves[1:]))
    trail = replace(CLEAN, checkpoints=[*CHECKPOINTS[:2], broken, CHECKPOINTS[3]])
    [finding] = trail.problems()
    assert (finding.kind, finding.service, finding.position) == (
        FindingKind.BROKEN_CHECKPOINT, "intake", 5)
    assert finding.detail == "the leaves carried do not give the root signed at size 5"


def test_a_checkpoint_that_rewrites_the_log_before_it_is_inconsistent() -> None:
    leaves = [leaf(stored) for stored in STORE["intake"]]
    leaves[1] = leaf(record("intake", 2, CASE, "StudentRecorded", published=False,
                            content="rewritten"))
    rewrite = checkpoint("intake", leaves, 0, 5)
    trail = replace(CLEAN, checkpoints=[*CHECKPOINTS[:2], rewrite, CHECKPOINTS[3]])
    problems = trail.problems()
    assert problems[0] == Finding(
        FindingKind.INCONSISTENT_CHECKPOINTS, "intake", 2, f"StudentRecorded v1 of case {CASE}",
        "checkpoint of size 5 does not extend the one of size 3 before it: it rewrites this "
        "leaf")
    # Not taken: intake's log stays at 3 leaves, so 5 and 6 are not committed yet.
    assert problems[1:] == []


def test_a_checkpoint_that_skips_or_shrinks_the_log_is_inconsistent() -> None:
    first, second = checkpoints_of("intake")
    leaves = [leaf(stored) for stored in STORE["intake"]]
    verdict = verify_trail(keys=KEYS, bus=[], checkpoints=[
        second, first, checkpoint("intake", leaves, 1, 5), checkpoint("intake", leaves, 0, 2),
        first])
    assert [(f.kind, f.detail) for f in verdict.findings] == [
        (FindingKind.INCONSISTENT_CHECKPOINTS,
         "checkpoint of size 5 starts at leaf 3, but the checkpoints before it signed 0 leaves"),
        (FindingKind.INCONSISTENT_CHECKPOINTS,
         "checkpoint of size 5 starts at leaf 1, not after the 3 leaves signed before it"),
        (FindingKind.INCONSISTENT_CHECKPOINTS, "checkpoint shrinks the log from 5 to 2")]


def test_the_same_checkpoint_published_twice_is_no_finding() -> None:
    trail = replace(CLEAN, checkpoints=[*CHECKPOINTS, CHECKPOINTS[0], CHECKPOINTS[2]])
    assert trail.problems() == []


def test_an_altered_message_on_the_bus_is_found_and_named() -> None:
    bus = list(BUS)
    altered = bus[message("intake", 3)]
    bus[message("intake", 3)] = replace(altered, body=altered.body.replace(b"CaseViewed",
                                                                           b"CaseViewee"))
    assert CLEAN.with_bus(bus).problems() == [Finding(
        FindingKind.BUS_ALTERED, "intake", 3, f"CaseViewed v1 of case {CASE}",
        f"at stream sequence {altered.seq}: its sha256 differs from the envelope committed "
        "in leaf 2")]


@pytest.mark.parametrize(("service", "position"), [("intake", 4), ("assessment", 3)])
def test_a_message_that_no_leaf_published_is_found_as_extra(service: str,
                                                            position: int) -> None:
    fake = BusEvent(service, position, record(service, position, CASE, "CaseClosed").envelope
                    or b"", 99)
    after = message(service, position - 1) + 1
    [finding] = CLEAN.with_bus([*BUS[:after], fake, *BUS[after:]]).problems()
    assert (finding.kind, finding.service, finding.position) == (
        FindingKind.BUS_EXTRA, service, position)


def test_a_message_missing_from_the_bus_is_found_once_a_later_one_is_there() -> None:
    bus = [event for event in BUS if (event.service, event.position) != ("intake", 3)]
    assert CLEAN.with_bus(bus).problems() == [Finding(
        FindingKind.BUS_MISSING, "intake", 3, f"CaseViewed v1 of case {CASE}",
        "committed in leaf 2 as published, not on CASES though position 7 is")]


def test_the_last_messages_not_yet_relayed_are_no_finding() -> None:
    bus = [event for event in BUS if event.service != "assessment" or event.position < 4]
    assert CLEAN.with_bus(bus).problems() == []


def test_messages_of_a_service_out_of_order_are_found_as_reordered() -> None:
    bus = list(BUS)
    first, second = message("intake", 3), message("intake", 5)
    bus[first], bus[second] = bus[second], bus[first]
    assert [(f.kind, f.position, f.event) for f in CLEAN.with_bus(bus).problems()] == [
        (FindingKind.BUS_REORDERED, 3, f"CaseViewed v1 of case {CASE}")]


def test_a_message_redelivered_is_no_finding() -> None:
    assert CLEAN.with_bus([*BUS, replace(BUS[0], seq=99), *BUS[1:3]]).problems() == []


def test_a_case_is_checked_alone_but_every_checkpoint_always() -> None:
    records = list(STORE["intake"])
    records[at(records, 5)] = record("intake", 5, OTHER, "CaseOpened", content="x")
    trail = CLEAN.with_store("intake", records)
    assert [f.kind for f in trail.problems()] == [FindingKind.ALTERED]
    assert trail.problems(case_id=CASE) == []
    assert trail.problems(case_id=OTHER)[0].position == 5
    forged = replace(trail, checkpoints=[*CHECKPOINTS[:3],
                                         checkpoint("assessment", [leaf(stored) for stored in
                                                                   STORE["assessment"]], 2, 4,
                                                    key("operator"))])
    assert [f.kind for f in forged.problems(case_id=CASE)] == [FindingKind.FORGED_CHECKPOINT]


def test_a_case_checked_alone_counts_only_its_own_events() -> None:
    assert CLEAN.verdict(case_id=CASE).events_checked == 7


def test_a_checkpoint_carrying_too_few_misplaced_or_foreign_leaves_is_broken() -> None:
    first = CHECKPOINTS[0]
    assessment = CHECKPOINTS[1].leaves[0]
    carried = [first.leaves[:2], (first.leaves[1], first.leaves[0], first.leaves[2]),
               (*first.leaves[:2], replace(first.leaves[2], service="assessment")),
               (assessment, *first.leaves[1:])]
    verdict = verify_trail(keys=KEYS, bus=[], checkpoints=[replace(first, leaves=tuple(leaves))
                                                           for leaves in carried])
    assert [(f.kind, f.detail) for f in verdict.findings] == [
        (FindingKind.BROKEN_CHECKPOINT, "checkpoint of size 3 carries leaves up to 2"),
        (FindingKind.BROKEN_CHECKPOINT, "checkpoint of size 3 carries positions out of order"),
        (FindingKind.BROKEN_CHECKPOINT, "checkpoint of size 3 carries leaves of another service"),
        (FindingKind.BROKEN_CHECKPOINT, "checkpoint of size 3 carries leaves of another service"),
    ]
