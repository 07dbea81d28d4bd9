"""The penalty rule's form. It checks and shows; the services write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role, Shop, User
from aftersales.scorecards.models import PenaltyPolicy
from aftersales.scorecards.services import MAX_REVOKE_DAYS, MSG_NOTHING_TO_DO


class PolicyForm(forms.ModelForm):
    """A rule of one of the user's shops; "every shop" only for an administrator. The shop of
    an existing rule does not change."""

    threshold_pct = forms.DecimalField(
        label=_("阈值（%）"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=_("比率高于该值（不含）才处罚。"),
    )
    revoke_days = forms.IntegerField(
        label=_("取消优先天数"),
        min_value=0,
        max_value=MAX_REVOKE_DAYS,
        initial=0,
        help_text=_("处罚后该快递在本店路由中降为最后，持续这么多天；0 表示不取消。"),
    )

    class Meta:
        model = PenaltyPolicy
        fields = (
            "shop",
            "carrier",
            "metric",
            "threshold_pct",
            "min_parcels",
            "deduction_per_parcel",
            "revoke_days",
            "is_active",
            "note",
        )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        is_admin = user.has_role(Role.ADMINISTRATOR)
        shop = cast(forms.ModelChoiceField, self.fields["shop"])
        shop.queryset = Shop.objects.filter(pk__in=user.shop_ids()).order_by("name")
        shop.required = not is_admin
        shop.empty_label = str(_("所有店铺")) if is_admin else None
        if not is_admin:
            shop.help_text = ""
        if self.instance.pk:
            shop.disabled = True
            shop.required = False
        carrier = cast(forms.ModelChoiceField, self.fields["carrier"])
        carrier.empty_label = str(_("所有快递公司"))
        self.fields["deduction_per_parcel"].help_text = _("元；0 表示不扣款。")
        self.fields["min_parcels"].help_text = _("当月发货少于该件数时不考核。")
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        deduction, days = data.get("deduction_per_parcel"), data.get("revoke_days")
        if deduction is not None and days is not None and deduction == 0 and days == 0:
            # Said before the model's constraint would say it in its own words.
            self.add_error("deduction_per_parcel", str(MSG_NOTHING_TO_DO))
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        shop = data.get("shop") if not self.instance.pk else self.instance.shop
        carrier = data.get("carrier")
        return {
            "shop_id": shop.pk if shop else None,
            "carrier_id": carrier.pk if carrier else None,
            "metric": data["metric"],
            "threshold_pct": data["threshold_pct"],
            "min_parcels": data["min_parcels"],
            "deduction_per_parcel": data["deduction_per_parcel"],
            "revoke_days": data["revoke_days"],
            "is_active": data["is_active"],
            "note": data["note"],
        }
