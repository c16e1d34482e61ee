"""Every process logs one JSON object a line."""

from __future__ import annotations

import json
import logging

from casetrail.logs import JsonLines


def line_of(record: logging.LogRecord) -> dict[str, object]:
    parsed: dict[str, object] = json.loads(JsonLines("intake-relay").format(record))
    return parsed


def test_a_log_line_is_one_json_object_naming_the_process_level_and_message() -> None:
    record = logging.makeLogRecord({"name": "casetrail.bus.relay", "levelno": logging.INFO,
                                    "levelname": "INFO", "msg": "relaying %s from %d",
                                    "args": ("intake", 3), "case_id": "c-1"})
    line = line_of(record)
    assert {key: line[key] for key in ("process", "level", "logger", "message", "case_id")} \
        == {"process": "intake-relay", "level": "INFO", "logger": "casetrail.bus.relay",
            "message": "relaying intake from 3", "case_id": "c-1"}
    assert str(line["time"]).endswith("+00:00")


def test_an_error_carries_its_traceback_inside_its_one_line() -> None:
    try:
        raise ValueError("the store refused")
    except ValueError as error:
        record = logging.makeLogRecord({"levelname": "ERROR", "msg": "failed",
                                        "exc_info": (type(error), error, error.__traceback__)})
    text = JsonLines("intake").format(record)
    assert "\n" not in text
    assert "ValueError: the store refused" in str(json.loads(text)["error"])
