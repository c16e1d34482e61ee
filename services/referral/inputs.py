"""A request referral cannot take as given, for a reason the request alone shows once the
case's clock is known (a date before the return to school, a visit in the future): the
field at fault and why, answered as HTTP 422 like pydantic's own."""

from __future__ import annotations


class InvalidInput(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message
