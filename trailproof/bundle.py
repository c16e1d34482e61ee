"""The proof bundle of a case: its envelopes as published, each with the inclusion proof
against a signed checkpoint of its service's log, so that anyone holding the services' keys
can check offline that the record was not changed afterwards."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trailproof.leaf import Leaf, envelope_digest
from trailproof.merkle import verify_inclusion
from trailproof.note import Checkpoint, NoteRejected, open_checkpoint

FORMAT = "casetrail-proof-bundle/1"


@dataclass(frozen=True)
class BundleEvent:
    """One published event of the case and where its service's log commits to it."""

    service: str
    origin: str  # the log whose checkpoint the proof is against
    envelope: bytes  # exactly as published on the bus
    position: int
    stored: str  # sha256 hex of the stored record
    index: int  # of its leaf in the log
    tree_size: int  # of the checkpoint the proof is against
    proof: Sequence[bytes]


def build_bundle(case_id: str, keys: Mapping[str, str], checkpoints: Mapping[str, str],
                 events: Sequence[BundleEvent]) -> dict[str, Any]:
    """The bundle as JSON-ready data: keys and checkpoints by origin, events in order."""
    return {
        "format": FORMAT,
        "case_id": case_id,
        "keys": dict(keys),
        "checkpoints": dict(checkpoints),
        "events": [{"service": event.service, "origin": event.origin,
                    "envelope": event.envelope.decode("utf-8"), "position": event.position,
                    "stored": event.stored, "index": event.index,
                    "tree_size": event.tree_size, "proof": [p.hex() for p in event.proof]}
                   for event in events],
    }


@dataclass(frozen=True)
class BundleVerdict:
    case_id: str | None
    events_checked: int
    checkpoints_checked: int
    problems: tuple[str, ...]  # each names the event or checkpoint it is about
    unpinned: tuple[str, ...]  # origins whose key only the bundle itself vouches for

    def ok(self) -> bool:
        return not self.problems


class _Malformed(Exception):
    pass


def _get(data: Mapping[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Malformed(f"{name} is not {'a number' if kind is int else 'a ' + kind.__name__}")
    return value


def _key_name(vkey: str) -> str:
    return vkey.split("+", 1)[0]


def verify_bundle(bundle: Mapping[str, Any], trusted_keys: Sequence[str] | None) -> BundleVerdict:
    """Check every checkpoint's signature and every event's proof of inclusion.

    trusted_keys pin the keys of their names; any other origin is checked with the bundle's
    own key, which proves only that the bundle is consistent with itself."""
    if bundle.get("format") != FORMAT:
        return BundleVerdict(None, 0, 0, (f"not a {FORMAT} bundle",), ())
    try:
        case_id = _get(bundle, "case_id", str)
        own_keys = _get(bundle, "keys", dict)
        notes = _get(bundle, "checkpoints", dict)
        events = _get(bundle, "events", list)
    except _Malformed as error:
        return BundleVerdict(None, 0, 0, (f"malformed bundle: {error}",), ())
    pinned = list(trusted_keys or ())
    pinned_names = {_key_name(vkey) for vkey in pinned}
    keys = pinned + [vkey for vkey in own_keys.values()
                     if isinstance(vkey, str) and _key_name(vkey) not in pinned_names]
    problems: list[str] = []
    checkpoints: dict[str, Checkpoint] = {}
    for origin, note in notes.items():
        try:
            checkpoint = open_checkpoint(note if isinstance(note, str) else "", keys)
        except NoteRejected as rejected:
            problems.append(f"checkpoint of {origin}: {rejected.reason}")
            continue
        if checkpoint.origin != origin:
            problems.append(f"checkpoint filed under {origin} is of {checkpoint.origin}")
            continue
        checkpoints[origin] = checkpoint
    if pinned:
        # Once the auditor pins keys, a log signed only by the bundle's own key proves nothing.
        problems += [f"checkpoint of {origin}: no pinned key for it"
                     for origin in sorted(set(notes) - pinned_names)]
    for number, event in enumerate(events, start=1):
        problem = _event_problem(case_id, event, checkpoints)
        if problem is not None:
            problems.append(f"event #{number}{problem}")
    return BundleVerdict(case_id, len(events), len(checkpoints), tuple(problems),
                         tuple(sorted(set(notes) - pinned_names)))


def _event_problem(case_id: str, event: Any, checkpoints: Mapping[str, Checkpoint]) -> str | None:
    """What is wrong with one event, after the words naming it; None if its proof holds."""
    if not isinstance(event, dict):
        return ": malformed: not an object"
    label: list[str] = []
    try:
        service = _get(event, "service", str)
        position = _get(event, "position", int)
        label.append(f"{service} position {position}")
        body = _get(event, "envelope", str).encode("utf-8")
        envelope = _parse_envelope(body)
        label += [f"{envelope.get('type')} v{envelope.get('version')}",
                  f"event {envelope.get('event_id')}"]
        origin = _get(event, "origin", str)
        index = _get(event, "index", int)
        tree_size = _get(event, "tree_size", int)
        proof = [bytes.fromhex(p) for p in _get(event, "proof", list)]
        leaf = Leaf(service, position, _get(event, "stored", str), envelope_digest(body))
    except (_Malformed, ValueError, TypeError) as error:
        return f"{_named(label)}: malformed: {error}"
    name = _named(label)
    if envelope.get("case_id") != case_id:
        return f"{name}: belongs to case {envelope.get('case_id')}, not to case {case_id}"
    if envelope.get("service") != service:
        return f"{name}: its envelope is of service {envelope.get('service')}"
    if origin.rsplit("/", 1)[-1] != service:
        return f"{name}: {origin} is not the log of {service}"
    checkpoint = checkpoints.get(origin)
    if checkpoint is None:
        return f"{name}: no verified checkpoint of {origin}"
    if tree_size != checkpoint.size:
        return (f"{name}: its proof is for a tree of {tree_size}, the checkpoint of {origin} "
                f"is of {checkpoint.size}")
    if not verify_inclusion(index, tree_size, leaf.hash(), proof, checkpoint.root):
        return (f"{name}: not what the checkpoint of {origin} at size {tree_size} commits to "
                "(the envelope, stored digest, position or proof differ)")
    return None


def _named(label: list[str]) -> str:
    return f" ({', '.join(label)})" if label else ""


def _parse_envelope(body: bytes) -> dict[str, Any]:
    try:
        envelope = json.loads(body)
    except ValueError:
        raise _Malformed("the envelope is not JSON") from None
    if not isinstance(envelope, dict):
        raise _Malformed("the envelope is not a JSON object")
    return envelope
