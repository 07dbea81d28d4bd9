"""The 15-day order watch (§7): the rules that raise follow-ups, the follow-ups agents work, and
what they said to the buyer.

Which orders are on the watch is written once, in ``aftersales.watch.sweep`` (its docstring
says why orders shipped and not yet successful are on it too).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# An order stays on the watch this long after 交易成功 (the seed: "交易成功后的15天").
WATCH_DAYS = 15


class FollowUpKind(models.TextChoices):
    """What raised a follow-up: one rule kind each.

    The domain's "a buyer message unanswered" is not one: the project receives no message
    from buyers. ``messaging.BuyerMessage`` is what the shop sends (outbound only) and
    ``Order.buyer_message`` is the note left at checkout (买家留言), which nobody answers.
    Once buyers' messages come in (旺旺 or the platform's), the rule is one more kind and one
    more statement in ``sweep.statement_for``."""

    STALLED = "stalled", _("物流停滞")
    PROBLEM_PARCEL = "problem_parcel", _("问题件")
    REFUSED = "refused", _("拒收")
    RETURNING = "returning", _("退回中")
    SIGNED_BY_OTHER = "signed_by_other", _("非本人签收")
    OPEN_CASE = "open_case", _("有未结售后单")


# What a rule waits for before raising, in hours, unless the shop says otherwise: a parcel
# without a tracking event for two days; a case open for three days; the rest at once.
DEFAULT_THRESHOLD_HOURS: dict[str, int] = {
    FollowUpKind.STALLED: 48,
    FollowUpKind.PROBLEM_PARCEL: 0,
    FollowUpKind.REFUSED: 0,
    FollowUpKind.RETURNING: 0,
    FollowUpKind.SIGNED_BY_OTHER: 0,
    FollowUpKind.OPEN_CASE: 72,
}
DEFAULT_DUE_HOURS = 24


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("待跟进")
    DONE = "done", _("已处理")
    DISMISSED = "dismissed", _("已忽略")
    # Closed by the sweep: the order left the watch (15 days after 交易成功, or closed).
    EXPIRED = "expired", _("已出跟踪期")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    WANGWANG = "wangwang", _("旺旺")
    SMS = "sms", _("短信")
    OTHER = "other", _("其他")


class ContactResult(models.TextChoices):
    RESOLVED = "resolved", _("已解决")
    NO_ANSWER = "no_answer", _("未联系上")
    CASE_OPENED = "case_opened", _("已建售后单")
    OTHER = "other", _("其他")


class WatchRule(models.Model):
    """One rule: for one shop, or for every shop (``shop`` null), raise a follow-up of
    ``kind`` once its fact is ``threshold_hours`` old, due ``due_hours`` later.

    A shop's own rule of a kind replaces the every-shop rule of that kind for the shop,
    switched off or not: a shop switches a kind off by its own inactive rule."""

    shop = models.ForeignKey(
        "accounts.Shop",
        verbose_name=_("店铺"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="watch_rules",
        help_text=_("留空表示所有店铺。"),
    )
    kind = models.CharField(_("规则类型"), max_length=24, choices=FollowUpKind.choices)
    threshold_hours = models.PositiveIntegerField(
        _("触发时长（小时）"),
        help_text=_("物流停滞：多少小时没有新轨迹；其他：情况出现多少小时后生成任务（0 = 立即）。"),
    )
    due_hours = models.PositiveIntegerField(_("处理时限（小时）"), default=DEFAULT_DUE_HOURS)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    # Null for the rules the migration wrote.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("跟踪规则")
        verbose_name_plural = _("跟踪规则")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "kind"],
                condition=Q(shop__isnull=False),
                name="watchrule_one_per_shop_kind",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(shop__isnull=True), name="watchrule_one_global_kind"
            ),
            models.CheckConstraint(condition=Q(due_hours__gte=1), name="watchrule_due_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.threshold_hours}h"


class FollowUp(models.Model):
    """A task to follow an order up, raised by the sweep under a rule.

    ``shipment``/``case`` and ``basis_at`` say which fact raised it (the parcel and the time of
    its last event, its status; the case): a follow-up closed for a fact is not raised again for
    the same fact, only for a new one. At most one open follow-up per order and kind."""

    shop = models.ForeignKey(
        "accounts.Shop", verbose_name=_("店铺"), on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("订单"), on_delete=models.CASCADE, related_name="followups"
    )
    kind = models.CharField(_("类型"), max_length=24, choices=FollowUpKind.choices)
    rule = models.ForeignKey(
        WatchRule,
        verbose_name=_("跟踪规则"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followups",
    )
    shipment = models.ForeignKey(
        "orders.Shipment",
        verbose_name=_("物流单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("售后单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    basis_at = models.DateTimeField(_("情况发生时间"), null=True, blank=True)
    raised_at = models.DateTimeField(_("生成时间"))
    due_at = models.DateTimeField(_("处理时限"))
    status = models.CharField(
        _("状态"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("跟进人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    result = models.CharField(_("处理结果"), max_length=500, blank=True)
    # The case opened from this follow-up, if one was.
    opened_case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("新建售后单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("跟踪任务")
        verbose_name_plural = _("跟踪任务")
        constraints = [
            # The sweep's INSERT … ON CONFLICT DO NOTHING lands on this index: two sweeps at
            # once never raise the same follow-up twice.
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=Q(status="open"),
                name="followup_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True)
                | ~Q(status="open") & Q(resolved_at__isnull=False),
                name="followup_resolved_iff_closed",
            ),
        ]
        indexes = [
            # The agents' queue: a shop's open follow-ups, what is due first.
            models.Index(
                fields=["shop", "due_at", "id"],
                condition=Q(status="open"),
                name="followup_open_queue_idx",
            ),
            # What was raised for an order and a kind before (the sweep's same-fact check).
            models.Index(fields=["order", "kind"], name="followup_order_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status == FollowUpStatus.OPEN


class ContactLog(models.Model):
    """One contact with the buyer about a follow-up: how, what was said, how it ended."""

    followup = models.ForeignKey(
        FollowUp, verbose_name=_("跟踪任务"), on_delete=models.CASCADE, related_name="contacts"
    )
    channel = models.CharField(_("联系方式"), max_length=16, choices=ContactChannel.choices)
    summary = models.CharField(_("沟通内容"), max_length=500)
    result = models.CharField(_("结果"), max_length=16, choices=ContactResult.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("联系人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("联系时间"))

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        ordering = ["followup_id", "at", "id"]
        indexes = [models.Index(fields=["followup", "at"], name="contactlog_followup_idx")]

    def __str__(self) -> str:
        return f"{self.followup_id} {self.channel} {self.result}"
