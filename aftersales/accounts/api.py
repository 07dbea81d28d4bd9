"""Signing in for programs: a token for a username and password (throttled by django-axes:
too many failures answer 429 ``locked_out`` with Retry-After), who the caller is, and the
caller's tokens — listed and revoked by their owner, and by an administrator for the staff of
the administrator's shops.

No ``from __future__ import annotations``: @paginate re-reads the view's signature from this
module and must be able to resolve its types.
"""

import datetime as dt

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from aftersales.accounts import selectors, services
from aftersales.accounts.lockout import LOCKED_CODE, locked_message, retry_after
from aftersales.accounts.models import ApiToken
from aftersales.core.errors import DomainError, Unauthorized
from aftersales.core.schemas import ERRORS, ErrorOut, Paginated

router = Router(tags=["auth"])

MAX_PAGE = 100


class LockedOut(DomainError):
    """Too many failed sign-ins for the account or from the address."""

    code = LOCKED_CODE
    status = 429


class TokenIn(Schema):
    username: str = Field(max_length=150)
    password: str = Field(max_length=4096)
    name: str = Field(default="api", max_length=64)


class TokenOut(Schema):
    token: str
    id: int
    expires_at: dt.datetime


class TokenInfoOut(Schema):
    id: int
    name: str
    prefix: str
    user_id: int
    username: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    active: bool

    @staticmethod
    def resolve_username(obj: ApiToken) -> str:
        return obj.user.username

    @staticmethod
    def resolve_active(obj: ApiToken) -> bool:
        return obj.is_active_at(timezone.now())


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[str]
    shops: list[int]


@router.post(
    "/token",
    auth=None,
    # The 429 is documented below, with its Retry-After header, and only there: named in both
    # places it would be written twice under one key, which Swagger UI cannot read.
    response={200: TokenOut, 401: ErrorOut, 422: ErrorOut},
    openapi_extra={
        "responses": {
            "429": {
                "description": "Too many failed sign-ins for this account or from this "
                "address (code `locked_out`): refused even with the right password until the "
                "lock lifts.",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
                },
                "headers": {
                    "Retry-After": {
                        "description": "Seconds until the lock lifts.",
                        "schema": {"type": "integer"},
                    }
                },
            }
        }
    },
)
def create_token(request, payload: TokenIn):
    """A token for the REST API, valid for API_TOKEN_LIFETIME (30 days unless configured) or
    until revoked; the key is shown this once. Failed sign-ins are counted per account and per
    address: past the limit, 429 ``locked_out`` with Retry-After."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            # AxesMiddleware answers the same with the Retry-After header.
            raise LockedOut(locked_message(retry_after(request)))
        raise Unauthorized(_("用户名或密码不正确。"), field="password", code="bad_credentials")
    key = services.token_create(user=user, name=payload.name)
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    return {"token": key, "id": token.pk, "expires_at": token.expires_at}


@router.get("/me", response=MeOut)
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "roles": sorted(user.role_names),
        "shops": sorted(user.shop_ids()),
    }


@router.get("/tokens", response={200: list[TokenInfoOut], 401: ErrorOut, 422: ErrorOut})
@paginate(Paginated, max_limit=MAX_PAGE)
def list_tokens(request):
    """The caller's API tokens, newest first (an administrator's list also has every token of
    the staff of their shops); revoked and expired ones too, marked ``active: false``."""
    return selectors.tokens_visible_to(request.user)


@router.delete("/tokens/{token_id}", response={200: TokenInfoOut, **ERRORS})
def revoke_token(request, token_id: int):
    """Revoke a token at once: the caller's own, or as an administrator one of their shops'
    staff's (another's answers 404). Revoking it again changes nothing."""
    return services.token_revoke(actor=request.user, token_id=token_id)
