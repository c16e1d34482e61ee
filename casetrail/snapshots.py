"""What an aggregate's snapshot holds of its state, and how the store's JSON carries it.

An aggregate's state holds what its events never do: sets, dataclasses, dicts keyed by ids.
Each gets a transcoding here, so that a snapshot read back is the state its events replay to.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable, Iterator
from typing import Any

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import Transcoding
from eventsourcing.utils import get_topic


@dataclasses.dataclass(frozen=True)
class KeyedPairs:
    """A dict whose keys JSON cannot carry (ids, numbers), as its pairs."""

    pairs: list[tuple[Any, Any]]


def plain_keys(value: Any) -> Any:
    """The value, each dict in it whose keys are not all strings as KeyedPairs. Dataclasses
    and sets are not entered: their transcodings call this on what they hold."""
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: plain_keys(item) for key, item in value.items()}
        return KeyedPairs([(key, plain_keys(item)) for key, item in value.items()])
    if isinstance(value, list):
        return [plain_keys(item) for item in value]
    return value


class StateSnapshot(Snapshot):
    """A snapshot whose state the store's JSON can carry, dicts keyed by ids included."""

    @classmethod
    def take(cls, aggregate: Any) -> Any:
        snapshot = super().take(aggregate)
        object.__setattr__(snapshot, "state", plain_keys(snapshot.state))
        return snapshot


class KeyedPairsAsList(Transcoding):
    type = KeyedPairs
    name = "keyed_pairs"

    def encode(self, obj: KeyedPairs) -> list[list[Any]]:
        return [list(pair) for pair in obj.pairs]

    def decode(self, data: list[list[Any]]) -> dict[Any, Any]:
        return {key: item for key, item in data}


class SetAsList(Transcoding):
    type = set
    name = "set"

    def encode(self, obj: set[Any]) -> list[Any]:
        return [plain_keys(item) for item in obj]

    def decode(self, data: list[Any]) -> set[Any]:
        return set(data)


class DataclassAsDict(Transcoding):
    """A dataclass an aggregate's state holds, field by field, named by its topic as
    eventsourcing names event classes."""

    def __init__(self, kind: type[Any]) -> None:
        self.type = kind
        self.name = get_topic(kind)

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: plain_keys(getattr(obj, f.name)) for f in dataclasses.fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        # As eventsourcing rebuilds an aggregate from its snapshot: the state, not __init__.
        obj: Any = object.__new__(self.type)
        obj.__dict__.update(data)
        return obj


def state_transcodings(kinds: Iterable[type[Any]]) -> list[Transcoding]:
    """The transcodings of a snapshot's state: of the dataclasses given, and of those their
    fields' types name however deep."""
    found: list[type[Any]] = []
    pending = list(kinds)
    while pending:
        kind = pending.pop()
        if kind in found:
            continue
        found.append(kind)
        for hint in typing.get_type_hints(kind).values():
            pending.extend(t for t in _types_in(hint)
                           if dataclasses.is_dataclass(t) and isinstance(t, type))
    return [KeyedPairsAsList(), SetAsList(), *map(DataclassAsDict, found)]


def _types_in(hint: Any) -> Iterator[Any]:
    yield hint
    for arg in typing.get_args(hint):
        yield from _types_in(arg)
