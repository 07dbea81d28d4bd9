"""Workbench pages. Views parse, check access and call one service; nothing else."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from aftersales.approvals.models import ApprovalStatus
from aftersales.cases import selectors, services, workflows
from aftersales.cases.forms import NewCaseForm, action_form
from aftersales.cases.models import CaseKind, CaseStatus, Priority
from aftersales.core.errors import DomainError
from aftersales.orders.selectors import order_get
from aftersales.orders.services.contact import can_see_contact
from aftersales.returns.models import RefundStatus
from aftersales.returns.selectors import approvals_for
from aftersales.returns.services import (
    approval_decide,
    case_act,
    refund_settle,
    return_case_open,
)

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
        "kinds": CaseKind.choices,
        "statuses": CaseStatus.choices,
        "shops": request.user.shops.all(),
        "query": request.GET.urlencode(),
    }
    template = "cases/_inbox_table.html" if request.htmx else "cases/inbox.html"
    return render(request, template, context)


# Events that are not actions of a flow; the flows' actions are named by workflows.action_label.
EVENT_LABELS = {
    "create": gettext_lazy("创建"),
    "update": gettext_lazy("修改分配或优先级"),
    "note": gettext_lazy("添加备注"),
    "attach": gettext_lazy("上传照片"),
    "refusal_reported": gettext_lazy("登记拒收"),
    "refund_failed": gettext_lazy("退款失败"),
    "escalate_overdue": gettext_lazy("超时升级主管"),
}


def _status_label(status: str) -> str:
    return str(CaseStatus(status).label) if status in CaseStatus.values else status


def _timeline(case) -> list:
    """The case's events as a person reads them: what was done and the move, in words."""
    events = list(selectors.case_events(case))
    for e in events:
        e.label = str(EVENT_LABELS.get(e.action) or workflows.action_label(e.action))
        e.from_label = _status_label(e.from_status)
        e.to_label = _status_label(e.to_status)
    return events


def _case_context(request, case, forms=None) -> dict:
    user = request.user
    allowed = selectors.allowed_actions(case=case, user=user)
    forms = forms or {}
    action_forms = [
        (a, workflows.action_label(a), forms.get(a) or action_form(a, case=case)) for a in allowed
    ]
    refunds = list(case.refunds.select_related("order_line").order_by("created_at"))
    return {
        "case": case,
        "order": case.order,
        "detail": getattr(case, "returns", None),
        "lines": selectors.case_lines(case),
        "events": _timeline(case),
        "notes": case.notes.select_related("author"),
        "attachments": case.attachments.all(),
        "refunds": refunds,
        "freight": case.freight.all(),
        "shipments": case.shipments.select_related("carrier").order_by("created_at", "id"),
        "approvals": case.approvals.select_related("requested_by", "decided_by"),
        "action_forms": action_forms,
        # Settling a refund takes the roles of the refund action, as in the API.
        "can_settle": user.has_role(*workflows.roles_for("refund")),
        "can_approve": user.has_role("supervisor"),
        "can_see_contact": can_see_contact(user),
        "now": timezone.now(),
        "priorities": Priority.choices,
        "assignees": case.shop.staff.filter(is_active=True).order_by("username"),
        "pending": RefundStatus.PENDING,
        "approval_pending": ApprovalStatus.PENDING,
    }


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    return render(request, "cases/detail.html", _case_context(request, case))


def _back_to_case(request, case_id: int) -> HttpResponse:
    url = reverse("cases:detail", args=[case_id])
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@login_required
@require_POST
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    form = action_form(action, case=case, data=request.POST)
    if form.is_valid():
        try:
            case_act(
                case_id=case.pk,
                action=action,
                actor=request.user,
                now=timezone.now(),
                expected_version=form.cleaned_data["version"],
                params=form.params(),
                comment=form.cleaned_data.get("comment", ""),
            )
        except DomainError as exc:
            _attach_error(form, exc)
        else:
            messages.success(
                request, _("已执行：%(action)s") % {"action": workflows.action_label(action)}
            )
            return _back_to_case(request, case.pk)
    if request.htmx:
        return render(
            request,
            "cases/_action_form.html",
            {"case": case, "action": action, "label": workflows.action_label(action), "form": form},
        )
    return render(
        request, "cases/detail.html", _case_context(request, case, {action: form}), status=422
    )


def _attach_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    if field is None and exc.field and exc.field.startswith("received."):
        candidate = "received_" + exc.field.split(".", 1)[1]
        field = candidate if candidate in form.fields else None
    form.add_error(field, str(exc.message))


@login_required
@require_POST
def case_update(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    assignee = ...
    raw = request.POST.get("assignee")
    if raw == "":
        assignee = None
    elif raw and raw.isdigit():
        assignee = get_object_or_404(case.shop.staff.filter(is_active=True), pk=int(raw))
    priority = request.POST.get("priority")
    try:
        services.case_update(
            case_id=case.pk,
            actor=request.user,
            now=timezone.now(),
            expected_version=int(request.POST.get("version") or case.version),
            assignee=assignee,
            priority=int(priority) if priority and priority.isdigit() else None,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return _back_to_case(request, case.pk)


@login_required
@require_POST
def case_note(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    try:
        services.note_add(
            case=case, author=request.user, body=request.POST.get("body", ""), now=timezone.now()
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return _back_to_case(request, case.pk)


@login_required
@require_POST
def case_attach(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的图片。"))
    else:
        try:
            services.attachment_add(
                case=case, uploaded_by=request.user, upload=upload, now=timezone.now()
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return _back_to_case(request, case.pk)


@login_required
def attachment_file(request: HttpRequest, case_id: int, attachment_id: int) -> HttpResponse:
    from django.http import FileResponse

    case = selectors.case_get(user=request.user, case_id=case_id)
    attachment = get_object_or_404(case.attachments, pk=attachment_id)
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)


@login_required
@require_POST
def refund_settle_view(request: HttpRequest, case_id: int, refund_id: str) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    if not request.user.has_role(*workflows.roles_for("refund")):
        raise PermissionDenied
    refund = get_object_or_404(case.refunds, pk=refund_id)
    succeeded = request.POST.get("outcome") == "succeeded"
    try:
        refund_settle(
            refund_id=refund.pk,
            succeeded=succeeded,
            failure_reason=request.POST.get("failure_reason", ""),
            now=timezone.now(),
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已确认退款成功。") if succeeded else _("已记录退款失败。"))
    return _back_to_case(request, case.pk)


@login_required
def case_new(request: HttpRequest, order_id: int) -> HttpResponse:
    order = order_get(user=request.user, order_id=order_id)
    form = NewCaseForm(request.POST or None, order=order)
    if request.method == "POST" and form.is_valid():
        lines = form.selected_lines()
        try:
            data = form.cleaned_data
            case = return_case_open(
                order=order,
                kind=data["kind"],
                lines=lines,
                reason=data["reason"],
                actor=request.user,
                now=timezone.now(),
                buyer_claim=data["buyer_claim"],
                requested_amount=data["requested_amount"],
                freight_insurance=data["freight_insurance"],
                refused_at=data["refused_at"],
                priority=data["priority"],
            )
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc.message))
        else:
            messages.success(request, _("售后单 %(number)s 已创建。") % {"number": case.number})
            return redirect("cases:detail", case.pk)
    return render(
        request,
        "cases/new.html",
        {"order": order, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    pending = (
        approvals_for(request.user)
        .filter(status=ApprovalStatus.PENDING)
        .select_related("case", "case__order", "requested_by")
        .order_by("requested_at")
    )
    return render(request, "cases/approvals.html", {"approvals": pending})


@login_required
@require_POST
def approval_decide_view(request: HttpRequest, approval_id: int) -> HttpResponse:
    approval = get_object_or_404(approvals_for(request.user), pk=approval_id)
    try:
        approval_decide(
            approval_id=approval.pk,
            actor=request.user,
            approve=request.POST.get("decision") == "approve",
            comment=request.POST.get("comment", ""),
            now=timezone.now(),
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("审批已记录。"))
    if request.POST.get("next") == "case":
        return _back_to_case(request, approval.case_id)
    return redirect("cases:approvals")
