"""Workbench pages of accounts: the log of who opened buyers' contact details, the API tokens
("我的令牌": one's own, and an administrator's shops' staff's) and changing one's password."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts import services
from aftersales.accounts.models import Role, User
from aftersales.accounts.permissions import Perm, has_perm
from aftersales.accounts.selectors import contact_reveals_for, tokens_visible_to
from aftersales.core.errors import NotFound

PAGE_SIZE = 100


def _day(raw: str) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    # Outside these years a date is a typo, and a datetime built from it could overflow.
    return day if 2000 <= day.year <= 2999 else None


@login_required
def reveal_log(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.REVEAL_LOG_READ):
        raise PermissionDenied
    get = request.GET
    who = int(get["user"]) if get.get("user", "").isdigit() and len(get["user"]) < 18 else None
    start, end = _day(get.get("from", "")), _day(get.get("to", ""))
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time(), zone) if start else None
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone) if end else None
    page = _page_number(get.get("page", "1"))
    offset = (page - 1) * PAGE_SIZE
    rows = list(
        contact_reveals_for(user=request.user, who=who, since=since, until=until)[
            offset : offset + PAGE_SIZE + 1
        ]
    )
    staff = User.objects.filter(shops__in=request.user.shop_ids()).distinct().order_by("username")
    return render(
        request,
        "accounts/reveal_log.html",
        {
            "reveals": rows[:PAGE_SIZE],
            "has_next": len(rows) > PAGE_SIZE,
            "page": page,
            "staff": staff,
            "who": who,
            "start": start,
            "end": end,
        },
    )


def _page_number(raw: str) -> int:
    return max(int(raw), 1) if raw.isdigit() and len(raw) < 7 else 1


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """我的令牌: the caller's API tokens (an administrator's page also lists their shops'
    staff's), newest first, each revocable while it works."""
    page = _page_number(request.GET.get("page", "1"))
    offset = (page - 1) * PAGE_SIZE
    rows = list(tokens_visible_to(request.user)[offset : offset + PAGE_SIZE + 1])
    now = timezone.now()
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": [(t, t.is_active_at(now)) for t in rows[:PAGE_SIZE]],
            "has_next": len(rows) > PAGE_SIZE,
            "page": page,
            "sees_staff": request.user.has_role(Role.ADMINISTRATOR),
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = services.token_revoke(actor=request.user, token_id=token_id)
    except NotFound as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("令牌“%(name)s”（%(prefix)s…）已作废，使用它的程序将无法再访问。")
            % {"name": token.name, "prefix": token.prefix},
        )
    return redirect("accounts:tokens")


class PasswordChangeView(auth_views.PasswordChangeView):
    """One's own password: the old one, then a new one the validators accept (common
    passwords, length, likeness to one's names, all digits). This session stays signed in;
    the user's other sessions end and every API token of theirs is revoked."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:tokens")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request, _("密码已修改。您的所有 API 令牌已作废，其他设备上的登录已退出。")
        )
        return response
