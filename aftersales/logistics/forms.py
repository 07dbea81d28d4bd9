"""The courier area's workbench forms. They check shapes and show; the services decide and
write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Shop, User
from aftersales.core.models import Carrier
from aftersales.logistics.models import (
    ContingencyPlan,
    Coverage,
    CoverageRule,
    OutletSuspension,
    PlanAction,
    ProblemKind,
    Route,
)
from aftersales.logistics.services.imports import IMPORT_MAX_BYTES
from aftersales.logistics.services.routes import MAX_CARRIERS

# Carriers offered on the form (the API takes up to MAX_CARRIERS).
ROUTE_SLOTS = min(4, MAX_CARRIERS)


def _style(form: forms.BaseForm) -> None:
    errors = getattr(form, "_errors", None) or {}
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.Select):
            css = "form-select form-select-sm"
        elif isinstance(field.widget, forms.CheckboxInput):
            css = "form-check-input"
        else:
            css = "form-control form-control-sm"
        if name in errors:
            css += " is-invalid"
        field.widget.attrs["class"] = css


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def full_clean(self) -> None:
        super().full_clean()
        _style(self)


CARRIER_LABEL = _("快递公司")


def _carrier_field(label: Any = CARRIER_LABEL, *, required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=Carrier.objects.order_by("name"),
        required=required,
        empty_label="—",
    )


def _region_fields(form: forms.Form, *, province_required: bool = True) -> None:
    form.fields["province"] = forms.CharField(
        label=_("省"),
        max_length=32,
        required=province_required,
        help_text=_("可写简称，如“新疆”，保存时写为全称。"),
    )
    form.fields["city"] = forms.CharField(
        label=_("市"), max_length=32, required=False, help_text=_("留空表示全省。")
    )
    form.fields["district"] = forms.CharField(
        label=_("区县"), max_length=32, required=False, help_text=_("留空表示全市。")
    )


class CoverageForm(StyledForm):
    carrier = _carrier_field()
    coverage = forms.ChoiceField(label=_("覆盖"), choices=Coverage.choices)
    note = forms.CharField(
        label=_("说明"),
        max_length=255,
        required=False,
        help_text=_("有限覆盖须写明限制，如“时效 7-10 天，不送货上门”。"),
    )

    field_order = ["carrier", "province", "city", "district", "coverage", "note"]

    def __init__(self, *args: Any, instance: CoverageRule | None = None, **kwargs: Any) -> None:
        if instance is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "carrier": instance.carrier_id,
                "province": instance.province,
                "city": instance.city,
                "district": instance.district,
                "coverage": instance.coverage,
                "note": instance.note,
            }
        forms.Form.__init__(self, *args, **kwargs)
        _region_fields(self)
        self.order_fields(self.field_order)
        _style(self)

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "carrier_id": d["carrier"].pk,
            "province": d["province"],
            "city": d["city"],
            "district": d["district"],
            "coverage": d["coverage"],
            "note": d["note"],
        }


class SuspensionForm(StyledForm):
    carrier = _carrier_field()
    outlet = forms.CharField(label=_("网点"), max_length=64)
    starts_on = forms.DateField(
        label=_("开始日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("暂停的第一天（含）。"),
    )
    ends_on = forms.DateField(
        label=_("结束日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("暂停的最后一天（含）。"),
    )
    note = forms.CharField(label=_("说明"), max_length=255, required=False)

    field_order = [
        "carrier",
        "outlet",
        "province",
        "city",
        "district",
        "starts_on",
        "ends_on",
        "note",
    ]

    def __init__(self, *args: Any, instance: OutletSuspension | None = None, **kwargs: Any) -> None:
        if instance is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "carrier": instance.carrier_id,
                "outlet": instance.outlet,
                "province": instance.province,
                "city": instance.city,
                "district": instance.district,
                "starts_on": instance.starts_on.isoformat(),
                "ends_on": instance.ends_on.isoformat(),
                "note": instance.note,
            }
        forms.Form.__init__(self, *args, **kwargs)
        _region_fields(self)
        self.order_fields(self.field_order)
        _style(self)

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "carrier_id": d["carrier"].pk,
            "outlet": d["outlet"],
            "province": d["province"],
            "city": d["city"],
            "district": d["district"],
            "starts_on": d["starts_on"],
            "ends_on": d["ends_on"],
            "note": d["note"],
        }


class PlanForm(StyledForm):
    carrier = _carrier_field()
    problem_kind = forms.ChoiceField(label=_("问题类型"), choices=ProblemKind.choices)
    action = forms.ChoiceField(label=_("处理方式"), choices=PlanAction.choices)
    note = forms.CharField(
        label=_("说明"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：网点转寄到最近的驿站，买家自提；或 3 日内原件退回。"),
    )

    def __init__(self, *args: Any, instance: ContingencyPlan | None = None, **kwargs: Any) -> None:
        # Always, bound or not: a disabled field takes its value from the initial.
        if instance is not None:
            kwargs["initial"] = {
                "carrier": instance.carrier_id,
                "problem_kind": instance.problem_kind,
                "action": instance.action,
                "note": instance.note,
            }
        super().__init__(*args, **kwargs)
        if instance is not None:
            # The pair (carrier, kind) is what the plan is; change the action and the note.
            self.fields["carrier"].disabled = True
            self.fields["problem_kind"].disabled = True

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "carrier_id": d["carrier"].pk,
            "problem_kind": d["problem_kind"],
            "action": d["action"],
            "note": d["note"],
        }


SLOT_LABELS = (_("首选快递"), _("次选快递"), _("第三选择"), _("第四选择"))


class RouteForm(StyledForm):
    shop = forms.ModelChoiceField(label=_("店铺"), queryset=Shop.objects.none(), empty_label=None)

    def __init__(
        self, *args: Any, user: User, instance: Route | None = None, **kwargs: Any
    ) -> None:
        if instance is not None and not args and "initial" not in kwargs:
            initial: dict[str, Any] = {
                "shop": instance.shop_id,
                "province": instance.province,
                "city": instance.city,
                "district": instance.district,
            }
            for n, rc in enumerate(instance.carriers.all(), 1):
                initial[f"carrier_{n}"] = rc.carrier_id
            kwargs["initial"] = initial
        elif instance is not None:
            # A disabled field takes its value from the initial, bound or not.
            kwargs["initial"] = {"shop": instance.shop_id}
        forms.Form.__init__(self, *args, **kwargs)
        shop = cast(forms.ModelChoiceField, self.fields["shop"])
        shop.queryset = Shop.objects.filter(pk__in=user.shop_ids()).order_by("name")
        if instance is not None:
            shop.disabled = True
        _region_fields(self, province_required=False)
        self.fields["province"].help_text = _(
            "省、市、区县都留空：店铺的默认路由，适用于所有地区。"
        )
        for n, label in enumerate(SLOT_LABELS, 1):
            self.fields[f"carrier_{n}"] = _carrier_field(label, required=n == 1)
        _style(self)

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        carrier_ids = []
        for n in range(1, ROUTE_SLOTS + 1):
            carrier = d.get(f"carrier_{n}")
            if carrier is not None:
                carrier_ids.append(carrier.pk)
        return {
            "shop_id": d["shop"].pk,
            "province": d["province"],
            "city": d["city"],
            "district": d["district"],
            "carrier_ids": carrier_ids,
        }


IMPORT_KINDS = (("coverage", _("覆盖范围")), ("suspensions", _("网点暂停")))


class ImportForm(StyledForm):
    kind = forms.ChoiceField(label=_("导入内容"), choices=IMPORT_KINDS)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("CSV（UTF-8 或 GBK）或 XLSX，第一行是表头，最大 %(mb)s MB。")
        % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
    )


class RouteCheckForm(StyledForm):
    shop = forms.ModelChoiceField(label=_("店铺"), queryset=Shop.objects.none(), empty_label=None)
    address = forms.CharField(
        label=_("收货地址"),
        max_length=255,
        help_text=_("整段地址即可，如“新疆和田地区于田县加依乡”。"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shop = cast(forms.ModelChoiceField, self.fields["shop"])
        shop.queryset = Shop.objects.filter(pk__in=user.shop_ids()).order_by("name")


class SettleForm(StyledForm):
    note = forms.CharField(
        label=_("处理说明"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("与买家商定的结果，如：买家同意改用顺丰")}),
    )
