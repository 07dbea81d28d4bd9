"""The inbox: one queue of every kind of case, what is due first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from aftersales.cases import selectors
from aftersales.cases.registry import registry

PAGE_SIZE = 50
# Only what the inbox table shows: a page of 50 rows should not load every column of four tables.
INBOX_COLUMNS = (
    "number",
    "kind",
    "status",
    "priority",
    "due_at",
    "escalated_at",
    "shop__name",
    "order__order_no",
    "order__buyer_nick",
    "assignee__username",
    "assignee__display_name",
)


def _filters(request: HttpRequest) -> selectors.InboxFilters:
    get = request.GET
    shop = get.get("shop", "")
    return selectors.InboxFilters(
        kind=get.get("kind", ""),
        status=get.get("status", ""),
        assignee=get.get("assignee", ""),
        q=get.get("q", ""),
        overdue=get.get("overdue") == "1",
        escalated=get.get("escalated") == "1",
        include_closed=get.get("closed") == "1",
        shop=int(shop) if shop.isdigit() else None,
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    filters = _filters(request)
    raw_page = request.GET.get("page", "1")
    page = max(int(raw_page), 1) if raw_page.isdigit() else 1
    offset = (page - 1) * PAGE_SIZE
    # One row more than a page tells whether there is a next page without counting millions.
    rows = list(
        selectors.inbox(user=request.user, filters=filters, now=now).only(*INBOX_COLUMNS)[
            offset : offset + PAGE_SIZE + 1
        ]
    )
    context = {
        "cases": rows[:PAGE_SIZE],
        "has_next": len(rows) > PAGE_SIZE,
        "page": page,
        "filters": filters,
        "now": now,
        "kinds": registry.kind_choices(),
        "statuses": registry.status_choices(),
        "shops": request.user.shops.all(),
        "query": request.GET.urlencode(),
    }
    template = "cases/_inbox_table.html" if request.htmx else "cases/inbox.html"
    return render(request, template, context)


