"""A problem parcel (§2): the parcel a carrier could not deliver, beside the case that handles
it, and what was agreed with the buyer.

``is_open`` mirrors the case's: a database constraint cannot look through the case, and one
open problem per shipment is what keeps a tracking event that arrives twice (or two at once)
from opening a second case.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.logistics.models import ProblemKind


class ProblemSource(models.TextChoices):
    TRACKING = "tracking", _("快递轨迹")
    MANUAL = "manual", _("人工登记")


class ParcelOutcome(models.TextChoices):
    """What the agent agreed with the buyer."""

    NEW_ADDRESS = "new_address", _("改地址重新派送")
    PICKUP = "pickup", _("网点自提")
    RESHIP = "reship", _("换快递补寄")
    REFUND = "refund", _("取消订单并退款")
    CLOSED = "closed", _("无需处理")


class ParcelProblem(models.Model):
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="parcel_problem"
    )
    shipment = models.ForeignKey(
        "orders.Shipment",
        verbose_name=_("物流单"),
        on_delete=models.PROTECT,
        related_name="problems",
    )
    problem_kind = models.CharField(_("问题类型"), max_length=16, choices=ProblemKind.choices)
    source = models.CharField(_("来源"), max_length=16, choices=ProblemSource.choices)
    # The tracking event that raised it (tracking's TrackingEvent id; a plain id so that this
    # table does not depend on how tracking keeps its events).
    source_event_id = models.PositiveBigIntegerField(_("轨迹事件"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"))
    note = models.TextField(_("说明"), blank=True)
    is_open = models.BooleanField(default=True)
    outcome = models.CharField(
        _("处理结果"), max_length=16, choices=ParcelOutcome.choices, blank=True
    )
    new_address = models.CharField(_("新地址"), max_length=255, blank=True)
    station = models.CharField(_("自提网点"), max_length=128, blank=True)
    reship_shipment = models.ForeignKey(
        "orders.Shipment",
        verbose_name=_("补寄物流单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    refund_amount = models.DecimalField(
        _("退款金额"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    close_reason = models.CharField(_("关闭原因"), max_length=255, blank=True)
    agreed_at = models.DateTimeField(_("约定时间"), null=True, blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("约定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("问题件")
        verbose_name_plural = _("问题件")
        indexes = [
            # The scorecards count problems by kind; the watch reads the open ones.
            models.Index(fields=["problem_kind", "occurred_at"], name="parcels_kind_time_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment"],
                condition=Q(is_open=True),
                name="parcels_one_open_per_shipment",
            ),
            # An outcome is agreed by someone at a time; nothing agreed names neither.
            models.CheckConstraint(
                name="parcels_outcome_agreed",
                condition=Q(outcome="", agreed_at__isnull=True, agreed_by__isnull=True)
                | (~Q(outcome="") & Q(agreed_at__isnull=False)),
            ),
            # Each outcome carries its own detail.
            models.CheckConstraint(
                name="parcels_outcome_detail",
                condition=~Q(outcome="new_address", new_address="")
                & ~Q(outcome="pickup", station="")
                & ~Q(outcome="reship", reship_shipment__isnull=True)
                & ~Q(outcome="refund", refund_amount__isnull=True)
                & ~Q(outcome="closed", close_reason=""),
            ),
            models.CheckConstraint(
                name="parcels_refund_positive",
                condition=Q(refund_amount__isnull=True) | Q(refund_amount__gt=Decimal("0.00")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_problem_kind_display()} {self.shipment_id}"
