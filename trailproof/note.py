"""C2SP signed notes (c2sp.org/signed-note) carrying tlog checkpoints
(c2sp.org/tlog-checkpoint), signed with Ed25519."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"  # the signature type byte of Ed25519 keys
SIGNATURE_PREFIX = "— "  # U+2014 EM DASH, then a space
_NAME = re.compile(r"[^\s+]+")
_SIZE = re.compile(r"0|[1-9][0-9]*")
_KEY_ID = re.compile(r"[0-9a-f]{8}")


class NoteRejected(Exception):
    """The note is not a checkpoint signed by a trusted key; reason says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


@dataclass(frozen=True)
class _VerifierKey:
    name: str
    key_id: bytes
    public: Ed25519PublicKey


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _key_id(name: str, public: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + _raw(public)).digest()[:4]


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ValueError("a key name is non-empty, without spaces or '+'")


def verifier_key(name: str, public: Ed25519PublicKey) -> str:
    """The C2SP verifier key text: name+hex(key id)+base64(0x01 || public key)."""
    _check_name(name)
    encoded = base64.b64encode(ED25519 + _raw(public)).decode()
    return f"{name}+{_key_id(name, public).hex()}+{encoded}"


def sign_checkpoint(cp: Checkpoint, key: Ed25519PrivateKey) -> str:
    """The checkpoint as a signed note, signed under its origin as key name."""
    _check_name(cp.origin)
    text = cp.body()
    signature = _key_id(cp.origin, key.public_key()) + key.sign(text.encode())
    return f"{text}\n{SIGNATURE_PREFIX}{cp.origin} {base64.b64encode(signature).decode()}\n"


def _b64(text: str) -> bytes:
    """Strict standard base64: the only spelling is the canonical one."""
    try:
        decoded = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise NoteRejected("malformed base64") from None
    if base64.b64encode(decoded).decode() != text:
        raise NoteRejected("malformed base64")
    return decoded


def _parse_verifier_key(vkey: str) -> _VerifierKey:
    parts = vkey.split("+", 2)  # the base64 key may itself hold a "+"
    if len(parts) != 3 or not _NAME.fullmatch(parts[0]) or not _KEY_ID.fullmatch(parts[1]):
        raise NoteRejected("malformed verifier key (want name+keyid+key)")
    name, key_id, encoded = parts
    try:
        key = _b64(encoded)
    except NoteRejected:
        raise NoteRejected(f"malformed verifier key of {name}") from None
    if len(key) != 33 or key[:1] != ED25519:
        raise NoteRejected(f"verifier key of {name} is not an Ed25519 key")
    public = Ed25519PublicKey.from_public_bytes(key[1:])
    if _key_id(name, public) != bytes.fromhex(key_id):
        raise NoteRejected(f"verifier key of {name} has a key id that is not its own")
    return _VerifierKey(name, bytes.fromhex(key_id), public)


def _parse_body(text: str) -> Checkpoint:
    lines = text.split("\n")[:-1]
    if len(lines) < 3 or any(not line for line in lines):
        raise NoteRejected("malformed checkpoint: want origin, size and root lines")
    origin, size, encoded_root = lines[:3]  # further lines are extensions, signed but unused
    if not _SIZE.fullmatch(size):
        raise NoteRejected("malformed checkpoint: size is not a decimal number")
    try:
        root = _b64(encoded_root)
    except NoteRejected:
        raise NoteRejected("malformed checkpoint: root is not base64") from None
    if len(root) != 32:
        raise NoteRejected("malformed checkpoint: root is not a SHA-256 hash")
    return Checkpoint(origin, int(size), root)


def _parse_signatures(block: str) -> list[tuple[str, bytes, bytes]]:
    if not block.endswith("\n"):
        raise NoteRejected("malformed note: signature lines must end with a newline")
    signatures = []
    for line in block[:-1].split("\n"):
        parts = line.removeprefix(SIGNATURE_PREFIX).split(" ")
        if not line.startswith(SIGNATURE_PREFIX) or len(parts) != 2 \
                or not _NAME.fullmatch(parts[0]):
            raise NoteRejected("malformed note: a signature line is not '— name signature'")
        try:
            signature = _b64(parts[1])
        except NoteRejected:
            raise NoteRejected(f"malformed note: signature of {parts[0]} is not base64") from None
        if len(signature) < 5:
            raise NoteRejected(f"malformed note: signature of {parts[0]} is too short")
        signatures.append((parts[0], signature[:4], signature[4:]))
    return signatures


def open_checkpoint(note: str, verifier_keys: Sequence[str]) -> Checkpoint:
    """The checkpoint of a note that one of verifier_keys signed under the note's origin.

    Raises NoteRejected when the note is malformed, carries no valid signature by a known key,
    or is signed by a known key of another name than its origin."""
    keys = [_parse_verifier_key(vkey) for vkey in verifier_keys]
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteRejected("malformed note: no blank line before the signatures")
    text = note[:split + 1]
    checkpoint = _parse_body(text)
    signatures = _parse_signatures(note[split + 2:])
    signed_by: set[str] = set()
    for name, key_id, signature in signatures:
        for key in keys:
            if key.name != name or key.key_id != key_id:
                continue
            try:
                key.public.verify(signature, text.encode())
            except InvalidSignature:
                raise NoteRejected(f"signature of {name} does not verify") from None
            signed_by.add(name)
    if checkpoint.origin in signed_by:
        return checkpoint
    if signed_by:
        raise NoteRejected(f"checkpoint of {checkpoint.origin} is signed by "
                           f"{', '.join(sorted(signed_by))}, not by its own log")
    names = {name for name, _, _ in signatures}
    if checkpoint.origin in names and checkpoint.origin in {key.name for key in keys}:
        raise NoteRejected(f"checkpoint of {checkpoint.origin} is signed by another key "
                           "than the known one")
    raise NoteRejected(f"no signature by a known key (signed as {', '.join(sorted(names))})")
