"""The approver's workbench: the queue with its decisions, and the rules page.

Views parse, check access and call one service; the services check again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from aftersales.accounts.models import Role, User
from aftersales.accounts.permissions import Perm, has_perm
from aftersales.approvals import selectors, services
from aftersales.approvals.forms import ApprovalRuleForm
from aftersales.approvals.models import ApprovalRule, ApprovalStatus
from aftersales.core.errors import DomainError, NotFound
from aftersales.core.validation import query_text


class AuthedRequest(HttpRequest):
    """What ``login_required`` and the htmx middleware leave on a request."""

    user: User
    htmx: HtmxDetails


# The queue shows the first this many, what is due first; the menu counts them all.
QUEUE_PAGE = 100


def _queue_context(request: AuthedRequest) -> dict:
    user = request.user
    queue = selectors.approval_queue(user).select_related("case", "requested_by", "rule")
    return {
        "approvals": list(queue[:QUEUE_PAGE]),
        # Passed on, so the page and an htmx fragment are right without the context processor.
        "approval_queue_count": queue.count(),
        "mine": list(
            selectors.approvals_requested_by(user)
            .select_related("case")
            .order_by("due_at", "id")[:QUEUE_PAGE]
        ),
        "now": timezone.now(),
        "can_decide": has_perm(user, Perm.APPROVAL_DECIDE),
        "can_manage_rules": has_perm(user, Perm.APPROVAL_RULE_MANAGE),
    }


@login_required
def queue(request: AuthedRequest) -> HttpResponse:
    return render(request, "approvals/queue.html", _queue_context(request))


@login_required
@require_POST
def decide(request: AuthedRequest, approval_id: int) -> HttpResponse:
    decision = request.POST.get("decision")
    error = None
    approval = None
    if decision not in ("approve", "reject"):
        error = _("请选择批准或驳回。")
    else:
        try:
            approval = services.approval_decide(
                approval_id=approval_id,
                actor=request.user,
                approve=decision == "approve",
                comment=query_text(request.POST.get("comment", "")),
                now=timezone.now(),
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            error = str(exc.message)
    if request.htmx:
        # The row becomes the outcome (or keeps its buttons and says why not); the menu's
        # count is swapped out of band.
        try:
            row = approval or selectors.approval_get(user=request.user, approval_id=approval_id)
        except NotFound:
            raise Http404 from None
        return render(
            request,
            "approvals/_decided.html",
            {
                "a": row,
                "error": error,
                "now": timezone.now(),
                "approval_queue_count": selectors.approval_queue_count(request.user),
                "pending": ApprovalStatus.PENDING,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("审批已记录。"))
    return redirect("approvals:queue")


# --- rules -----------------------------------------------------------------------------------


def _require_rule_manager(request: AuthedRequest) -> None:
    if not has_perm(request.user, Perm.APPROVAL_RULE_MANAGE):
        raise PermissionDenied


def _may_edit(request: AuthedRequest, rule: ApprovalRule) -> bool:
    return rule.shop_id is not None or request.user.has_role(Role.ADMINISTRATOR)


@login_required
def rules(request: AuthedRequest) -> HttpResponse:
    _require_rule_manager(request)
    rows = [(rule, _may_edit(request, rule)) for rule in selectors.approval_rules_for(request.user)]
    return render(
        request,
        "approvals/rules.html",
        {"rows": rows, "is_admin": request.user.has_role(Role.ADMINISTRATOR)},
    )


def _attach_error(form: ApprovalRuleForm, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


@login_required
def rule_new(request: AuthedRequest) -> HttpResponse:
    _require_rule_manager(request)
    form = ApprovalRuleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.approval_rule_create(actor=request.user, now=timezone.now(), **form.values())
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            _attach_error(form, exc)
        else:
            messages.success(request, _("审批规则已创建。"))
            return redirect("approvals:rules")
    return render(
        request,
        "approvals/rule_form.html",
        {"form": form, "rule": None},
        status=422 if form.errors else 200,
    )


def _rule_for_edit(request: AuthedRequest, rule_id: int) -> ApprovalRule:
    _require_rule_manager(request)
    try:
        rule = selectors.approval_rule_get(user=request.user, rule_id=rule_id)
    except NotFound:
        raise Http404 from None
    if not _may_edit(request, rule):
        raise PermissionDenied
    return rule


@login_required
def rule_edit(request: AuthedRequest, rule_id: int) -> HttpResponse:
    rule = _rule_for_edit(request, rule_id)
    form = ApprovalRuleForm(request.POST or None, instance=rule, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        values.pop("shop_id")
        try:
            services.approval_rule_update(
                actor=request.user, rule_id=rule_id, now=timezone.now(), **values
            )
        except DomainError as exc:
            _attach_error(form, exc)
        else:
            messages.success(request, _("审批规则已保存。"))
            return redirect("approvals:rules")
    return render(
        request,
        "approvals/rule_form.html",
        {"form": form, "rule": rule},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def rule_deactivate(request: AuthedRequest, rule_id: int) -> HttpResponse:
    _rule_for_edit(request, rule_id)
    try:
        services.approval_rule_deactivate(actor=request.user, rule_id=rule_id, now=timezone.now())
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("审批规则已停用。"))
    url = reverse("approvals:rules")
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)
