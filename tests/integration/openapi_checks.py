"""What the fuzz tests check of every answer, besides their own assertions: schemathesis'
checks that it is no 5xx and has a status code, content type and body its operation
declares."""

from __future__ import annotations

from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CONFORMANCE: list[CheckFunction] = [not_a_server_error, status_code_conformance,
                                    content_type_conformance, response_schema_conformance]
