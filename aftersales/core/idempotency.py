"""Idempotency-Key for the API's writes, after the IETF draft ("The Idempotency-Key HTTP
Header Field"): the first request with a key runs and its answer is kept; the same request
again gets that answer again; the same key with another request is 422; a request while the
first with its key is still running is 409.

The record is claimed in a transaction of its own before the work starts, so a second request
sees it at once; if the work fails the claim is given back, so the client may retry. A claim
left by a process that died is taken over after ``STALE_AFTER``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.errors import DomainError
from aftersales.core.models import IdempotencyRecord

STALE_AFTER = dt.timedelta(minutes=5)

MSG_KEY_REUSED = _("幂等键已用于另一个不同内容的请求。")
MSG_IN_PROGRESS = _("使用该幂等键的请求仍在处理中，请稍后重试。")
MSG_KEY_INVALID = _("幂等键须为 1 到 255 个可见字符。")


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
        status, body = work()
    except BaseException:
        IdempotencyRecord.objects.filter(scope=scope, key=key, done=False).delete()
        raise
    body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
    IdempotencyRecord.objects.filter(scope=scope, key=key).update(
        done=True, status_code=status, body=body
    )
    return status, body, False
