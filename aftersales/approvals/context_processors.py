"""The menu's count of approvals waiting for the user, on every page."""

from __future__ import annotations

from django.http import HttpRequest

from aftersales.approvals.selectors import approval_queue_count


def approval_count(request: HttpRequest) -> dict[str, int]:
    """One COUNT query for a signed-in user; nothing at all for anybody else (the login page
    must not touch the approvals table)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"approval_queue_count": approval_queue_count(user)}
