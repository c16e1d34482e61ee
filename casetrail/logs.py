"""How every casetrail process logs: one JSON object a line, for a collector to read.

A line has the time (UTC, ISO 8601), the process (`intake`, `intake-relay`), the level, the
logger and the message, and any `case_id` or `trace_id` a call passes in `extra`; an error's
traceback goes in `error`. Messages carry ids and codes, never a student's data: the code
that logs decides that, this only shapes the line.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes a call may add to its line through `extra`.
CARRIED = ("case_id", "trace_id")


class JsonLines(logging.Formatter):
    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "process": self.process,
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({key: str(getattr(record, key)) for key in CARRIED
                     if hasattr(record, key)})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def log_as(process: str, level: int = logging.INFO) -> None:
    """This process's logs, as JSON lines on standard error."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines(process))
    logging.basicConfig(level=level, handlers=[handler], force=True)
