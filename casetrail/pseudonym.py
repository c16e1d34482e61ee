"""Keyed pseudonyms of school-issued student ids: what the bus carries instead of the id."""

from __future__ import annotations

import hashlib
import hmac


class Pseudonyms:
    """Stable per key, and useless without it. Held by the services that take school ids
    from people (intake, and notification for the guardian directory), never put on the bus."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def student_key(self, student_ref: str) -> str:
        return hmac.new(self._key, student_ref.encode(), hashlib.sha256).hexdigest()[:32]
