"""The error body every API operation answers with, documented once for every app."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    code: str
    field: str | None
    message: str


class ValidationErrorOut(ErrorOut):
    """A 422 also lists every field that failed, with its reason."""

    errors: list[dict[str, Any]] = []


# What a write on one record may answer besides success.
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
}
# ... and a write that may meet someone else's change first, or a state that refuses it.
CONFLICT_ERRORS: dict[int, Any] = {**ERRORS, 409: ErrorOut}
