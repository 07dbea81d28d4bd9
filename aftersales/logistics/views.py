"""The courier area's workbench: carriers' coverage, outlet suspensions and contingency plans
(CARRIER_MANAGE), imports, the shop's routes and an address check (ROUTING_MANAGE), and the
pre-ship flags the agent works through (ORDER_VIEW; settling: CASE_NOTE).

Views check the permission first (403), then the form, then call one service, which checks
again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from aftersales.accounts.permissions import Perm, has_perm
from aftersales.core.errors import DomainError, NotFound
from aftersales.core.models import Carrier
from aftersales.core.validation import ascii_number, query_text
from aftersales.logistics import forms
from aftersales.logistics.models import FlagReason, ProblemKind
from aftersales.logistics.services import coverage as svc
from aftersales.logistics.services import flags as flag_svc
from aftersales.logistics.services import imports as import_svc
from aftersales.logistics.services import routes as route_svc
from aftersales.logistics.services.address import parse_address
from aftersales.logistics.services.routing import RoutingBook, decide_many

PAGE_SIZE = 50
FLAG_PAGE_SIZE = 20

MSG_CONFIRM_DELETE = gettext_lazy("请在确认后再删除。")


def _require(request: HttpRequest, perm: Perm) -> None:
    if not has_perm(request.user, perm):  # type: ignore[arg-type]
        raise PermissionDenied


def _attach(form: Any, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    if exc.field == "carrier_id" and "carrier" in form.fields:
        field = "carrier"
    if exc.field == "carrier_ids" and "carrier_1" in form.fields:
        field = "carrier_1"
    form.add_error(field, str(exc.message))


def _page(request: HttpRequest, qs: Any, size: int = PAGE_SIZE) -> Any:
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _done(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _nav(request: HttpRequest) -> dict[str, bool]:
    user = request.user
    return {
        "can_manage_carriers": has_perm(user, Perm.CARRIER_MANAGE),  # type: ignore[arg-type]
        "can_manage_routes": has_perm(user, Perm.ROUTING_MANAGE),  # type: ignore[arg-type]
    }


def _form_page(
    request: HttpRequest,
    *,
    form: Any,
    save: Callable[[dict[str, Any]], Any],
    done_url: str,
    done_message: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            save(form.values())
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            _attach(form, exc)
        else:
            messages.success(request, done_message)
            return redirect(done_url)
    return render(
        request,
        template,
        {"form": form, **_nav(request), **context},
        status=422 if form.errors else 200,
    )


def _delete(request: HttpRequest, delete: Callable[[], None], done_url: str, message: str):
    if request.POST.get("confirmed") != "1":
        messages.error(request, str(MSG_CONFIRM_DELETE))
        return render(
            request,
            "logistics/_refused.html",
            {"message": MSG_CONFIRM_DELETE, "back": done_url},
            status=422,
        )
    try:
        delete()
    except NotFound:
        raise Http404 from None
    messages.success(request, message)
    return _done(request, done_url)


# --- coverage --------------------------------------------------------------------------------


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.CARRIER_MANAGE)
    qs = svc.coverage_rules(request.user)  # type: ignore[arg-type]
    carrier = query_text(request.GET.get("carrier", ""))
    q = query_text(request.GET.get("q", "")).strip()
    carrier_id = ascii_number(carrier)
    if carrier_id is not None:
        qs = qs.filter(carrier_id=carrier_id)
    if q:
        qs = (
            qs.filter(province__contains=q)
            | qs.filter(city__contains=q)
            | qs.filter(district__contains=q)
        )
    context = {
        "page": _page(request, qs),
        "carriers": Carrier.objects.order_by("name"),
        "carrier": carrier,
        "q": q,
        "tab": "coverage",
        **_nav(request),
    }
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "coverage-table":
        return render(request, "logistics/_coverage_table.html", context)
    return render(request, "logistics/coverage.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def coverage_new(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.CARRIER_MANAGE)
    form = forms.CoverageForm(request.POST or None)
    return _form_page(
        request,
        form=form,
        save=lambda v: svc.coverage_rule_create(actor=request.user, now=timezone.now(), **v),
        done_url=reverse("logistics:coverage"),
        done_message=_("覆盖规则已保存。"),
        template="logistics/form.html",
        context={
            "title": _("新建覆盖规则"),
            "back": reverse("logistics:coverage"),
            "tab": "coverage",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def coverage_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    _require(request, Perm.CARRIER_MANAGE)
    rule = svc.coverage_rule_get(request.user, rule_id)  # type: ignore[arg-type]
    form = forms.CoverageForm(request.POST or None, instance=rule)
    return _form_page(
        request,
        form=form,
        save=lambda v: svc.coverage_rule_update(
            actor=request.user, rule_id=rule_id, now=timezone.now(), **v
        ),
        done_url=reverse("logistics:coverage"),
        done_message=_("覆盖规则已保存。"),
        template="logistics/form.html",
        context={
            "title": _("编辑覆盖规则"),
            "back": reverse("logistics:coverage"),
            "tab": "coverage",
        },
    )


@login_required
@require_POST
def coverage_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    _require(request, Perm.CARRIER_MANAGE)
    return _delete(
        request,
        lambda: svc.coverage_rule_delete(actor=request.user, rule_id=rule_id),
        reverse("logistics:coverage"),
        _("覆盖规则已删除。"),
    )


# --- suspensions -----------------------------------------------------------------------------


@login_required
def suspensions(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.CARRIER_MANAGE)
    qs = svc.suspensions(request.user)  # type: ignore[arg-type]
    today = timezone.localdate()
    if request.GET.get("current") == "1":
        qs = qs.filter(ends_on__gte=today)
    return render(
        request,
        "logistics/suspensions.html",
        {
            "page": _page(request, qs),
            "today": today,
            "current": request.GET.get("current") == "1",
            "tab": "suspensions",
            **_nav(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def suspension_new(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.CARRIER_MANAGE)
    form = forms.SuspensionForm(request.POST or None)
    back = reverse("logistics:suspensions")
    return _form_page(
        request,
        form=form,
        save=lambda v: svc.suspension_create(actor=request.user, now=timezone.now(), **v),
        done_url=back,
        done_message=_("网点暂停已保存。"),
        template="logistics/form.html",
        context={"title": _("登记网点暂停"), "back": back, "tab": "suspensions"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def suspension_edit(request: HttpRequest, suspension_id: int) -> HttpResponse:
    _require(request, Perm.CARRIER_MANAGE)
    found = svc.suspension_get(request.user, suspension_id)  # type: ignore[arg-type]
    form = forms.SuspensionForm(request.POST or None, instance=found)
    back = reverse("logistics:suspensions")
    return _form_page(
        request,
        form=form,
        save=lambda v: svc.suspension_update(
            actor=request.user, suspension_id=suspension_id, now=timezone.now(), **v
        ),
        done_url=back,
        done_message=_("网点暂停已保存。"),
        template="logistics/form.html",
        context={"title": _("编辑网点暂停"), "back": back, "tab": "suspensions"},
    )


@login_required
@require_POST
def suspension_delete(request: HttpRequest, suspension_id: int) -> HttpResponse:
    _require(request, Perm.CARRIER_MANAGE)
    return _delete(
        request,
        lambda: svc.suspension_delete(actor=request.user, suspension_id=suspension_id),
        reverse("logistics:suspensions"),
        _("网点暂停已删除。"),
    )


# --- contingency plans -----------------------------------------------------------------------


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.CARRIER_MANAGE)
    rows = list(svc.plans(request.user))  # type: ignore[arg-type]
    by_pair = {(p.carrier_id, p.problem_kind): p for p in rows}
    carriers = list(Carrier.objects.order_by("name"))
    grid = [
        (c, [(kind, label, by_pair.get((c.pk, kind))) for kind, label in ProblemKind.choices])
        for c in carriers
    ]
    return render(
        request,
        "logistics/plans.html",
        {"grid": grid, "kinds": ProblemKind.choices, "tab": "plans", **_nav(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.CARRIER_MANAGE)
    initial = {k: request.GET[k] for k in ("carrier", "problem_kind") if k in request.GET}
    form = forms.PlanForm(request.POST or None, initial=initial)
    back = reverse("logistics:plans")
    return _form_page(
        request,
        form=form,
        save=lambda v: svc.plan_create(actor=request.user, now=timezone.now(), **v),
        done_url=back,
        done_message=_("应急预案已保存。"),
        template="logistics/form.html",
        context={"title": _("新建应急预案"), "back": back, "tab": "plans"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    _require(request, Perm.CARRIER_MANAGE)
    plan = svc.plan_get(request.user, plan_id)  # type: ignore[arg-type]
    form = forms.PlanForm(request.POST or None, instance=plan)
    back = reverse("logistics:plans")

    def save(values: dict[str, Any]) -> Any:
        return svc.plan_update(
            actor=request.user,
            plan_id=plan_id,
            now=timezone.now(),
            action=values["action"],
            note=values["note"],
        )

    return _form_page(
        request,
        form=form,
        save=save,
        done_url=back,
        done_message=_("应急预案已保存。"),
        template="logistics/form.html",
        context={"title": _("编辑应急预案"), "back": back, "tab": "plans"},
    )


@login_required
@require_POST
def plan_delete(request: HttpRequest, plan_id: int) -> HttpResponse:
    _require(request, Perm.CARRIER_MANAGE)
    return _delete(
        request,
        lambda: svc.plan_delete(actor=request.user, plan_id=plan_id),
        reverse("logistics:plans"),
        _("应急预案已删除。"),
    )


# --- imports ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.CARRIER_MANAGE)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    problems: list[Any] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            run = (
                import_svc.coverage_import
                if form.cleaned_data["kind"] == "coverage"
                else import_svc.suspension_import
            )
            try:
                result = run(
                    actor=request.user, upload=form.cleaned_data["file"], now=timezone.now()
                )
            except import_svc.ImportRefused as exc:
                form.add_error(None, str(exc.message))
                problems = exc.problems
            except DomainError as exc:
                _attach(form, exc)
            else:
                messages.success(
                    request,
                    _("已导入 %(rows)s 行：新增 %(created)s，更新 %(updated)s。")
                    % {"rows": result.rows, "created": result.created, "updated": result.updated},
                )
                target = "coverage" if form.cleaned_data["kind"] == "coverage" else "suspensions"
                return redirect(f"logistics:{target}")
        status = 422
    return render(
        request,
        "logistics/import.html",
        {
            "form": form,
            "problems": problems,
            "tab": "import",
            "coverage_columns": import_svc.COVERAGE_REQUIRED + import_svc.COVERAGE_OPTIONAL,
            "suspension_columns": import_svc.SUSPENSION_REQUIRED + import_svc.SUSPENSION_OPTIONAL,
            **_nav(request),
        },
        status=status,
    )


# --- routes ----------------------------------------------------------------------------------


def _check(request: HttpRequest) -> dict[str, Any]:
    """The address check on the routes page: a typed address parsed, and what routing
    decides for it in the chosen shop now."""
    form = forms.RouteCheckForm(
        request.GET if "address" in request.GET else None, user=request.user
    )  # type: ignore[arg-type]
    if not form.is_bound or not form.is_valid():
        return {"check_form": form}
    parsed = parse_address(form.cleaned_data["address"])
    shop = form.cleaned_data["shop"]
    now = timezone.now()
    book = RoutingBook(shop_ids=[shop.pk], provinces=[parsed.province], now=now)
    return {"check_form": form, "parsed": parsed, "decision": book.decide(shop.pk, parsed.region)}


@login_required
def routes(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.ROUTING_MANAGE)
    rows = route_svc.routes_for(request.user)  # type: ignore[arg-type]
    context = {
        "page": _page(request, rows),
        "tab": "routes",
        "revocations": route_svc.revocations_in_force(request.user, now=timezone.now()),  # type: ignore[arg-type]
        **_check(request),
        **_nav(request),
    }
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "route-check":
        return render(request, "logistics/_route_check.html", context)
    return render(request, "logistics/routes.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def route_new(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.ROUTING_MANAGE)
    form = forms.RouteForm(request.POST or None, user=request.user)  # type: ignore[arg-type]
    back = reverse("logistics:routes")
    return _form_page(
        request,
        form=form,
        save=lambda v: route_svc.route_create(actor=request.user, now=timezone.now(), **v),
        done_url=back,
        done_message=_("路由已保存。"),
        template="logistics/form.html",
        context={"title": _("新建发货路由"), "back": back, "tab": "routes"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def route_edit(request: HttpRequest, route_id: int) -> HttpResponse:
    _require(request, Perm.ROUTING_MANAGE)
    route = route_svc.route_get(request.user, route_id)  # type: ignore[arg-type]
    form = forms.RouteForm(request.POST or None, user=request.user, instance=route)  # type: ignore[arg-type]
    back = reverse("logistics:routes")

    def save(values: dict[str, Any]) -> Any:
        values.pop("shop_id")
        return route_svc.route_update(
            actor=request.user, route_id=route_id, now=timezone.now(), **values
        )

    return _form_page(
        request,
        form=form,
        save=save,
        done_url=back,
        done_message=_("路由已保存。"),
        template="logistics/form.html",
        context={"title": _("编辑发货路由"), "back": back, "tab": "routes"},
    )


@login_required
@require_POST
def route_delete(request: HttpRequest, route_id: int) -> HttpResponse:
    _require(request, Perm.ROUTING_MANAGE)
    return _delete(
        request,
        lambda: route_svc.route_delete(actor=request.user, route_id=route_id),
        reverse("logistics:routes"),
        _("路由已删除。"),
    )


# --- pre-ship flags --------------------------------------------------------------------------


def _flag_rows(flags: list[Any]) -> list[dict[str, Any]]:
    """Each flag with the routing's reasons now, for the page's rows (a fixed number of
    queries for the page, whatever its length)."""
    decisions = decide_many([f.order for f in flags], now=timezone.now())
    return [{"flag": f, "decision": decisions[f.order_id]} for f in flags]


@login_required
def preship(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.ORDER_VIEW)
    qs = flag_svc.open_flags(request.user)  # type: ignore[arg-type]
    reason = request.GET.get("reason", "")
    if reason in FlagReason.values:
        qs = qs.filter(reason=reason)
    page = _page(request, qs, FLAG_PAGE_SIZE)
    return render(
        request,
        "logistics/preship.html",
        {
            "page": page,
            "rows": _flag_rows(list(page.object_list)),
            "reasons": FlagReason.choices,
            "reason": reason,
            "can_settle": has_perm(request.user, flag_svc.SETTLE_PERM),  # type: ignore[arg-type]
            "settle_form": forms.SettleForm(),
            **_nav(request),
        },
    )


@login_required
@require_POST
def preship_settle(request: HttpRequest, flag_id: int) -> HttpResponse:
    _require(request, Perm.ORDER_VIEW)
    try:
        flag = flag_svc.flag_get(request.user, flag_id)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    _require(request, flag_svc.SETTLE_PERM)
    form = forms.SettleForm(request.POST)
    error = None
    if form.is_valid():
        try:
            flag = flag_svc.flag_settle(
                actor=request.user,  # type: ignore[arg-type]
                flag_id=flag_id,
                note=form.cleaned_data["note"],
                now=timezone.now(),
            )
        except DomainError as exc:
            error = str(exc.message)
    else:
        error = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    if getattr(request, "htmx", False):
        row = {"flag": flag, "decision": None}
        return render(
            request,
            "logistics/_preship_row.html",
            {"row": row, "error": error, "can_settle": True, "settle_form": form},
            status=422 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("预警已处理。"))
    return redirect("logistics:preship")
