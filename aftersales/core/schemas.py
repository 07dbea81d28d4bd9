"""The error body every API operation answers with, documented once for every app."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

from aftersales.core.validation import MAX_INT32, Offset


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


# What any operation may answer, whatever it does: a body that cannot be read (400), no or a
# wrong login (401), a role that may not (403), a record that does not exist or is another
# shop's (404), a body over the size limit (413), a parameter that fails its schema (422).
COMMON_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    422: ValidationErrorOut,
}


def document_errors(api: Any) -> None:
    """Every operation of ``api`` documents the errors every operation may answer, with the one
    error body, besides those it already names (a 409, a 429...). Called once all routers are
    added. An operation whose only answer is not a 200 is left as it is: django-ninja picks
    the status of a plain return from a single documented one."""
    # The routers as added (django-ninja clones their operations when it builds the URLs).
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                models = operation.response_models
                if len(models) == 1 and 200 not in models:
                    continue
                for status, schema in COMMON_ERRORS.items():
                    if status not in models:
                        models[status] = operation._create_response_model(schema)


class Paginated(LimitOffsetPagination):
    """``limit`` and ``offset`` that the database can count: an offset beyond any integer
    (``?offset=99999999999999999999``) is a 422 naming it, never an overflow in the query.
    Use as ``@paginate(Paginated, max_limit=...)``."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_INT32)
        offset: Offset = 0
