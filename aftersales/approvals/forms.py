"""The rule form of the workbench. It checks and shows; the services write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role, Shop, User
from aftersales.approvals.models import ApprovalRule
from aftersales.approvals.services import (
    MAX_DEADLINE_HOURS,
    MSG_CASE_KIND_INVALID,
    approver_roles,
    role_label,
)

RULE_FIELDS = (
    "shop",
    "case_kind",
    "condition",
    "threshold",
    "approver_role",
    "deadline_hours",
    "note",
)


def _style(form: forms.BaseForm) -> None:
    errors = getattr(form, "_errors", None) or {}
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.Select):
            css = "form-select form-select-sm"
        else:
            css = "form-control form-control-sm"
        if name in errors:
            css += " is-invalid"
        field.widget.attrs["class"] = css


class ApprovalRuleForm(forms.ModelForm):
    """A rule of one of the user's shops; "every shop" only for an administrator. The shop of
    an existing rule does not change."""

    approver_role = forms.ChoiceField(label=_("审批角色"))
    deadline_hours = forms.IntegerField(
        label=_("审批时限（小时）"), min_value=1, max_value=MAX_DEADLINE_HOURS
    )
    threshold = forms.DecimalField(
        label=_("金额阈值"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
        help_text=_("仅“金额超过阈值”使用：金额大于该值才需审批。"),
    )
    case_kind = forms.CharField(
        label=_("售后类型"),
        required=False,
        max_length=32,
        validators=[RegexValidator(r"^[a-z0-9_]*$", MSG_CASE_KIND_INVALID)],
        help_text=_("售后类型代码，如 compensation；留空表示所有类型。"),
    )

    class Meta:
        model = ApprovalRule
        fields = RULE_FIELDS

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
        self.fields["approver_role"].choices = [  # type: ignore[attr-defined]
            (role, role_label(role)) for role in sorted(approver_roles())
        ]
        _style(self)

    def full_clean(self) -> None:
        super().full_clean()
        _style(self)

    def values(self) -> dict[str, Any]:
        """What the services take, from the cleaned form."""
        data = dict(self.cleaned_data)
        shop = data.pop("shop", None)
        data["shop_id"] = shop.pk if shop is not None else None
        return data
