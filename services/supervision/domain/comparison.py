"""Where CASES and a service's own store disagree about the service's part (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.case_state import PARTS, CaseState, Difference, PartAnswer


def flattened(value: Any, path: str = "") -> dict[str, Any]:
    """Each leaf of a part by its path: `notices[<notice_id>].acknowledged`; a list of
    records with ids is keyed by id, so that an order of its own in a store is no
    difference."""
    if isinstance(value, dict):
        leaves: dict[str, Any] = {}
        for key, item in value.items():
            leaves.update(flattened(item, f"{path}.{key}" if path else key))
        return leaves
    if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        leaves = {}
        for index, item in enumerate(value):
            key = next((str(v) for k, v in item.items() if k.endswith("_id")), str(index))
            leaves.update(flattened(item, f"{path}[{key}]"))
        return leaves
    return {path: value}


def part_differences(service: str, cases_part: dict[str, Any],
                     store_part: dict[str, Any]) -> list[Difference]:
    cases, store = flattened(cases_part), flattened(store_part)
    return [Difference(service=service, field=field, cases_says=cases.get(field),
                       store_says=store.get(field))
            for field in sorted(cases.keys() | store.keys())
            if cases.get(field) != store.get(field)]


def differences(state: CaseState, stores: Mapping[str, PartAnswer]) -> list[Difference]:
    """Field by field, each service's part as CASES has it against its store's answer; a
    store with no record of the case answers the empty part, one that did not answer is
    itself a difference."""
    found: list[Difference] = []
    for service, answer in stores.items():
        cases_part = getattr(state, service).model_dump(mode="json")
        if answer.status == "answered" and answer.part is not None:
            store_part = PARTS[service].model_validate(answer.part).model_dump(mode="json")
        elif answer.status == "no_record":
            store_part = PARTS[service]().model_dump(mode="json")
        else:
            found.append(Difference(service=service, field="*", cases_says="recorded",
                                    store_says=answer.status))
            continue
        found.extend(part_differences(service, cases_part, store_part))
    return found
