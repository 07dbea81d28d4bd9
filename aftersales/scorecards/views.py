"""The scorecard page (快递考核), the penalty policy's rules and the penalties.

Views parse, check access and call one selector or service; the services check again.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from aftersales.accounts.models import Role, Shop, User
from aftersales.accounts.permissions import Perm, authorize, has_perm
from aftersales.core.errors import DomainError
from aftersales.core.validation import ascii_number
from aftersales.logistics.models import ProblemKind
from aftersales.scorecards import policies, selectors, services
from aftersales.scorecards.forms import PolicyForm
from aftersales.scorecards.models import PenaltyPolicy

PENALTY_PAGE = 50


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def _shop_choice(request: AuthedRequest) -> int | None:
    return ascii_number(request.GET.get("shop", ""))


def _month_choice(request: AuthedRequest, now: dt.datetime) -> tuple[dt.date, str | None]:
    raw = request.GET.get("month", "")
    if not raw:
        return policies.month_of(now), None
    month = policies.parse_month(raw)
    if month is None:
        return policies.month_of(now), str(policies.MSG_MONTH_INVALID)
    return month, None


def _pct(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _chart_data(card: selectors.Scorecard) -> dict:
    """What the page's charts draw, as plain JSON (``json_script``)."""
    rows = [r for r in card.rows if r.parcels]
    return {
        "carriers": [r.carrier.name for r in rows],
        "parcels": [r.parcels for r in rows],
        "kinds": [
            {"code": k, "label": str(ProblemKind(k).label), "data": [r.problems[k] for r in rows]}
            for k in card.kinds
        ],
        "months": [f"{m:%Y-%m}" for m in card.trend_months],
        "trend": [{"name": r.carrier.name, "data": [_pct(v) for v in r.trend]} for r in card.rows],
        "labels": {
            "parcels": _("发货件数"),
            "rate": _("超区率（%）"),
        },
    }


@login_required
def board(request: AuthedRequest) -> HttpResponse:
    """The month's scorecard per carrier: charts and the table beside them."""
    authorize(request.user, Perm.REPORT_VIEW)
    now = timezone.now()
    month, month_error = _month_choice(request, now)
    shop_id = _shop_choice(request)
    card = selectors.scorecard(user=request.user, month=month, shop_id=shop_id)
    parcels = sum(r.parcels for r in card.rows)
    problem_parcels = sum(r.problem_parcels for r in card.rows)
    totals = {
        "parcels": parcels,
        "problem_parcels": problem_parcels,
        "problems": [sum(r.problems[k] for r in card.rows) for k in card.kinds],
        "out_of_area_pct": policies.rate_pct(sum(r.out_of_area for r in card.rows), parcels),
        "problem_pct": policies.rate_pct(problem_parcels, parcels),
    }
    return render(
        request,
        "scorecards/board.html",
        {
            "card": card,
            "kinds": [(k, ProblemKind(k).label) for k in card.kinds],
            "totals": totals,
            "month_value": f"{month:%Y-%m}",
            "month_error": month_error,
            "shops": Shop.objects.filter(pk__in=request.user.shop_ids()).order_by("name"),
            "shop_id": shop_id,
            "chart": _chart_data(card),
            "can_manage": has_perm(request.user, Perm.CARRIER_MANAGE),
        },
    )


# --- penalties ---------------------------------------------------------------------------------


@login_required
def penalties(request: AuthedRequest) -> HttpResponse:
    qs = selectors.penalties_for(request.user)
    month_raw = request.GET.get("month", "")
    month = policies.parse_month(month_raw) if month_raw else None
    if month is not None:
        qs = qs.filter(month=month)
    shop_id = _shop_choice(request)
    if shop_id is not None:
        qs = qs.filter(shop_id=shop_id)
    page = Paginator(qs, PENALTY_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "scorecards/penalties.html",
        {
            "page": page,
            "penalties": list(page.object_list),
            "month_value": month_raw if month else "",
            "month_error": str(policies.MSG_MONTH_INVALID) if month_raw and not month else None,
            "shops": Shop.objects.filter(pk__in=request.user.shop_ids()).order_by("name"),
            "shop_id": shop_id,
            "can_reverse": has_perm(request.user, Perm.PENALTY_REVERSE),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def penalty_reverse(request: AuthedRequest, penalty_id: int) -> HttpResponse:
    try:
        penalty = services.penalty_reverse(
            penalty_id=penalty_id,
            actor=request.user,
            now=timezone.now(),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("已撤销 %(carrier)s %(month)s 的处罚：结算扣款取消，路由恢复其优先。")
            % {"carrier": penalty.carrier.name, "month": f"{penalty.month:%Y-%m}"},
        )
    url = reverse("scorecards:penalties")
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


# --- the penalty policy ------------------------------------------------------------------------


def _require_manager(request: AuthedRequest) -> None:
    if not has_perm(request.user, Perm.CARRIER_MANAGE):
        raise PermissionDenied


def _may_edit(request: AuthedRequest, policy: PenaltyPolicy) -> bool:
    return policy.shop_id is not None or request.user.has_role(Role.ADMINISTRATOR)


@login_required
def policy_list(request: AuthedRequest) -> HttpResponse:
    _require_manager(request)
    rows = [(p, _may_edit(request, p)) for p in selectors.policies_for(request.user)]
    return render(request, "scorecards/policies.html", {"rows": rows})


def _attach_error(form: PolicyForm, exc: DomainError) -> None:
    name = (exc.field or "").removesuffix("_id")
    form.add_error(name if name in form.fields else None, str(exc.message))


@login_required
def policy_new(request: AuthedRequest) -> HttpResponse:
    _require_manager(request)
    form = PolicyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.penalty_policy_create(actor=request.user, now=timezone.now(), **form.values())
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            _attach_error(form, exc)
        else:
            messages.success(request, _("考核规则已创建。"))
            return redirect("scorecards:policies")
    return render(
        request,
        "scorecards/policy_form.html",
        {"form": form, "policy": None},
        status=422 if form.errors else 200,
    )


@login_required
def policy_edit(request: AuthedRequest, policy_id: int) -> HttpResponse:
    _require_manager(request)
    policy = selectors.policy_get(user=request.user, policy_id=policy_id)
    if not _may_edit(request, policy):
        raise PermissionDenied
    form = PolicyForm(request.POST or None, instance=policy, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        values.pop("shop_id")
        try:
            services.penalty_policy_update(
                actor=request.user, policy_id=policy_id, now=timezone.now(), **values
            )
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            _attach_error(form, exc)
        else:
            messages.success(request, _("考核规则已保存。"))
            return redirect("scorecards:policies")
    return render(
        request,
        "scorecards/policy_form.html",
        {"form": form, "policy": policy},
        status=422 if form.errors else 200,
    )
