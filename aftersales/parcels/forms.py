"""Workbench forms of problem parcels: one per action that asks for something, and the form
that reports a problem parcel of an order by hand."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.cases.forms import ActionForm, StyledForm, style_fields
from aftersales.cases.models import Priority
from aftersales.core.models import Carrier
from aftersales.logistics.models import ProblemKind
from aftersales.orders.models import Shipment
from aftersales.parcels.kinds import KIND, KIND_LABEL
from aftersales.parcels.models import ParcelProblem
from aftersales.parcels.services.opening import TO_BUYER

CHANNELS = [
    ("wangwang", _("旺旺")),
    ("phone", _("电话")),
    ("sms", _("短信")),
    ("other", _("其他")),
]


class ContactForm(ActionForm):
    channel = forms.ChoiceField(label=_("联系方式"), choices=CHANNELS)
    summary = forms.CharField(
        label=_("沟通内容"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class NewAddressForm(ActionForm):
    address = forms.CharField(label=_("买家的新地址"), max_length=255)


class PickupForm(ActionForm):
    station = forms.CharField(label=_("自提网点"), max_length=128)


class ReshipForm(ActionForm):
    carrier = forms.ModelChoiceField(label=_("新的快递公司"), queryset=Carrier.objects.none())
    waybill_no = forms.CharField(label=_("补寄运单号"), max_length=40)
    freight = forms.DecimalField(
        label=_("补寄运费（元）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )

    def __init__(self, *args, exclude_carrier: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        carriers = Carrier.objects.order_by("name")
        if exclude_carrier is not None:
            carriers = carriers.exclude(pk=exclude_carrier)
        self.fields["carrier"].queryset = carriers

    def params(self) -> dict:
        data = super().params()
        data["carrier"] = data["carrier"].pk
        return data


class CancelRefundForm(ActionForm):
    reason = forms.CharField(label=_("取消原因"), max_length=255)
    amount = forms.DecimalField(
        label=_("商品退款金额（元）"), required=True, min_value=0, max_digits=12, decimal_places=2
    )
    refund_freight = forms.BooleanField(label=_("同时退还买家支付的运费"), required=False)

    def params(self) -> dict:
        data = super().params()
        data["refund_freight"] = bool(self.cleaned_data.get("refund_freight"))
        return data


class CloseForm(ActionForm):
    reason = forms.CharField(label=_("关闭原因"), max_length=255)


class RetryRefundForm(ActionForm):
    amount = forms.DecimalField(
        label=_("金额（元）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "record_contact": ContactForm,
    "agree_new_address": NewAddressForm,
    "agree_pickup": PickupForm,
    "reship_other_carrier": ReshipForm,
    "cancel_and_refund": CancelRefundForm,
    "close_problem": CloseForm,
    "retry_refund": RetryRefundForm,
}


def action_form(action: str, case, data=None) -> ActionForm:
    from aftersales.parcels.services.actions import refund_default

    form_class = ACTION_FORMS.get(action, ActionForm)
    kwargs: dict = {"prefix": action, "initial": {"version": case.version}}
    if form_class is ReshipForm:
        kwargs["exclude_carrier"] = (
            ParcelProblem.objects.filter(case=case)
            .values_list("shipment__carrier_id", flat=True)
            .first()
        )
    if form_class is CancelRefundForm:
        # Filled with what the goods were paid for, to be read and confirmed, never assumed.
        goods, freight = refund_default(case)
        kwargs["initial"].update(amount=goods, refund_freight=freight > 0)
    form = form_class(data, **kwargs)
    rest = [n for n in form.fields if n != "comment"]
    form.order_fields([*rest, "comment"])
    return form


class NewProblemForm(StyledForm):
    """Report a problem parcel of an order: which parcel, what happened."""

    kind = forms.ChoiceField(label=_("售后类型"), choices=[(KIND, KIND_LABEL)])
    shipment_id = forms.ModelChoiceField(label=_("包裹"), queryset=Shipment.objects.none())
    problem_kind = forms.ChoiceField(label=_("问题类型"), choices=ProblemKind.choices)
    note = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    priority = forms.TypedChoiceField(
        label=_("优先级"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )

    def __init__(self, *args, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        shipments = Shipment.objects.none()
        if order is not None:
            shipments = (
                order.shipments.select_related("carrier")
                .filter(direction__in=TO_BUYER, carrier__isnull=False)
                .order_by("-id")
            )
        field = self.fields["shipment_id"]
        field.queryset = shipments
        field.label_from_instance = lambda s: (
            f"{s.carrier.name} {s.waybill_no} · {s.get_direction_display()}"
        )
        first = shipments.first()
        if first is not None:
            field.initial = first.pk
        style_fields(self)

    def selected_lines(self):
        """The whole order: a parcel that does not arrive carries every line of it."""
        if self.order is None:
            return []
        return [(line, line.quantity) for line in self.order.lines.order_by("line_no")]
