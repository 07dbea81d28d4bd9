"""The agents' queue of follow-ups (跟踪任务), one follow-up's work panel, opening a case from
it, the rules page, and the order page's panel.

Views parse, check access and call one service; the services check again. A follow-up's
forms are htmx posts that answer with the work panel again (with what went wrong, if
anything); without htmx they redirect back with a message.
"""

from __future__ import annotations

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
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Perm, has_perm
from aftersales.cases.registry import registry
from aftersales.core.errors import DomainError, NotFound, PermissionDeniedError
from aftersales.orders.models import Order
from aftersales.watch import selectors, services
from aftersales.watch.forms import (
    ContactForm,
    DismissForm,
    OpenCaseContactForm,
    ResolveForm,
    WatchRuleForm,
)
from aftersales.watch.models import FollowUpKind, FollowUpStatus

PAGE_SIZE = 25


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


# --- the queue ---------------------------------------------------------------------------------


@login_required
def queue(request: AuthedRequest) -> HttpResponse:
    """Open follow-ups of the user's shops, what is due first; by kind, or only mine."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in FollowUpKind.values else ""
    mine = request.GET.get("mine") == "1"
    qs = selectors.with_columns(selectors.followup_queue(request.user, kind=kind, mine=mine))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "watch/queue.html",
        {
            "page": page,
            "followups": list(page.object_list),
            "kinds": FollowUpKind.choices,
            "kind": kind,
            "mine": mine,
            "now": timezone.now(),
            "can_manage_rules": has_perm(request.user, services.RULE_PERM),
        },
    )


# --- one follow-up -------------------------------------------------------------------------------


def _work_context(request: AuthedRequest, followup_id: int, **extra: Any) -> dict[str, Any]:
    followup = selectors.followup_get(user=request.user, followup_id=followup_id)
    return {
        "f": followup,
        "now": timezone.now(),
        "contact_form": extra.pop("contact_form", None) or ContactForm(prefix=f"c{followup.pk}"),
        "resolve_form": extra.pop("resolve_form", None) or ResolveForm(prefix=f"r{followup.pk}"),
        "dismiss_form": extra.pop("dismiss_form", None) or DismissForm(prefix=f"d{followup.pk}"),
        "can_open_case": has_perm(request.user, Perm.CASE_OPEN),
        "open": FollowUpStatus.OPEN,
        **extra,
    }


def _work(request: AuthedRequest, followup_id: int, **extra: Any) -> HttpResponse:
    return render(request, "watch/_work.html", _work_context(request, followup_id, **extra))


@login_required
def detail(request: AuthedRequest, followup_id: int) -> HttpResponse:
    """One follow-up: what raised it, its contacts, and its forms (the panel alone for htmx)."""
    if request.htmx:
        return _work(request, followup_id)
    return render(request, "watch/detail.html", _work_context(request, followup_id))


def _answer(
    request: AuthedRequest, followup_id: int, *, error: str | None, done: str, **forms: Any
) -> HttpResponse:
    if request.htmx:
        return _work(request, followup_id, error=error, notice=None if error else done, **forms)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("watch:detail", followup_id)


def _call(fn, **kwargs) -> str | None:
    """Run a service; a refusal of the rules is said, a missing record or role is not ours to
    explain (404, 403)."""
    try:
        fn(**kwargs)
    except (NotFound, PermissionDeniedError):
        raise
    except DomainError as exc:
        return str(exc.message)
    return None


@login_required
@require_POST
def take(request: AuthedRequest, followup_id: int) -> HttpResponse:
    error = _call(
        services.followup_take,
        actor=request.user,
        followup_id=followup_id,
        now=timezone.now(),
    )
    if request.htmx and request.POST.get("from") == "queue":
        # The queue's row, with its new follow-up person.
        followup = selectors.followup_get(user=request.user, followup_id=followup_id)
        return render(
            request,
            "watch/_queue_row.html",
            {"f": followup, "now": timezone.now(), "error": error},
        )
    return _answer(request, followup_id, error=error, done=_("已由您跟进。"))


@login_required
@require_POST
def contact(request: AuthedRequest, followup_id: int) -> HttpResponse:
    form = ContactForm(request.POST, prefix=f"c{followup_id}")
    error = None
    if form.is_valid():
        error = _call(
            services.followup_log_contact,
            actor=request.user,
            followup_id=followup_id,
            now=timezone.now(),
            **form.cleaned_data,
        )
        if error is None:
            form = ContactForm(prefix=f"c{followup_id}")
    else:
        # The role and the shop are checked before what the form says.
        _precheck(request, followup_id)
        error = _("请检查填写的内容。")
    return _answer(request, followup_id, error=error, done=_("联系记录已保存。"), contact_form=form)


@login_required
@require_POST
def resolve(request: AuthedRequest, followup_id: int) -> HttpResponse:
    form = ResolveForm(request.POST, prefix=f"r{followup_id}")
    if not form.is_valid():
        _precheck(request, followup_id)
        return _answer(
            request, followup_id, error=_("请填写处理结果。"), done="", resolve_form=form
        )
    error = _call(
        services.followup_resolve,
        actor=request.user,
        followup_id=followup_id,
        now=timezone.now(),
        result=form.cleaned_data["result"],
    )
    return _answer(request, followup_id, error=error, done=_("跟踪任务已处理。"))


@login_required
@require_POST
def dismiss(request: AuthedRequest, followup_id: int) -> HttpResponse:
    form = DismissForm(request.POST, prefix=f"d{followup_id}")
    if not form.is_valid():
        _precheck(request, followup_id)
        return _answer(
            request, followup_id, error=_("请填写忽略原因。"), done="", dismiss_form=form
        )
    error = _call(
        services.followup_dismiss,
        actor=request.user,
        followup_id=followup_id,
        now=timezone.now(),
        reason=form.cleaned_data["reason"],
    )
    return _answer(request, followup_id, error=error, done=_("跟踪任务已忽略。"))


def _precheck(request: AuthedRequest, followup_id: int) -> None:
    """404 for a follow-up the user cannot see, 403 for a role that does not work them."""
    selectors.followup_get(user=request.user, followup_id=followup_id)


@login_required
def open_case(request: AuthedRequest, followup_id: int) -> HttpResponse:
    """Open a case on the follow-up's order with the form of the area whose kinds are chosen
    (the first area's unless ``?area=`` names another), then the follow-up is done."""
    followup = selectors.followup_get(user=request.user, followup_id=followup_id)
    order = followup.order
    openers = [o for o in registry.openers() if o.form is not None]
    if not openers:
        raise Http404
    raw = request.GET.get("area", "0")
    index = int(raw) if raw.isdigit() and int(raw) < len(openers) else 0
    opener = openers[index]
    data = request.POST if request.method == "POST" else None
    form = opener.form(data, order=order)
    contact_form = OpenCaseContactForm(data)
    if request.method == "POST":
        if followup.status != FollowUpStatus.OPEN:
            messages.error(request, str(services.MSG_CLOSED))
            return redirect("watch:detail", followup.pk)
        if not has_perm(request.user, Perm.FOLLOWUP_WORK):
            raise PermissionDenied
        if form.is_valid() and contact_form.is_valid():
            try:
                case = services.followup_open_case(
                    actor=request.user,
                    followup_id=followup.pk,
                    kind=form.cleaned_data["kind"],
                    lines=form.selected_lines(),
                    # A case opened from the workbench is its opener's to work.
                    data={**form.cleaned_data, "assignee": request.user},
                    now=timezone.now(),
                    channel=contact_form.cleaned_data["contact_channel"],
                    summary=contact_form.cleaned_data["contact_summary"],
                )
            except (NotFound, PermissionDeniedError):
                raise
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, str(exc.message))
            else:
                messages.success(
                    request,
                    _("售后单 %(number)s 已创建，跟踪任务已处理。") % {"number": case.number},
                )
                if request.htmx:
                    return HttpResponseClientRedirect(reverse("cases:detail", args=[case.pk]))
                return redirect("cases:detail", case.pk)
    areas = [(i, ", ".join(registry.kind_label(k) for k in o.kinds)) for i, o in enumerate(openers)]
    return render(
        request,
        "watch/open_case.html",
        {
            "f": followup,
            "order": order,
            "form": form,
            "contact_form": contact_form,
            "areas": areas,
            "area": index,
        },
        # htmx swaps only a 2xx: the form comes back with its errors as 200 there.
        status=422 if (form.errors or contact_form.errors) and not request.htmx else 200,
    )


# --- rules -------------------------------------------------------------------------------------


def _require_rule_manager(request: AuthedRequest) -> None:
    if not has_perm(request.user, services.RULE_PERM):
        raise PermissionDenied


@login_required
def rules(request: AuthedRequest) -> HttpResponse:
    _require_rule_manager(request)
    return render(
        request,
        "watch/rules.html",
        {"rules": list(selectors.watch_rules_for(request.user))},
    )


@login_required
def rule_new(request: AuthedRequest) -> HttpResponse:
    _require_rule_manager(request)
    form = WatchRuleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.watch_rule_create(
                actor=request.user,
                shop_id=form.shop_id(),
                kind=form.cleaned_data["kind"],
                threshold_hours=form.cleaned_data["threshold_hours"],
                due_hours=form.cleaned_data["due_hours"],
                note=form.cleaned_data["note"],
                is_active=form.cleaned_data["is_active"],
                now=timezone.now(),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("跟踪规则已保存。"))
            return redirect("watch:rules")
    return render(
        request,
        "watch/rule_form.html",
        {"form": form, "rule": None},
        status=422 if form.errors else 200,
    )


@login_required
def rule_edit(request: AuthedRequest, rule_id: int) -> HttpResponse:
    _require_rule_manager(request)
    rule = selectors.watch_rule_get(user=request.user, rule_id=rule_id)
    form = WatchRuleForm(request.POST or None, user=request.user, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.watch_rule_update(
                actor=request.user,
                rule_id=rule.pk,
                threshold_hours=form.cleaned_data["threshold_hours"],
                due_hours=form.cleaned_data["due_hours"],
                note=form.cleaned_data["note"],
                is_active=form.cleaned_data["is_active"],
                now=timezone.now(),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("跟踪规则已保存。"))
            return redirect("watch:rules")
    return render(
        request,
        "watch/rule_form.html",
        {"form": form, "rule": rule},
        status=422 if form.errors else 200,
    )


# --- the order page's panel ----------------------------------------------------------------------


def order_panel(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """The order's follow-ups, for those who work them; nothing when there are none."""
    user = request.user
    if not getattr(user, "is_authenticated", False) or not has_perm(user, Perm.FOLLOWUP_WORK):
        return None
    followups = selectors.followups_of_order(user=user, order_id=order.pk)
    if not followups:
        return None
    return {"followups": followups, "now": timezone.now(), "open": FollowUpStatus.OPEN}
