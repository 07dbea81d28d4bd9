"""Idempotency-Key for the API's writes, after the IETF draft ("The Idempotency-Key HTTP
Header Field"): the first request with a key runs and its answer is kept; the same request
again gets that answer again; the same key with another request is 422; a request while the
first with its key is still running is 409.

The record is claimed in a transaction of its own before the work starts, so a second request
sees it at once; the work and the answer kept for it commit in one transaction; if the work
fails the claim is given back, so the client may retry. A claim left by a process that died
(or by a database that went away mid-request) is taken over after ``STALE_AFTER``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import inspect
import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Header, Status

from aftersales.core.errors import DomainError
from aftersales.core.models import IdempotencyRecord

logger = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=5)

MSG_KEY_REUSED = _("幂等键已用于另一个不同内容的请求。")
MSG_IN_PROGRESS = _("使用该幂等键的请求仍在处理中，请稍后重试。")
MSG_KEY_INVALID = _("幂等键须为 1 到 255 个可见字符。")

# The header a replayed answer carries.
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_HEADER = "Idempotency-Key"
KEY_DOC = (
    'Optional, after the IETF draft "The Idempotency-Key HTTP Header Field": a key of the '
    "client's choosing (1-255 printable characters, e.g. a UUID) that makes a retry safe. "
    "The first request with a key runs and its answer is kept; the same request again (same "
    "method, path and body, same user) answers that first status and body again, with the "
    "header `Idempotent-Replayed: true`, and changes nothing. The same key with another "
    "request is 422 `idempotency_key_reused`; a request while the first with its key is "
    "still running is 409 `idempotency_in_progress` (retry later). A request that fails "
    "gives its key back, so it may be retried with the same key."
)
# Documented on every operation that takes the key, beside its own description.
REPLAYED_RESPONSE_DOC = {
    REPLAYED_HEADER: {
        "description": "`true` when this is the kept answer to an earlier request with the "
        "same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422


class IdempotencyInProgress(DomainError):
    code = "idempotency_in_progress"
    status = 409


def fingerprint_of(method: str, path: str, body: Any) -> str:
    raw = json.dumps([method, path, body], sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(raw.encode()).hexdigest()


def _claim(scope: str, key: str, fingerprint: str, now: dt.datetime) -> IdempotencyRecord | None:
    """Claim the key; return the earlier record when someone holds it."""
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                scope=scope, key=key, fingerprint=fingerprint, created_at=now
            )
        return None
    except IntegrityError:
        pass
    with transaction.atomic():
        found = IdempotencyRecord.objects.select_for_update().filter(scope=scope, key=key).first()
        if found is None:  # given back between our insert and this read: take it now
            IdempotencyRecord.objects.create(
                scope=scope, key=key, fingerprint=fingerprint, created_at=now
            )
            return None
        if not found.done and found.created_at < now - STALE_AFTER:
            found.fingerprint, found.created_at = fingerprint, now
            found.save(update_fields=["fingerprint", "created_at"])
            return None
        return found


def run_once(
    *,
    scope: str,
    key: str | None,
    fingerprint: str,
    work: Callable[[], tuple[int, Any]],
) -> tuple[int, Any, bool]:
    """Run ``work`` (which answers a status and a JSON-able body) once per key. Returns the
    status, the body, and whether it is the replay of an earlier answer."""
    if key is None:
        return (*work(), False)
    if not key or len(key) > 255 or not key.isprintable():
        raise DomainError(MSG_KEY_INVALID, field="Idempotency-Key", code="invalid")
    now = timezone.now()
    earlier = _claim(scope, key, fingerprint, now)
    if earlier is not None:
        if earlier.fingerprint != fingerprint:
            raise IdempotencyKeyReused(MSG_KEY_REUSED, field="Idempotency-Key")
        if not earlier.done:
            raise IdempotencyInProgress(MSG_IN_PROGRESS, field="Idempotency-Key")
        return earlier.status_code or 200, earlier.body, True
    try:
        # The work and its kept answer commit together: a change is never committed without
        # the answer a retry will get, nor an answer kept for a change that was rolled back.
        with transaction.atomic():
            status, body = work()
            body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
            IdempotencyRecord.objects.filter(scope=scope, key=key).update(
                done=True, status_code=status, body=body
            )
    except BaseException:
        try:
            IdempotencyRecord.objects.filter(scope=scope, key=key, done=False).delete()
        except DatabaseError:
            # The database is away: the claim stays until STALE_AFTER, and the first error
            # (raised below) is what the client hears.
            logger.warning("idempotency key %s/%s not given back", scope, key, exc_info=True)
        raise
    return status, body, False


def key_header() -> Any:
    """The ``Idempotency-Key`` header as an operation's parameter (documented)."""
    return Header(None, alias=KEY_HEADER, max_length=255, description=KEY_DOC)


def openapi_replayed(*statuses: int) -> dict[str, Any]:
    """``openapi_extra`` documenting the ``Idempotent-Replayed`` header on the answers that a
    replay repeats."""
    return {"responses": {status: {"headers": REPLAYED_RESPONSE_DOC} for status in statuses}}


def respond_once(
    request: HttpRequest,
    response: HttpResponse,
    *,
    key: str | None,
    body: Any,
    work: Callable[[], tuple[int, Any]],
    scope: str,
) -> Status:
    """``run_once`` for an API operation: the key is the user's own (``scope`` and the user),
    the request is its method, path and parsed body; a replay says so in its header."""
    status, out, replayed = run_once(
        scope=f"{scope}:{request.user.pk}",
        key=key,
        fingerprint=fingerprint_of(request.method or "POST", request.path, body),
        work=work,
    )
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return Status(status, out)


def idempotent(scope: str, status: int = 200) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make an API operation take an ``Idempotency-Key``: put it under the router's decorator
    (or wrap the view before ``add_api_operation``). The view answers as before (a body, or a
    ``Status``); ``status`` is the status of a plain body. Its signature gains the header and
    the temporal response, so django-ninja documents the header in the OpenAPI."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(view)

        @functools.wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> Any:
            response = kwargs.pop("response")
            key = kwargs.pop("idempotency_key")
            payload = kwargs.get("payload")
            body = {
                "path": {k: v for k, v in kwargs.items() if k != "payload"},
                "body": payload.model_dump(mode="json") if payload is not None else None,
            }

            def work() -> tuple[int, Any]:
                out = view(request, **kwargs)
                if isinstance(out, Status):
                    return out.status_code, out.value
                return status, out

            return respond_once(request, response, key=key, body=body, work=work, scope=scope)

        extra = [
            inspect.Parameter("response", inspect.Parameter.KEYWORD_ONLY, annotation=HttpResponse),
            inspect.Parameter(
                "idempotency_key",
                inspect.Parameter.KEYWORD_ONLY,
                default=key_header(),
                annotation=str | None,
            ),
        ]
        params = [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY) if i else p
            for i, p in enumerate(signature.parameters.values())
        ]
        wrapper.__signature__ = signature.replace(parameters=[*params, *extra])  # type: ignore[attr-defined]
        return wrapper

    return decorate
