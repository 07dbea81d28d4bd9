"""The REST API under /api/v1/: one NinjaAPI; each app adds its router.

Authentication: ``Authorization: Bearer <token>`` for programs, the session for the
workbench. Every error is JSON ``{"code", "field", "message"}``.
"""

import json
import logging
from functools import cache, wraps

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.template import Engine, RequestContext
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import ABS_TPL_PATH, Swagger, _csrf_needed
from ninja.parser import Parser
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf
from pydantic import BaseModel

from aftersales.core.errors import DomainError, InvalidInput, NotFound, PermissionDeniedError
from aftersales.core.schemas import document_errors
from aftersales.core.validation import code_of, reason_of, text_problem

logger = logging.getLogger("django.request")

MSG_CSRF = gettext_lazy("CSRF 校验失败：请刷新页面后重试。")
MSG_SERVER_ERROR = gettext_lazy("服务器出错了，请稍后再试。")
MSG_BAD_REQUEST = gettext_lazy("请求内容无法解析。")
MSG_NO_ENDPOINT = gettext_lazy("没有这个接口。")
MSG_TOO_LARGE = gettext_lazy("请求内容太大。")
MSG_BODY_NOT_OBJECT = gettext_lazy("请求内容必须是一个 JSON 对象。")
MSG_BAD_TEXT = gettext_lazy("字段“%(field)s”无效：%(reason)s。")

# Codes for the errors django-ninja itself raises (unparseable body, throttling, …).
_HTTP_CODES = {400: "bad_request", 403: "permission_denied", 404: "not_found", 429: "throttled"}


class _BadInput(InvalidInput):
    """What the parser refuses before any schema reads it."""


def _refuse_bad_text(value, where: str = "") -> None:
    """No text of any request reaches a schema, let alone the database, with a NUL or half a
    surrogate pair in it, whatever its field's type: the first one met is a 422 naming it."""
    stack = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                key = str(key)
                if text_problem(key):
                    raise _bad_text(path or "-", text_problem(key))
                stack.append((f"{path}.{key}" if path else key, child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}.{i}" if path else str(i), child) for i, child in enumerate(item))
        elif isinstance(item, UploadedFile):
            stack.append((path, item.name or ""))
        elif isinstance(item, str) and text_problem(item):
            raise _bad_text(path, text_problem(item))


def _bad_text(field: str, problem: str) -> InvalidInput:
    reason = reason_of({"type": problem})
    return _BadInput(
        MSG_BAD_TEXT % {"field": field, "reason": reason}, code="invalid_text", field=field
    )


class StrictParser(Parser):
    """JSON bodies are objects: every body of the API is one."""

    def parse_body(self, request):
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise _BadInput(MSG_BODY_NOT_OBJECT, code="invalid")
        return data


def refuse_bad_text(view):
    """Around every operation, once its parameters are read: no text of them (a body's field,
    a query parameter, a form field, an uploaded file's name) reaches the view, let alone the
    database, with a NUL or half a surrogate pair, whatever its type says; the first one met
    is a 422 naming it. What a schema does not name (an extra property) was dropped before."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        for name, value in kwargs.items():
            if isinstance(value, BaseModel):
                _refuse_bad_text(value.model_dump(), "")
            elif isinstance(value, UploadedFile):
                _refuse_bad_text(value.name or "", name)
            else:
                _refuse_bad_text(value, name)
        return view(request, *args, **kwargs)

    return checked


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        from aftersales.accounts.services import token_user

        user = token_user(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """The workbench's session, with its CSRF check.

    django-ninja checks CSRF before it looks for a session, so a program that sends no
    credentials (or an expired token) would hear "CSRF failed" (403) instead of 401. Here the
    check runs only once a session user is found, and fails as a JSON error like any other.
    """

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise PermissionDeniedError(MSG_CSRF, code="csrf_failed")
        return request.user


@cache
def _ninja_templates() -> Engine:
    return Engine(
        dirs=[str(ABS_TPL_PATH.parent)], libraries={"static": "django.templatetags.static"}
    )


class LocalSwagger(Swagger):
    """Swagger UI from django-ninja's own copy of its assets (``ninja/static/ninja/``), never
    from a CDN: a small shop's machine may have no internet, and the docs page should tell no
    third party who reads it. django-ninja falls back to its CDN page whenever "ninja" is not
    in INSTALLED_APPS; this renders the local page either way."""

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": _csrf_needed(api),
        }
        template = _ninja_templates().get_template(self.template)
        return HttpResponse(template.render(RequestContext(request, context)))


class AfterSalesAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts):
        """Name a body field as the client wrote it (``lines.0.quantity``), not under the
        view's parameter (``payload.lines.0.quantity``): the one body schema *is* the body."""
        errors = []
        for context in error_contexts:
            single = getattr(context.model, "__read_from_single_attr__", None)
            field = context.model.model_fields.get(single) if single else None
            # A body told apart by a field (POST /cases by ``kind``): pydantic puts the tag in
            # the location (``refund_only.reason``); the client wrote ``reason``.
            tag = getattr(field, "discriminator", None)
            for error in super().validation_error_from_error_contexts([context]).errors:
                loc = tuple(error["loc"])
                if single and loc[1:2] == (single,):
                    loc = (loc[0], *loc[2:])
                    if isinstance(tag, str) and error.get("type", "").startswith("union_tag_"):
                        loc = (loc[0], tag)
                    elif isinstance(tag, str) and len(loc) > 1:
                        loc = (loc[0], *loc[2:])
                    error["loc"] = loc
                errors.append(error)
        return ValidationError(errors)


api = AfterSalesAPI(
    title="AfterSales API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    docs=LocalSwagger(),
    parser=StrictParser(),
)
api.add_decorator(refuse_bad_text)


def _error(request, status: int, code: str, message: str, field: str | None = None):
    return api.create_response(
        request, {"code": code, "field": field, "message": message}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    if isinstance(exc, _BadInput):
        # As a schema's 422 (ValidationErrorOut), with the one field named.
        body = {**exc.as_dict(), "errors": [{"field": exc.field or "", "message": str(exc)}]}
        return api.create_response(request, body, status=422)
    return _error(request, exc.status, exc.code, str(exc.message), exc.field)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "not_found", _("记录不存在。"))


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, 401, "unauthorized", _("请先登录或提供有效的令牌。"))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    # django-ninja answers 400 for any error of the parser; ours say what and where.
    if isinstance(exc.__cause__, DomainError):
        return on_domain_error(request, exc.__cause__)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = MSG_BAD_REQUEST if exc.status_code == 400 else exc.message
    return _error(request, exc.status_code, code, str(message))


@api.exception_handler(RequestDataTooBig)
def on_too_large(request, exc):
    # Django stops reading a body over DATA_UPLOAD_MAX_MEMORY_SIZE; the rest of it is read off
    # the connection by the server before the answer, so the connection stays usable.
    return _error(request, 413, "too_large", str(MSG_TOO_LARGE))


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request, exc):
    # A multipart body without its boundary, or cut short: nothing could be read.
    return _error(request, 400, "bad_request", str(MSG_BAD_REQUEST))


@api.exception_handler(TooManyFieldsSent)
def on_too_many_fields(request, exc):
    return _error(request, 400, "bad_request", str(MSG_BAD_REQUEST))


@api.exception_handler(Exception)
def on_server_error(request, exc: Exception):
    from aftersales.core import dbdown

    if dbdown.is_database_unavailable(exc):  # 503 + Retry-After: try again soon (core.dbdown)
        return dbdown.api_response(request, exc)
    # Logged as Django logs an unhandled view error, so admins still hear of it.
    logger.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    return _error(request, 500, "server_error", str(MSG_SERVER_ERROR))


# Where ninja found a value; the first element of an error's location, not part of the field.
_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})


def _field_of(error: dict) -> str:
    loc = [str(p) for p in error.get("loc", ())]
    if loc and loc[0] in _SOURCES:
        loc = loc[1:]
    return ".".join(loc)


def _said(error: dict) -> str:
    return reason_of(error) if error.get("type") else str(error.get("msg", ""))


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    field = _field_of(first) or None
    return api.create_response(
        request,
        {
            "code": code_of(first) if first.get("type") else "invalid",
            "field": field,
            "message": _("字段“%(field)s”无效：%(reason)s。")
            % {"field": field or "-", "reason": _said(first)},
            "errors": [{"field": _field_of(e), "message": _said(e)} for e in exc.errors],
        },
        status=422,
    )


from aftersales.accounts.api import router as accounts_router  # noqa: E402
from aftersales.approvals.api import router as approvals_router  # noqa: E402
from aftersales.cases.api import router as cases_router  # noqa: E402
from aftersales.logistics.api import router as logistics_router  # noqa: E402
from aftersales.orders.api import router as orders_router  # noqa: E402
from aftersales.parcels.api import router as parcels_router  # noqa: E402
from aftersales.returns.api import router as returns_router  # noqa: E402
from aftersales.scorecards.api import router as scorecards_router  # noqa: E402
from aftersales.tracking.api import router as tracking_router  # noqa: E402
from aftersales.watch.api import router as watch_router  # noqa: E402

api.add_router("/auth", accounts_router)
api.add_router("/orders", orders_router)
api.add_router("/cases", cases_router)
api.add_router("/", returns_router)
api.add_router("/approvals", approvals_router)
api.add_router("/logistics", logistics_router)
api.add_router("/tracking", tracking_router)
api.add_router("/parcels", parcels_router)
api.add_router("/watch", watch_router)
api.add_router("/scorecards", scorecards_router)

# Last, so it matches only what nothing above does: a wrong URL under /api/v1/ answers a JSON
# 404 like any other, not Django's HTML page. Unauthenticated, so it tells nobody more.
_fallback = Router()


@_fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def no_such_endpoint(request, rest: str):
    raise NotFound(MSG_NO_ENDPOINT)


api.add_router("/", _fallback)
document_errors(api)
