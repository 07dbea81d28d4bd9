"""The watch's forms. They check and show; the services write (and check again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role, Shop, User
from aftersales.cases.forms import StyledForm, style_fields
from aftersales.watch.models import (
    DEFAULT_DUE_HOURS,
    ContactChannel,
    ContactResult,
    FollowUpKind,
    WatchRule,
)
from aftersales.watch.services import MAX_HOURS, NOTE_MAX, RESULT_MAX, SUMMARY_MAX

EVERY_SHOP = ""


class _Form(StyledForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class ContactForm(_Form):
    channel = forms.ChoiceField(label=_("联系方式"), choices=ContactChannel.choices)
    summary = forms.CharField(
        label=_("沟通内容"), max_length=SUMMARY_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    # A case is opened from its own button, which logs the contact itself.
    result = forms.ChoiceField(
        label=_("结果"),
        choices=[c for c in ContactResult.choices if c[0] != ContactResult.CASE_OPENED],
    )


class ResolveForm(_Form):
    result = forms.CharField(label=_("处理结果"), max_length=RESULT_MAX)


class DismissForm(_Form):
    reason = forms.CharField(label=_("忽略原因"), max_length=RESULT_MAX)


class OpenCaseContactForm(_Form):
    """What the follow-up's contact log says of the case opened from it."""

    contact_channel = forms.ChoiceField(
        label=_("联系方式"), choices=ContactChannel.choices, initial=ContactChannel.PHONE
    )
    contact_summary = forms.CharField(label=_("沟通内容"), max_length=SUMMARY_MAX, required=False)


class WatchRuleForm(_Form):
    """A rule of one of the user's shops; "every shop" only for an administrator. The shop and
    the kind of an existing rule do not change."""

    shop = forms.ChoiceField(label=_("店铺"), required=False)
    kind = forms.ChoiceField(label=_("规则类型"), choices=FollowUpKind.choices)
    threshold_hours = forms.IntegerField(
        label=_("触发时长（小时）"),
        min_value=0,
        max_value=MAX_HOURS,
        help_text=WatchRule._meta.get_field("threshold_hours").help_text,
    )
    due_hours = forms.IntegerField(
        label=_("处理时限（小时）"), min_value=1, max_value=MAX_HOURS, initial=DEFAULT_DUE_HOURS
    )
    note = forms.CharField(label=_("说明"), max_length=NOTE_MAX, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, user: User, rule: WatchRule | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        shops = Shop.objects.filter(pk__in=user.shop_ids()).order_by("name")
        choices = [(str(s.pk), s.name) for s in shops]
        if user.has_role(Role.ADMINISTRATOR):
            choices = [(EVERY_SHOP, str(_("所有店铺"))), *choices]
        self.fields["shop"].choices = choices
        self.rule = rule
        if rule is not None:
            # What the rule is for stays: shown, not sent.
            for name in ("shop", "kind"):
                self.fields[name].disabled = True
            self.initial.update(
                {
                    "shop": str(rule.shop_id) if rule.shop_id else EVERY_SHOP,
                    "kind": rule.kind,
                    "threshold_hours": rule.threshold_hours,
                    "due_hours": rule.due_hours,
                    "note": rule.note,
                    "is_active": rule.is_active,
                }
            )
            if rule.shop_id is None:
                self.fields["shop"].choices = [(EVERY_SHOP, str(_("所有店铺")))]
                self.fields["shop"].choices += [c for c in choices if c[0] != EVERY_SHOP]
        style_fields(self)

    def shop_id(self) -> int | None:
        value = self.cleaned_data.get("shop") or EVERY_SHOP
        return int(value) if value != EVERY_SHOP else None
