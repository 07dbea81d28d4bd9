"""Workbench pages of §1 beyond the case page's actions: settling a refund."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from aftersales.cases import selectors
from aftersales.core.errors import DomainError
from aftersales.core.validation import query_text
from aftersales.returns.services import refund_settle


@login_required
@require_POST
def refund_settle_view(request: HttpRequest, case_id: int, refund_id: str) -> HttpResponse:
    """The platform's answer to a refund, recorded by the person who saw it. The service
    checks the permission; a refused one is said on the page."""
    case = selectors.case_get(user=request.user, case_id=case_id)
    refund = get_object_or_404(case.refunds, pk=refund_id)
    succeeded = request.POST.get("outcome") == "succeeded"
    try:
        refund_settle(
            refund_id=refund.pk,
            succeeded=succeeded,
            actor=request.user,
            failure_reason=query_text(request.POST.get("failure_reason", ""))[:255],
            now=timezone.now(),
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已确认退款成功。") if succeeded else _("已记录退款失败。"))
    url = reverse("cases:detail", args=[case.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
