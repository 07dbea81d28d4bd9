"""Workbench forms of §1: one per action that asks for something, and the new-case form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.cases.forms import ActionForm, StyledForm, style_fields
from aftersales.cases.models import Priority, Reason
from aftersales.core.models import Carrier
from aftersales.returns.kinds import CaseKind
from aftersales.returns.models import Remedy, ReturnDetail
from aftersales.returns.services.flows.helpers import refund_goods_default


class AmountMixin(forms.Form):
    amount = forms.DecimalField(
        label=_("金额（元）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )


class AgreeForm(ActionForm):
    return_address = forms.CharField(label=_("退货地址"), required=False, max_length=255)
    amount = forms.DecimalField(
        label=_("退款金额（元）"), required=True, min_value=0, max_digits=12, decimal_places=2
    )


class RefuseForm(ActionForm):
    reason = forms.CharField(label=_("拒绝原因"), max_length=255)


class CancelForm(ActionForm):
    reason = forms.CharField(label=_("取消原因"), max_length=255)


class ShipForm(ActionForm):
    carrier = forms.ModelChoiceField(label=_("快递公司"), queryset=Carrier.objects.all())
    waybill_no = forms.CharField(label=_("运单号"), max_length=40)
    freight = forms.DecimalField(
        label=_("运费（元）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )

    def params(self) -> dict:
        data = super().params()
        data["carrier"] = data["carrier"].pk
        return data


class ReceiveForm(ActionForm):
    """Quantities per case line come in as ``received_<order_line_id>`` fields."""

    intact = forms.BooleanField(label=_("商品完好"), required=False, initial=True)
    note = forms.CharField(label=_("验货说明"), required=False, max_length=255)

    def __init__(self, *args, case_lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for cl in case_lines:
            name = f"received_{cl.order_line_id}"
            self.fields[name] = forms.IntegerField(
                label=_("%(title)s 实收数量") % {"title": cl.order_line.title},
                min_value=0,
                max_value=cl.quantity,
                initial=cl.quantity,
            )
            self.line_fields.append(name)
        style_fields(self)

    def params(self) -> dict:
        data = super().params()
        received = {}
        for name in self.line_fields:
            received[name.removeprefix("received_")] = data.pop(name)
        data["received"] = received
        data["intact"] = bool(self.cleaned_data.get("intact"))
        return data


class ParcelBackForm(ReceiveForm):
    """A refused parcel back: quantities and a note; intact is the receive step's question."""

    intact = None

    def params(self) -> dict:
        data = super().params()
        data.pop("intact", None)
        return data


class RefundForm(ActionForm):
    """The amount is asked and shown filled with what the units were paid for; an empty one
    is an error. A return that came back not intact asks why less is refunded."""

    amount = forms.DecimalField(
        label=_("退款金额（元）"), required=True, min_value=0, max_digits=12, decimal_places=2
    )
    deduction_reason = forms.CharField(label=_("扣减原因"), required=False, max_length=255)


class RetryRefundForm(ActionForm, AmountMixin):
    pass


class DecideForm(ActionForm):
    remedy = forms.ChoiceField(label=_("补偿方式"), choices=Remedy.choices)
    amount = forms.DecimalField(
        label=_("金额（元）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    goods = forms.CharField(label=_("补偿商品"), required=False, max_length=255)
    goods_value = forms.DecimalField(
        label=_("补偿商品价值（元）"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("赠送商品时必填：审批规则按补偿成本判断。"),
    )


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "agree": AgreeForm,
    "refuse": RefuseForm,
    "buyer_ship": ShipForm,
    "ship_replacement": ShipForm,
    "reship": ShipForm,
    "receive": ReceiveForm,
    "parcel_back": ParcelBackForm,
    "refund": RefundForm,
    "retry_refund": RetryRefundForm,
    "cancel": CancelForm,
    "decide": DecideForm,
}


def action_form(action: str, case, data=None) -> ActionForm:
    form_class = ACTION_FORMS.get(action, ActionForm)
    kwargs = {"prefix": action, "initial": {"version": case.version}}
    if issubclass(form_class, ReceiveForm):
        kwargs["case_lines"] = list(case.lines.select_related("order_line"))
    detail = ReturnDetail.objects.filter(case=case).first()
    if action == "agree":
        kwargs["initial"]["return_address"] = case.shop.return_address
        if detail is not None:
            kwargs["initial"]["amount"] = detail.requested_amount
    if action == "refund":
        # Filled with what the units were paid for, to be read and confirmed, never assumed.
        kwargs["initial"]["amount"] = refund_goods_default(case)
    form = form_class(data, **kwargs)
    if action == "agree":
        # A refund-only case refunds on agreement and gets nothing back; the others send the
        # goods back first and are refunded later, so each is asked only what it uses.
        form.fields.pop("return_address" if case.kind == CaseKind.REFUND_ONLY else "amount")
    if action == "refund" and not (
        detail is not None and detail.fault_party == "buyer" and detail.goods_intact is False
    ):
        form.fields.pop("deduction_reason")
    # What the action needs first (the quantities received, line by line), the free remark last.
    lines = getattr(form, "line_fields", [])
    rest = [n for n in form.fields if n not in lines and n != "comment"]
    form.order_fields([*lines, *rest, "comment"])
    return form


class NewCaseForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("售后类型"),
        choices=CaseKind.choices,
    )
    reason = forms.ChoiceField(label=_("原因"), choices=Reason.choices)
    buyer_claim = forms.CharField(
        label=_("买家诉求"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    requested_amount = forms.DecimalField(
        label=_("申请金额（元）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    freight_insurance = forms.BooleanField(label=_("买家有运费险"), required=False)
    refused_at = forms.DateTimeField(
        label=_("拒收时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    exchange_sku = forms.ChoiceField(
        label=_("换成（换货时）"), required=False, choices=[("", _("同款"))]
    )
    priority = forms.TypedChoiceField(
        label=_("优先级"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )

    def __init__(self, *args, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        if order is not None:
            # The shop's own SKUs, with what is in stock, so the agent sees before agreeing.
            products = order.shop.products.order_by("sku_code").values_list(
                "sku_code", "title", "stock"
            )[:500]
            self.fields["exchange_sku"].choices = [("", _("同款"))] + [
                (
                    sku,
                    _("%(sku)s %(title)s（库存 %(stock)s）")
                    % {"sku": sku, "title": title, "stock": stock},
                )
                for sku, title, stock in products
            ]
        self.line_fields = []
        for line in order.lines.all() if order else []:
            name = f"qty_{line.pk}"
            self.fields[name] = forms.IntegerField(
                label=f"{line.title} {line.sku_properties}".strip(),
                required=False,
                min_value=0,
                max_value=line.quantity,
                initial=0,
                help_text=_("购买 %(qty)s 件，实付 %(paid)s 元")
                % {"qty": line.quantity, "paid": line.amount_paid},
            )
            self.line_fields.append((name, line))
        style_fields(self)

    def selected_lines(self):
        return [
            (line, self.cleaned_data[name])
            for name, line in self.line_fields
            if self.cleaned_data.get(name)
        ]
