"""JSON Patch (RFC 6902) on a Task, limited to what a receiver may change of it: its status,
businessStatus, statusReason and output. Only add, replace, remove and test."""

from __future__ import annotations

import copy
from typing import Any

from services.referral.inputs import InvalidInput

PATCHABLE = ("status", "businessStatus", "statusReason", "output")
OPERATIONS = frozenset({"add", "replace", "remove", "test"})
MOST_OPERATIONS = 20


def _pointer(path: Any, n: int) -> list[str]:
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidInput(f"{n}.path", "is a JSON pointer (RFC 6901)")
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]
    if parts[0] not in PATCHABLE:
        raise InvalidInput(f"{n}.path", "may only change " + ", ".join(
            f"/{name}" for name in PATCHABLE))
    return parts


def _step(node: Any, part: str, n: int) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    raise InvalidInput(f"{n}.path", "names nothing in the Task")


def patched(resource: dict[str, Any], operations: Any) -> dict[str, Any]:
    """The resource with the operations applied in order; InvalidInput (422, naming the
    operation's field) for one that does not apply. Never echoes a value."""
    if not isinstance(operations, list) or not 0 < len(operations) <= MOST_OPERATIONS:
        raise InvalidInput("", f"is a JSON Patch: a list of 1 to {MOST_OPERATIONS} operations")
    result = copy.deepcopy(resource)
    for n, operation in enumerate(operations):
        if not isinstance(operation, dict) or operation.get("op") not in OPERATIONS:
            raise InvalidInput(f"{n}.op", "is one of " + ", ".join(sorted(OPERATIONS)))
        *parents, last = _pointer(operation.get("path"), n)
        node: Any = result
        for part in parents:
            node = _step(node, part, n)
        op = operation["op"]
        if op != "remove" and "value" not in operation:
            raise InvalidInput(f"{n}.value", f"is required by {op}")
        if op == "test":
            if _step(node, last, n) != operation["value"]:
                raise InvalidInput(f"{n}.value", "does not match the Task (test failed)")
        elif op == "remove":
            _step(node, last, n)
            del node[int(last) if isinstance(node, list) else last]
        elif isinstance(node, list):
            index = len(node) if last == "-" else int(last) if last.isdigit() else -1
            if not 0 <= index <= len(node) - (op == "replace"):
                raise InvalidInput(f"{n}.path", "names nothing in the Task")
            if op == "add":
                node.insert(index, operation["value"])
            else:
                node[index] = operation["value"]
        elif isinstance(node, dict):
            if op == "replace":
                _step(node, last, n)
            node[last] = operation["value"]
        else:
            raise InvalidInput(f"{n}.path", "names nothing in the Task")
    return result
