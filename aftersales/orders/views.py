import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from aftersales.accounts.permissions import Perm, has_perm
from aftersales.core.errors import DomainError, PermissionDeniedError
from aftersales.core.panels import panels_for
from aftersales.core.validation import query_text
from aftersales.orders import selectors
from aftersales.orders.models import (
    Order,
    Shipment,
    ShipmentDirection,
    SignPrecision,
    SignSource,
)
from aftersales.orders.services import shipment_sign_in_record
from aftersales.orders.services.contact import can_see_contact, contact_reveal
from aftersales.orders.services.sign_in import (
    NOTE_MAX,
    SignInState,
    shipment_sign_in_preview,
)

MSG_SIGN_IN_CONFIRM = gettext_lazy(
    "将把签收时间改为 %(value)s，来源为“%(source)s”，七天无理由期限随之改变。"
)
MSG_SIGN_IN_CLEAR_CONFIRM = gettext_lazy("将把签收时间改为“未签收”，七天无理由期限随之改变。")
MSG_SIGN_IN_UNCHANGED = gettext_lazy("签收时间没有变化。")
MSG_SIGN_IN_RECORDED = gettext_lazy("已登记签收：%(value)s。")


@login_required
def order_search(request: HttpRequest) -> HttpResponse:
    q = query_text(request.GET.get("q", ""))  # a NUL: 400, never the database's error
    orders = list(selectors.order_search(user=request.user, q=q)[:50]) if q else []
    return render(request, "orders/search.html", {"orders": orders, "q": q})


# --- the sign-in -------------------------------------------------------------------------------


# The precision shows the input it reads and hides the other (the server ignores it): a select
# with data-shows-for shows the [data-for] elements of its form that name its value
# (static/js/base.js; no inline handler under the Content Security Policy).


class SignInForm(forms.Form):
    """A parcel's sign-in as a person records it: the time or only the date, where it was
    learnt, and why an existing one changes. The service decides what is valid."""

    precision = forms.ChoiceField(
        label=gettext_lazy("签收精度"),
        choices=SignPrecision.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-shows-for": ""}),
    )
    signed_at = forms.DateTimeField(
        label=gettext_lazy("签收时间"),
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control form-control-sm"},
            format="%Y-%m-%dT%H:%M",
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    signed_on = forms.DateField(
        label=gettext_lazy("签收日期"),
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"
        ),
        input_formats=["%Y-%m-%d"],
    )
    # The platform is not offered: a person reads the carrier's tracking, or hears of it.
    source = forms.ChoiceField(
        label=gettext_lazy("来源"),
        choices=[
            (SignSource.TRACKING.value, SignSource.TRACKING.label),
            (SignSource.PERSON.value, SignSource.PERSON.label),
        ],
        initial=SignSource.PERSON.value,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(
        label=gettext_lazy("修改原因（修改已登记的签收时必填）"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )

    @classmethod
    def for_shipment(cls, shipment: Shipment, data: Any = None) -> "SignInForm":
        initial = {
            "precision": shipment.sign_precision
            if shipment.sign_precision != SignPrecision.NONE
            else SignPrecision.EXACT,
            "signed_at": shipment.signed_at,
            "signed_on": shipment.signed_on,
            "source": shipment.sign_source
            if shipment.sign_source in (SignSource.TRACKING, SignSource.PERSON)
            else SignSource.PERSON,
        }
        return cls(data, prefix=f"sign-{shipment.pk}", initial=initial)

    def values(self) -> dict[str, Any]:
        """What the service is given: only the input the chosen precision reads."""
        data = self.cleaned_data
        precision = data["precision"]
        return {
            "precision": precision,
            "at": data.get("signed_at") if precision == SignPrecision.EXACT else None,
            "on": data.get("signed_on") if precision == SignPrecision.DATE else None,
            "source": data["source"],
            "note": data.get("note", ""),
        }


def sign_in_label(state: SignInState) -> str:
    """A sign-in as people read it: the local time, or the date marked as date only."""
    if state.at is not None:
        return f"{timezone.localtime(state.at):%Y-%m-%d %H:%M}"
    if state.on is not None:
        return _("%(date)s（仅知日期）") % {"date": f"{state.on:%Y-%m-%d}"}
    return str(SignPrecision.NONE.label)


def _logged_state(data: dict[str, Any]) -> SignInState:
    at, on = data.get("at"), data.get("on")
    return SignInState(
        precision=data.get("precision", ""),
        at=dt.datetime.fromisoformat(at) if at else None,
        on=dt.date.fromisoformat(on) if on else None,
        source=data.get("source", ""),
    )


def _sign_in_log(shipment: Shipment) -> list[dict[str, Any]]:
    rows = []
    for change in shipment.sign_in_changes.all():
        before, after = _logged_state(change.before), _logged_state(change.after)
        rows.append(
            {
                "change": change,
                "before": sign_in_label(before),
                "before_source": SignSource(before.source).label if before.source else "",
                "after": sign_in_label(after),
                "after_source": SignSource(after.source).label if after.source else "",
            }
        )
    return rows


def _to_buyer(shipment: Shipment) -> bool:
    # A parcel coming back to the seller is received by the warehouse, not signed by the buyer.
    return shipment.direction != ShipmentDirection.RETURN


def _panel(
    shipment: Shipment, *, can_record: bool, form: SignInForm | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "s": shipment,
        "form": form or (SignInForm.for_shipment(shipment) if can_record else None),
        "log": _sign_in_log(shipment),
        "confirm": "",
        "notice": "",
        **extra,
    }


def _detail_context(
    request: HttpRequest, order: Order, panel: dict[str, Any] | None = None
) -> dict[str, Any]:
    can_record = has_perm(request.user, Perm.SIGN_IN_RECORD)
    shipments = list(selectors.order_shipments(order))
    panels = [
        panel if panel is not None and panel["s"].pk == s.pk else _panel(s, can_record=can_record)
        for s in shipments
        if _to_buyer(s)
    ]
    return {
        "order": order,
        "lines": order.lines.all(),
        "shipments": shipments,
        "sign_in_panels": panels,
        "can_record_sign_in": can_record,
        "can_see_contact": can_see_contact(request.user),
        "panels": panels_for("order", request, order),
    }


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get(user=request.user, order_id=order_id)
    return render(request, "orders/detail.html", _detail_context(request, order))


@login_required
@require_POST
def order_sign_in(request: HttpRequest, order_id: int, shipment_id: int) -> HttpResponse:
    """Record or correct a parcel's sign-in, in two steps: the values are checked and the
    change is said back for confirmation ("将把签收时间改为 …"); the confirmed post records
    it. A refusal is shown in place, in the form."""
    shipment = selectors.shipment_get(user=request.user, order_id=order_id, shipment_id=shipment_id)
    order = shipment.order
    form = SignInForm.for_shipment(shipment, request.POST)
    extra: dict[str, Any] = {}
    if form.is_valid() and "edit" not in request.POST:
        values = form.values()
        try:
            if request.POST.get("confirmed"):
                shipment_sign_in_record(
                    shipment_id=shipment.pk, actor=request.user, now=timezone.now(), **values
                )
            else:
                preview = shipment_sign_in_preview(
                    shipment_id=shipment.pk, actor=request.user, now=timezone.now(), **values
                )
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc.message))
        else:
            if request.POST.get("confirmed"):
                after = SignInState(
                    values["precision"], values["at"], values["on"], values["source"]
                )
                messages.success(request, MSG_SIGN_IN_RECORDED % {"value": sign_in_label(after)})
                url = reverse("orders:detail", args=[order.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
            if not preview.changed:
                extra["notice"] = str(MSG_SIGN_IN_UNCHANGED)
            elif preview.after.precision == SignPrecision.NONE:
                extra["confirm"] = str(MSG_SIGN_IN_CLEAR_CONFIRM)
            else:
                extra["confirm"] = str(
                    MSG_SIGN_IN_CONFIRM
                    % {
                        "value": sign_in_label(preview.after),
                        "source": SignSource(preview.after.source).label,
                    }
                )
    panel = _panel(shipment, can_record=True, form=form, **extra)
    if request.htmx:
        return render(request, "orders/_sign_in_form.html", {"order": order, **panel})
    status = 422 if form.errors else 200
    return render(
        request, "orders/detail.html", _detail_context(request, order, panel), status=status
    )


# --- the buyer's contact -----------------------------------------------------------------------


@login_required
def order_contact(request: HttpRequest, order_id: int) -> HttpResponse:
    """The unmasked phone and address, as an htmx fragment; every opening is logged."""
    if request.method != "POST":
        raise PermissionDenied
    order = selectors.order_get(user=request.user, order_id=order_id)
    try:
        contact = contact_reveal(user=request.user, order=order, via="workbench")
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    return render(request, "orders/_contact.html", {"contact": contact})
