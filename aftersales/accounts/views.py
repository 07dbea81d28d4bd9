"""Workbench pages of accounts: the log of who opened buyers' contact details."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Perm, has_perm
from aftersales.accounts.selectors import contact_reveals_for

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
    raw_page = get.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and len(raw_page) < 7 else 1
    page = max(page, 1)
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
