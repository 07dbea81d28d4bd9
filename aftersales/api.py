"""The REST API under /api/v1/: one NinjaAPI; each app adds its router.

Authentication: ``Authorization: Bearer <token>`` for programs, the session for the
workbench. Every error is JSON ``{"code", "field", "message"}``.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer, django_auth

from aftersales.core.errors import DomainError


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        from aftersales.accounts.services import token_user

        user = token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="AfterSales API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), django_auth],
    docs_url="/docs",
)


def _error(request, status: int, code: str, message: str, field: str | None = None):
    return api.create_response(
        request, {"code": code, "field": field, "message": message}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return _error(request, exc.status, exc.code, str(exc.message), exc.field)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "not_found", _("记录不存在。"))


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, 401, "unauthorized", _("请先登录或提供有效的令牌。"))


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "query", "path", "form")]
    field = ".".join(loc) or None
    return api.create_response(
        request,
        {
            "code": "invalid",
            "field": field,
            "message": _("字段“%(field)s”无效：%(reason)s")
            % {"field": field or "-", "reason": first.get("msg", "")},
            "errors": [
                {
                    "field": ".".join(
                        str(p) for p in e.get("loc", []) if p not in ("body", "query", "path")
                    ),
                    "message": e.get("msg", ""),
                }
                for e in exc.errors
            ],
        },
        status=422,
    )


from aftersales.accounts.api import router as accounts_router  # noqa: E402
from aftersales.cases.api import router as cases_router  # noqa: E402
from aftersales.orders.api import router as orders_router  # noqa: E402
from aftersales.returns.api import router as returns_router  # noqa: E402

api.add_router("/auth/", accounts_router)
api.add_router("/orders/", orders_router)
api.add_router("/cases/", cases_router)
api.add_router("/", returns_router)
