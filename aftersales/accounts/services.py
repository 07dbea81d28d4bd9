from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import ApiToken, User
from aftersales.accounts.permissions import MSG_NOT_FOUND
from aftersales.accounts.selectors import tokens_visible_to
from aftersales.core.errors import InvalidInput, NotFound

MSG_TOKEN_NAME = _("请填写令牌的名称。")


def token_create(*, user: User, name: str, now: dt.datetime | None = None) -> str:
    """Make a token and return its key; only the hash is stored, so this is the only chance
    to see it. It works for API_TOKEN_LIFETIME."""
    now = now or timezone.now()
    name = name.strip()
    if not name:
        raise InvalidInput(MSG_TOKEN_NAME, field="name", code="required")
    key = ApiToken.new_key()
    ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=ApiToken.hash_key(key),
        prefix=key[:8],
        expires_at=now + settings.API_TOKEN_LIFETIME,
    )
    return key


def token_user(key: str) -> User | None:
    """Whose token this is, while it works (not revoked, not expired, its owner active)."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(
            key_hash=ApiToken.hash_key(key),
            revoked_at__isnull=True,
            expires_at__gt=now,
            user__is_active=True,
        )
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def token_revoke(*, actor: User, token_id: int, now: dt.datetime | None = None) -> ApiToken:
    """Revoke a token its owner or an administrator of the owner's shops may see; another's
    token answers as if it did not exist. Revoking a revoked or expired token changes nothing
    and answers the token as it is."""
    now = now or timezone.now()
    token = (
        tokens_visible_to(actor).select_for_update(of=("self",)).filter(pk=token_id).first()
        if token_id < 2**63
        else None
    )
    if token is None:
        raise NotFound(MSG_NOT_FOUND)
    if token.revoked_at is None:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
    return token
