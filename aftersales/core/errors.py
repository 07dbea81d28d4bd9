"""Domain errors: a code for machines, a field where one is to blame, a message for people."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.functional import Promise


class DomainError(Exception):
    """A business rule refused an action. Nothing was written."""

    code = "domain_error"
    status = 400

    def __init__(
        self, message: str | Promise, *, code: str | None = None, field: str | None = None
    ):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "field": self.field, "message": str(self.message)}


class InvalidInput(DomainError):
    """A parameter failed its schema: the field and the reason are named."""

    code = "invalid"
    status = 422


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
    status = 409


class ConcurrentChange(DomainError):
    code = "concurrent_change"
    status = 409


class NotFound(DomainError, Http404):
    """Also Django's 404, so a page that meets it answers 404 as the API does."""

    code = "not_found"
    status = 404


class PermissionDeniedError(DomainError, PermissionDenied):
    """Also Django's PermissionDenied, so a page that meets it answers 403."""

    code = "permission_denied"
    status = 403


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401
