"""The inbox: one queue of every kind of case, what is due first; tabs by stage with live
counts, each role's own queue, taking a case and handing out several at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.accounts.models import Role, User
from aftersales.accounts.permissions import MSG_NOT_FOUND, Perm, has_perm
from aftersales.cases import selectors, services
from aftersales.cases.models import Case
from aftersales.cases.registry import registry
from aftersales.core.errors import DomainError, NotFound, PermissionDeniedError
from aftersales.core.money import to_money
from aftersales.core.validation import ascii_number, query_page, query_text

PAGE_SIZE = 50
# Only what the inbox table shows: a page of 50 rows should not load every column of four tables.
INBOX_COLUMNS = (
    "number",
    "kind",
    "status",
    "priority",
    "due_at",
    "escalated_at",
    "is_open",
    "version",
    "created_at",
    "updated_at",
    "shop__name",
    "order__order_no",
    "order__buyer_nick",
    "assignee__username",
    "assignee__display_name",
)

# What the tab of each role's own queue holds, said under the tabs.
QUEUE_HINTS = {
    Role.AGENT: gettext_lazy("分配给我的，以及未分配的待处理、退款失败的售后单"),
    Role.WAREHOUSE: gettext_lazy("买家已寄回、正在退回仓库的包裹"),
    Role.SUPERVISOR: gettext_lazy("分配给我的，以及超时升级给主管的售后单"),
}


def _tab(request: HttpRequest) -> str:
    """The tab asked for, or the one the user's roles open on."""
    tab = request.GET.get("stage", "")
    return tab if tab in selectors.TABS else selectors.default_tab(request.user)


def _filters(request: HttpRequest) -> tuple[selectors.InboxFilters, str]:
    """The filters the request asks for, and the tab shown. A search looks through every
    stage (and closed cases): no tab is active while it is on."""
    get = request.GET
    shop = get.get("shop", "")
    # A NUL in a filter is a 400 (query_text); a shop that is no id is no filter, as before.
    q = query_text(get.get("q", "")).strip()
    tab = _tab(request)
    filters = selectors.InboxFilters(
        kind=query_text(get.get("kind", "")),
        status=query_text(get.get("status", "")),
        assignee=query_text(get.get("assignee", "")),
        q=q,
        overdue=get.get("overdue") == "1",
        escalated=get.get("escalated") == "1",
        include_closed=get.get("closed") == "1",
        shop=ascii_number(shop),
        stage="" if q else tab,
    )
    return filters, "" if q else tab


def _ago(moment: dt.datetime, now: dt.datetime) -> str:
    """How long ago, in the largest whole unit, written as the countdowns write time."""
    minutes = int((now - moment).total_seconds() // 60)
    if minutes < 1:
        return _("刚刚")
    if minutes < 60:
        return _("%(n)s分钟前") % {"n": minutes}
    if minutes < 24 * 60:
        return _("%(n)s小时前") % {"n": minutes // 60}
    return _("%(n)s天前") % {"n": minutes // (24 * 60)}


def _rows(cases: list[Case], now: dt.datetime) -> list[Case]:
    for case in cases:
        case.updated_ago = _ago(case.updated_at, now)
        # SQLite gives an annotated decimal back unscaled (5.5): two places, as money is shown.
        if case.inbox_amount is not None:
            case.inbox_amount = to_money(case.inbox_amount)
    return cases


def _queue_hint(user: User) -> str:
    return " / ".join(str(hint) for role, hint in QUEUE_HINTS.items() if user.has_role(role))


def _multi_shop(user: User) -> bool:
    """Whether the user works for several shops: only then is the shop a column and a filter.
    (``shop_ids`` is cached by the query that read the cases.)"""
    return len(user.shop_ids()) > 1


def _tabs(counts: dict[str, int], active: str) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "label": selectors.TAB_LABELS[code],
            "count": counts[code],
            "active": code == active,
            # Red where someone must act now: money that did not reach the buyer, deadlines
            # already missed.
            "alert": code in (selectors.OVERDUE, "refund_failed") and counts[code] > 0,
        }
        for code in selectors.TABS
    ]


def _countdown_formats() -> dict[str, str]:
    """The countdown's words, in the user's language, for the script that keeps them ticking
    (static/js/inbox.js); the same messages the server's countdown tag uses."""
    return {
        "overdue": _("已超时 %(text)s") % {"text": "{t}"},
        "left": _("剩 %(text)s") % {"text": "{t}"},
        "days": _("%(d)s天%(h)s小时") % {"d": "{d}", "h": "{h}"},
        "hours": _("%(h)s小时%(m)s分") % {"h": "{h}", "m": "{m}"},
        "minutes": _("%(m)s分钟") % {"m": "{m}"},
    }


def _tabs_context(
    request: HttpRequest, filters: selectors.InboxFilters, tab: str, now: dt.datetime
) -> dict[str, Any]:
    counts = selectors.inbox_counts(user=request.user, filters=filters, now=now)
    return {"tabs": _tabs(counts, tab), "tab": tab}


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    filters, tab = _filters(request)
    page = query_page(request.GET.get("page", "1"), page_size=PAGE_SIZE)
    offset = (page - 1) * PAGE_SIZE
    # One row more than a page tells whether there is a next page without counting millions.
    rows = list(
        selectors.inbox(user=request.user, filters=filters, now=now).only(*INBOX_COLUMNS)[
            offset : offset + PAGE_SIZE + 1
        ]
    )
    can_assign = has_perm(request.user, Perm.CASE_ASSIGN)
    context = {
        # The tab the filter form keeps while a search is on: clearing it comes back there.
        "stage_param": _tab(request),
        "multi_shop": _multi_shop(request.user),
        "can_decide": has_perm(request.user, Perm.APPROVAL_DECIDE),
        "cases": _rows(rows[:PAGE_SIZE], now),
        "has_next": len(rows) > PAGE_SIZE,
        "page": page,
        "filters": filters,
        "now": now,
        "kinds": registry.kind_choices(),
        "statuses": registry.status_choices(),
        "shops": request.user.shops.order_by("name"),
        "can_assign": can_assign,
        "staff": selectors.assignable_staff(request.user) if can_assign else [],
        "queue_hint": _queue_hint(request.user),
        "countdown_formats": _countdown_formats(),
        **_tabs_context(request, filters, tab, now),
    }
    template = "cases/_inbox_main.html" if request.htmx else "cases/inbox.html"
    return render(request, template, context)


@login_required
def inbox_tabs(request: HttpRequest) -> HttpResponse:
    """The tabs again with fresh counts: polled by the inbox every 30 seconds and after a
    case changes hands."""
    filters, tab = _filters(request)
    return render(
        request, "cases/_inbox_tabs.html", _tabs_context(request, filters, tab, timezone.now())
    )


def _row_response(request: HttpRequest, case_id: int, *, error: str = "") -> HttpResponse:
    now = timezone.now()
    case = _rows(list(selectors.inbox_rows(user=request.user, case_ids=[case_id])), now)[0]
    response = render(
        request,
        "cases/_inbox_row.html",
        {
            "c": case,
            "now": now,
            "can_assign": True,
            "multi_shop": _multi_shop(request.user),
            "row_error": error,
        },
    )
    if not error:
        # The tabs' counts follow (my queue, the unassigned).
        response["HX-Trigger"] = "inbox-changed"
    return response


@login_required
@require_POST
def case_take(request: HttpRequest, case_id: int) -> HttpResponse:
    """领取: the row comes back as it now stands, or saying who was quicker."""
    case = selectors.case_get(user=request.user, case_id=case_id)
    try:
        services.case_take(case_id=case.pk, actor=request.user, now=timezone.now())
    except (PermissionDeniedError, NotFound):
        raise
    except DomainError as exc:
        if not request.htmx:
            messages.error(request, str(exc.message))
            return redirect("cases:inbox")
        return _row_response(request, case.pk, error=str(exc.message))
    if not request.htmx:
        messages.success(request, _("已领取 %(number)s。") % {"number": case.number})
        return redirect("cases:inbox")
    return _row_response(request, case.pk)


@login_required
@require_POST
def cases_assign(request: HttpRequest) -> HttpResponse:
    """分配给…: the ticked rows to one person (or to nobody), all or none. Through htmx the
    changed rows are swapped in place and the outcome is said above the table."""
    case_ids = sorted({n for v in request.POST.getlist("case") if (n := ascii_number(v))})
    # Another shop's case is not found, before anything else is said about the request.
    if selectors.cases_for(request.user).filter(pk__in=case_ids).count() != len(case_ids):
        raise NotFound(MSG_NOT_FOUND)
    raw = request.POST.get("assignee", "")
    error = ""
    assignee: User | None = None
    if raw.isdigit():
        assignee = (
            selectors.assignable_staff(request.user).filter(pk=ascii_number(raw) or 0).first()
        )
        if assignee is None:
            error = str(services.MSG_ASSIGNEE_NOT_STAFF)
    elif raw != "none":
        error = _("请选择要分配给谁。")
    cases: list[Case] = []
    if not error:
        try:
            cases = services.cases_assign_many(
                case_ids=case_ids, assignee=assignee, actor=request.user, now=timezone.now()
            )
        except (PermissionDeniedError, NotFound):
            raise
        except DomainError as exc:
            error = str(exc.message)
    if error:
        said = error
    elif assignee is None:
        said = _("已将 %(count)s 个售后单取消分配。") % {"count": len(cases)}
    else:
        said = _("已将 %(count)s 个售后单分配给 %(person)s。") % {
            "count": len(cases),
            "person": assignee,
        }
    if not request.htmx:
        (messages.error if error else messages.success)(request, said)
        return redirect("cases:inbox")
    now = timezone.now()
    rows = (
        _rows(list(selectors.inbox_rows(user=request.user, case_ids=case_ids)), now)
        if cases
        else []
    )
    response = render(
        request,
        "cases/_inbox_assigned.html",
        {
            "said": said,
            "error": bool(error),
            "rows": rows,
            "now": now,
            "can_assign": True,
            "multi_shop": _multi_shop(request.user),
        },
    )
    if not error:
        response["HX-Trigger"] = "inbox-changed"
    return response
