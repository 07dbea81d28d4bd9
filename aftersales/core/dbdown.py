"""When the database is away, every client hears 503 with ``Retry-After``, never a bare 500.

A database that does not answer (restarted, failed over, the network between us cut) raises
``OperationalError`` or ``InterfaceError`` from whatever query meets it first. That is not a
bug of the request and retrying soon is the right thing to do, so the answer is 503 with
``Retry-After``: JSON ``{"code": "database_unavailable", "field": null, "message": …}`` under
/api/ (and for a client that asks for JSON), a short Chinese page for the workbench.

The server recovers by itself: a connection that failed is closed here, at once, so the next
request opens a new one (and ``CONN_HEALTH_CHECKS`` checks a kept connection before a request
uses it). /health/ (core.health) answers 503 naming the database for the same condition.

Where it is caught:

* a view's exception: ``process_exception`` (the API's own handler, ``on_server_error`` in
  aftersales/api.py, catches first and answers the same through ``api_response``);
* anything else Django turns into a 500 (another middleware, a lazy session read or save):
  ``got_request_exception`` marks the request and ``__call__`` answers 503 instead of 500.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("aftersales.dbdown")

MSG_DATABASE_UNAVAILABLE = _("数据库暂时无法访问，请稍后重试。")
MSG_PAGE_TITLE = _("服务暂时不可用")
MSG_PAGE_RELOAD = _("本页将在 %(seconds)s 秒后自动刷新。")
MSG_PAGE_RESUBMIT = _("刚才的操作可能没有完成：请过 %(seconds)s 秒后返回上一页，核对后再重做。")

CODE = "database_unavailable"
# Seconds a client waits before trying again: about what a restart or a failover takes.
DEFAULT_RETRY_AFTER = 30

_UNAVAILABLE: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
try:  # the driver's own errors, should one escape Django's wrapping (psycopg 3)
    import psycopg

    _UNAVAILABLE += (psycopg.OperationalError, psycopg.InterfaceError)
except ImportError:  # pragma: no cover - SQLite-only installs
    pass

_MARK = "_aftersales_database_unavailable"


def retry_after() -> int:
    return int(getattr(settings, "DATABASE_UNAVAILABLE_RETRY_AFTER", DEFAULT_RETRY_AFTER))


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Is this (or what caused it) the database not answering?"""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, _UNAVAILABLE):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _recover() -> None:
    """Close every connection that failed, so the next request opens a new one. A connection
    inside a transaction is only marked (Django closes it when the transaction ends)."""
    for conn in connections.all(initialized_only=True):
        try:
            if conn.connection is not None and not conn.in_atomic_block:
                conn.close_if_unusable_or_obsolete()
        except Exception:  # noqa: BLE001 - a dead connection may fail even to close
            logger.debug("closing the failed connection %s", conn.alias, exc_info=True)


def _wants_json(request: HttpRequest) -> bool:
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _log(request: HttpRequest, exc: BaseException | None) -> None:
    logger.error(
        "Database unavailable: %s %s answered 503",
        request.method,
        request.path,
        exc_info=exc if exc is not None else False,
    )


def api_response(request: HttpRequest, exc: BaseException | None = None) -> HttpResponse:
    """The JSON 503, with the API's error body."""
    _log(request, exc)
    _recover()
    response = JsonResponse(
        {"code": CODE, "field": None, "message": gettext(str(MSG_DATABASE_UNAVAILABLE))},
        status=503,
        json_dumps_params={"ensure_ascii": False},
    )
    return _finish(response)


def _finish(response: HttpResponse) -> HttpResponse:
    response["Retry-After"] = str(retry_after())
    response["Cache-Control"] = "no-store"
    return response


def page_response(request: HttpRequest, exc: BaseException | None = None) -> HttpResponse:
    """The workbench's 503: a short page of its own, no template and no context processor,
    since those would ask the database again."""
    if _wants_json(request):
        return api_response(request, exc)
    _log(request, exc)
    _recover()
    seconds = retry_after()
    title = escape(gettext(str(MSG_PAGE_TITLE)))
    body = escape(gettext(str(MSG_DATABASE_UNAVAILABLE)))
    # A page read comes back by itself; a form sent is never sent again by a refresh.
    reads = request.method in ("GET", "HEAD")
    retry = escape(
        gettext(str(MSG_PAGE_RELOAD if reads else MSG_PAGE_RESUBMIT)) % {"seconds": seconds}
    )
    refresh = f'<meta http-equiv="refresh" content="{seconds}">' if reads else ""
    html = (
        f'<!doctype html><html lang="{escape(get_language() or "zh-hans")}"><head>'
        f'<meta charset="utf-8">{refresh}'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head>"
        "<body>"
        f"<h1>{title}</h1><p>{body}</p><p>{retry}</p></body></html>"
    )
    return _finish(HttpResponse(html, status=503, content_type="text/html; charset=utf-8"))


def _mark_request(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Sent while Django handles the exception: sys.exc_info() is the exception.
    exc = sys.exc_info()[1]
    if request is not None and is_database_unavailable(exc):
        setattr(request, _MARK, exc)


class DatabaseUnavailableMiddleware:
    """Answers 503 + Retry-After when the database is away (see the module's doc)."""

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_mark_request, dispatch_uid="aftersales.core.dbdown")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exc = getattr(request, _MARK, None)
        if exc is not None and response.status_code == 500:
            return page_response(request, exc)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return page_response(request, exception)
        return None
