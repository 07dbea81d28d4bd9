"""Workbench pages. Views parse, check access and call one service; nothing else."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Perm, has_perm
from aftersales.cases import selectors, services, workflows
from aftersales.cases.forms import ActionForm
from aftersales.cases.models import Priority
from aftersales.cases.registry import registry
from aftersales.core.errors import DomainError
from aftersales.core.panels import panels_for
from aftersales.core.validation import MAX_INT32, ascii_number
from aftersales.orders.selectors import order_get
from aftersales.orders.services.contact import can_see_contact

# Events of the core that are not actions of a flow; the kinds name their own.
EVENT_LABELS = {
    "create": gettext_lazy("创建"),
    "update": gettext_lazy("修改分配或优先级"),
    "note": gettext_lazy("添加备注"),
    "attach": gettext_lazy("上传照片"),
    "escalate_overdue": gettext_lazy("超时升级主管"),
    "approval_requested": gettext_lazy("提交审批"),
    "approval_approved": gettext_lazy("审批通过"),
    "approval_rejected": gettext_lazy("审批驳回"),
}
MSG_APPROVAL_AMOUNT = gettext_lazy("金额 ¥%(amount)s")


def _event_label(kind, action: str) -> str:
    label = EVENT_LABELS.get(action) or (kind.event_labels.get(action) if kind else None)
    return str(label or workflows.action_label(action))


# Fields an event names, in words; the status moves are said apart.
FIELD_LABELS = {
    "assignee": gettext_lazy("处理人"),
    "priority": gettext_lazy("优先级"),
    "due_at": gettext_lazy("截止"),
    "kind": gettext_lazy("类型"),
    "reason": gettext_lazy("原因"),
    "return_address": gettext_lazy("退货地址"),
    "carrier": gettext_lazy("快递"),
    "waybill_no": gettext_lazy("运单号"),
    "note": gettext_lazy("验货说明"),
    "deduction_reason": gettext_lazy("扣减原因"),
    "remedy": gettext_lazy("补偿方式"),
    "amount": gettext_lazy("金额"),
}
_QUIET = frozenset({"status", "is_open", "closed_at", "escalated_at", "due_rule"})


def _shown(field: str, value, users: dict, kind_code: str) -> str:
    if value in (None, ""):
        return "—"
    if field == "assignee":
        return str(users.get(value, value))
    if field == "priority":
        return str(dict(Priority.choices).get(value, value))
    if field == "kind":
        return registry.kind_label(str(value))
    if field == "due_at" and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
    return str(value)


def _changes(e, users: dict, kind_code: str) -> list[tuple[str, str, str]]:
    """What an event changed, as (field, before, after), and what it recorded, (field, "",
    value): who the case went to, the waybill, the reason given."""
    out = []
    for field, label in FIELD_LABELS.items():
        if field in _QUIET or field not in e.after:
            continue
        after = _shown(field, e.after[field], users, kind_code)
        before = _shown(field, e.before[field], users, kind_code) if field in e.before else ""
        if before != after:
            out.append((str(label), before, after))
    return out


def _timeline(case) -> list:
    """The case's events as a person reads them: who did what, the move and what changed
    (before and after), in words; with what the kind adds (the buyer messages sent)."""
    kind = registry.get(case.kind)
    events = list(selectors.case_events(case))
    ids = {
        v
        for e in events
        for v in (e.before.get("assignee"), e.after.get("assignee"))
        if isinstance(v, int)
    }
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)} if ids else {}
    for e in events:
        e.changes = _changes(e, users, case.kind)
        e.label = _event_label(kind, e.action)
        e.summary = kind.describe_event(e) if kind and kind.describe_event else ""
        if not e.summary and e.action.startswith("approval_") and e.after.get("amount"):
            e.summary = str(MSG_APPROVAL_AMOUNT % {"amount": e.after["amount"]})
        e.from_label = registry.status_label(case.kind, e.from_status)
        e.to_label = registry.status_label(case.kind, e.to_status)
    if kind is not None and kind.timeline_items is not None:
        events.extend(kind.timeline_items(case))
        events.sort(key=lambda e: e.created_at)
    return events


def action_form(action: str, case, data=None):
    """The kind's form for the action, or the bare one (version and remark) when it asks for
    nothing."""
    spec = registry.action(case.kind, action)
    if spec is not None and spec.form is not None:
        form = spec.form(case, data)
    else:
        form = ActionForm(data, prefix=action, initial={"version": case.version})
    confirm = spec.confirm if spec is not None else None
    form.confirm = str(confirm(case) if callable(confirm) else confirm or "")
    return form


def _case_context(request, case, forms=None) -> dict:
    user = request.user
    allowed = selectors.actions_now(case=case, user=user)
    forms = forms or {}
    action_forms = [
        (a, workflows.action_label(a), forms.get(a) or action_form(a, case=case)) for a in allowed
    ]
    kind = registry.get(case.kind)
    context = {
        "case": case,
        "order": case.order,
        "kind_label": registry.kind_label(case.kind),
        "status_label": registry.status_label(case.kind, case.status),
        "due_rule_label": str(kind.deadline_rules.get(case.due_rule, "")) if kind else "",
        "lines": selectors.case_lines(case),
        "events": _timeline(case),
        "notes": case.notes.select_related("author"),
        "attachments": case.attachments.all(),
        "shipments": case.shipments.select_related("carrier").order_by("created_at", "id"),
        "action_forms": action_forms,
        "detail_template": kind.detail_template if kind else "",
        "can_settle": has_perm(user, Perm.REFUND_SETTLE),
        "can_approve": has_perm(user, Perm.APPROVAL_DECIDE),
        "can_assign": has_perm(user, Perm.CASE_ASSIGN),
        "can_note": has_perm(user, Perm.CASE_NOTE),
        "can_see_contact": can_see_contact(user),
        "now": timezone.now(),
        "priorities": Priority.choices,
        "assignees": case.shop.staff.filter(is_active=True).order_by("username"),
    }
    if kind is not None and kind.detail_context is not None:
        context.update(kind.detail_context(case))
    context["panels"] = panels_for("case", request, case)
    return context


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
            services.case_act(
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
            if not request.htmx:
                # Without htmx the page is drawn again with the forms this user may use, which
                # may not include this one: the reason is said at the top too.
                messages.error(request, str(exc.message))
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
        # Digits of another script, or an id past any, name nobody: 404 as for no such person.
        assignee = get_object_or_404(
            case.shop.staff.filter(is_active=True), pk=ascii_number(raw) or 0
        )
    priority = ascii_number(request.POST.get("priority", ""), maximum=MAX_INT32)
    version = ascii_number(request.POST.get("version", ""), maximum=MAX_INT32)
    try:
        services.case_update(
            case_id=case.pk,
            actor=request.user,
            now=timezone.now(),
            expected_version=case.version if version is None else version,
            assignee=assignee,
            priority=priority,
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
def case_new(request: HttpRequest, order_id: int) -> HttpResponse:
    """Open a case from an order, with the form of the area whose kinds are chosen (the first
    area's unless ``?area=`` names another)."""
    order = order_get(user=request.user, order_id=order_id)
    openers = [o for o in registry.openers() if o.form is not None]
    raw = request.GET.get("area", "0")
    index = int(raw) if raw.isdigit() and int(raw) < len(openers) else 0
    if not openers:
        raise Http404
    opener = openers[index]
    form = opener.form(request.POST or None, order=order)
    if request.method == "POST" and form.is_valid():
        try:
            case = opener.open(
                order=order,
                lines=form.selected_lines(),
                actor=request.user,
                now=timezone.now(),
                # A case you open from the workbench is yours to work.
                data={**form.cleaned_data, "assignee": request.user},
            )
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc.message))
        else:
            messages.success(request, _("售后单 %(number)s 已创建。") % {"number": case.number})
            return redirect("cases:detail", case.pk)
    areas = [(i, ", ".join(registry.kind_label(k) for k in o.kinds)) for i, o in enumerate(openers)]
    return render(
        request,
        "cases/new.html",
        {"order": order, "form": form, "areas": areas, "area": index},
        status=422 if form.errors else 200,
    )
