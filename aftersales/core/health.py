"""``GET /health/``: can this app server reach its database and its task queue?

For a load balancer or a monitor: no login, JSON, 200 when both answer, 503 naming what does
not. The error is given by its class only; the details go to the log, not to the internet.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _timed(part: str, check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        report = {"ok": True, **check()}
    except Exception as exc:  # noqa: BLE001 - whatever fails, the answer is "not healthy"
        logger.warning("health check: %s failed", part, exc_info=True)
        report = {"ok": False, "error": type(exc).__name__}
    report["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return report


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _queue() -> dict[str, Any]:
    from huey.contrib.djhuey import HUEY

    storage = HUEY.storage
    kind = type(storage).__name__.removesuffix("Storage").lower()
    # A read against the storage itself: a Redis that does not answer raises here.
    return {"storage": kind, "pending": storage.queue_size()}


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    parts = {"database": _timed("database", _database), "queue": _timed("queue", _queue)}
    failing = [name for name, report in parts.items() if not report["ok"]]
    body = {"status": "fail" if failing else "ok", "failing": failing, **parts}
    return JsonResponse(body, status=503 if failing else 200)
