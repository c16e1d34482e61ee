"""A checkpoint is a C2SP signed note: it opens only when the log it names signed it."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from trailproof.note import (
    Checkpoint,
    NoteRejected,
    open_checkpoint,
    sign_checkpoint,
    verifier_key,
)

ORIGIN = "casetrail.school-1/intake"
OTHER = "casetrail.school-1/referral"


def key(seed: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())


KEY = key("intake")
OTHER_KEY = key("referral")
VKEY = verifier_key(ORIGIN, KEY.public_key())
OTHER_VKEY = verifier_key(OTHER, OTHER_KEY.public_key())
CHECKPOINT = Checkpoint(ORIGIN, 12, hashlib.sha256(b"root").digest())


def test_a_signed_checkpoint_opens_to_itself() -> None:
    note = sign_checkpoint(CHECKPOINT, KEY)
    assert open_checkpoint(note, [OTHER_VKEY, VKEY]) == CHECKPOINT


def test_the_note_is_the_checkpoint_body_a_blank_line_and_a_signature_line() -> None:
    note = sign_checkpoint(CHECKPOINT, KEY)
    root = base64.b64encode(CHECKPOINT.root).decode()
    body, signature = note.split("\n\n")
    assert body + "\n" == CHECKPOINT.body() == f"{ORIGIN}\n12\n{root}\n"
    assert signature.startswith(f"\u2014 {ORIGIN} ") and signature.endswith("\n")
    signed = base64.b64decode(signature.split(" ")[2])
    public = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    assert signed[:4] == key_id and len(signed) == 4 + 64
    encoded = base64.b64encode(b"\x01" + public).decode()
    assert verifier_key(ORIGIN, KEY.public_key()) == f"{ORIGIN}+{key_id.hex()}+{encoded}"


def test_every_key_opens_what_it_signed_whatever_its_verifier_key_spells() -> None:
    keys = [key(f"key {i}") for i in range(40)]
    vkeys = [verifier_key(ORIGIN, k.public_key()) for k in keys]
    assert any("+" in vkey.split("+", 2)[2] for vkey in vkeys)
    for signer, vkey in zip(keys, vkeys, strict=True):
        assert open_checkpoint(sign_checkpoint(CHECKPOINT, signer), [vkey]) == CHECKPOINT


def test_a_note_with_signatures_of_unknown_keys_beside_a_known_one_opens() -> None:
    note = sign_checkpoint(CHECKPOINT, KEY)
    stranger = sign_checkpoint(Checkpoint("witness.example", 12, CHECKPOINT.root),
                               OTHER_KEY).split("\n\n")[1]
    assert open_checkpoint(note + stranger, [VKEY]) == CHECKPOINT


def tampered(note: str, old: str, new: str) -> str:
    assert old in note
    return note.replace(old, new, 1)


@pytest.mark.parametrize(("change", "reason"), [
    (lambda note: tampered(note, "\n12\n", "\n13\n"), "signature of .* does not verify"),
    (lambda note: tampered(note, base64.b64encode(CHECKPOINT.root).decode(),
                           base64.b64encode(bytes(32)).decode()),
     "signature of .* does not verify"),
    (lambda note: tampered(note, f"{ORIGIN}\n", f"{OTHER}\n"),
     "signature of .* does not verify"),
])
def test_a_tampered_checkpoint_is_rejected_saying_why(change: Callable[[str], str],
                                                      reason: str) -> None:
    with pytest.raises(NoteRejected, match=reason):
        open_checkpoint(change(sign_checkpoint(CHECKPOINT, KEY)), [VKEY, OTHER_VKEY])


def test_a_checkpoint_signed_by_another_key_of_the_same_name_is_rejected() -> None:
    forged = sign_checkpoint(CHECKPOINT, Ed25519PrivateKey.generate())
    with pytest.raises(NoteRejected, match="signed by another key than the known one"):
        open_checkpoint(forged, [VKEY])


def test_a_checkpoint_signed_by_another_log_is_rejected() -> None:
    key_id = bytes.fromhex(OTHER_VKEY.split("+")[1])
    signature = base64.b64encode(key_id + OTHER_KEY.sign(CHECKPOINT.body().encode())).decode()
    forged = f"{CHECKPOINT.body()}\n\u2014 {OTHER} {signature}\n"
    with pytest.raises(NoteRejected, match=f"checkpoint of {ORIGIN} is signed by {OTHER}, "
                                           "not by its own log"):
        open_checkpoint(forged, [VKEY, OTHER_VKEY])


def test_a_checkpoint_signed_under_an_unknown_key_name_is_rejected() -> None:
    with pytest.raises(NoteRejected, match=f"no signature by a known key .signed as {ORIGIN}"):
        open_checkpoint(sign_checkpoint(CHECKPOINT, KEY), [OTHER_VKEY])


@pytest.mark.parametrize(("note", "reason"), [
    ("casetrail.school-1/intake\n12\n", "no blank line"),
    (f"{ORIGIN}\n12\n\n\u2014 {ORIGIN} AAAAAAA=\n", "want origin, size and root"),
    (f"{ORIGIN}\n012\n{base64.b64encode(bytes(32)).decode()}\n\n\u2014 {ORIGIN} AAAA\n",
     "size is not a decimal"),
    (f"{ORIGIN}\n12\nnot-base64\n\n\u2014 {ORIGIN} AAAA\n", "root is not base64"),
    (f"{ORIGIN}\n12\n{base64.b64encode(bytes(31)).decode()}\n\n\u2014 {ORIGIN} AAAA\n",
     "root is not a SHA-256"),
    (CHECKPOINT.body() + f"\n-- {ORIGIN} AAAAAAA=\n", "signature line is not"),
    (CHECKPOINT.body() + f"\n\u2014 {ORIGIN} AAAAAAA=", "must end with a newline"),
    (CHECKPOINT.body() + f"\n\u2014 {ORIGIN} AAAA\n", "too short"),
    (CHECKPOINT.body() + f"\n\u2014 {ORIGIN} @@@@\n", "not base64"),
])
def test_a_malformed_note_is_rejected_saying_what_is_wrong(note: str, reason: str) -> None:
    with pytest.raises(NoteRejected, match=reason):
        open_checkpoint(note, [VKEY])


@pytest.mark.parametrize("vkey", [
    "casetrail.school-1/intake", f"{VKEY}x", VKEY.replace("+", "+0", 1),
    VKEY.split("+", 2)[0] + "+00000000+" + VKEY.split("+", 2)[2],
])
def test_a_malformed_verifier_key_is_rejected(vkey: str) -> None:
    with pytest.raises(NoteRejected, match="verifier key"):
        open_checkpoint(sign_checkpoint(CHECKPOINT, KEY), [vkey])
