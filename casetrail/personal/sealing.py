"""The port through which an application seals a student's personal fields before they go
into an event, and opens them when they are read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

# What a personal field reads as once the student's data key is gone.
ERASED = "[erased]"
# How a sealed value starts: `sealed:v1:<key id>:<nonce and ciphertext, base64>`.
SEALED_PREFIX = "sealed:v1:"


class PersonalData(Protocol):
    """Sealing under each student's own data key (named by the student's pseudonym)."""

    def seal(self, student_key: str, value: Any) -> str:
        """The value (anything JSON can hold) sealed under the student's data key, made on
        first use."""

    def prepare(self, student_keys: Iterable[str]) -> None:
        """Each of these students' data key at hand, those with none made, all at once: what
        a file of a grade's rows seals next costs no round trip a student."""

    def open(self, student_key: str, sealed: str) -> Any:
        """The value sealed, or ERASED when the key it was sealed under is gone."""

    def erase(self, student_key: str) -> bool:
        """Deletes the student's data key; says whether there was one."""

    def close(self) -> None:
        """Releases its connections (with the application's)."""


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


def seal_or_none(personal: PersonalData, student_key: str, value: Any) -> str | None:
    """Nothing to seal stays nothing (an empty field says no more than an absent one)."""
    return None if value is None else personal.seal(student_key, value)


def _each_sealed(data: Any, change: Callable[[str], Any]) -> Any:
    """The data with `change` made to every sealed value in it, however deep."""
    if is_sealed(data):
        return change(data)
    if isinstance(data, dict):
        return {key: _each_sealed(value, change) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_each_sealed(value, change) for value in data]
    return data


def opened(personal: PersonalData, student_key: str, data: Any) -> Any:
    """The data (a record built for a reader) with every sealed value in it opened."""
    return _each_sealed(data, lambda sealed: personal.open(student_key, sealed))


def resealed(personal: PersonalData, from_key: str, to_key: str, data: Any) -> Any:
    """The data with every value sealed for one student sealed for another instead (the
    same student under another pseudonym: a record received from their previous school)."""
    return _each_sealed(data, lambda sealed: personal.seal(to_key,
                                                           personal.open(from_key, sealed)))
