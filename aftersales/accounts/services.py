from __future__ import annotations

from django.utils import timezone

from aftersales.accounts.models import ApiToken, User


def token_create(*, user: User, name: str) -> str:
    """Make a token and return its key; only the hash is stored, so this is the only chance
    to see it."""
    key = ApiToken.new_key()
    ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[:8])
    return key


def token_user(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
