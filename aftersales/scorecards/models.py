"""The penalty policy and the penalties it applied (§2, "Scorecard and penalties").

The scorecard's figures are not stored: they are read from the shipments and the problem
parcels with grouped queries (``selectors``). A penalty keeps the figures it was decided on, so
that what a carrier was charged for stays on the record whatever is corrected later.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.orders.models import money_field


class PenaltyMetric(models.TextChoices):
    """What a policy measures, as a share of the carrier's parcels of the month."""

    OUT_OF_AREA_RATE = "out_of_area_rate", _("超区率")
    PROBLEM_PARCEL_RATE = "problem_parcel_rate", _("问题件率")


def pct_field(verbose_name):
    """A percentage with two decimals, 0.00 to 100.00."""
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )


class PenaltyPolicy(models.Model):
    """One rule of the penalty policy. The monthly job applies every active rule on its own to
    each carrier and shop it covers: past the threshold (strictly above it) with at least the
    minimum of parcels, one penalty for the month."""

    shop = models.ForeignKey(
        "accounts.Shop",
        verbose_name=_("店铺"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("留空表示所有店铺，仅管理员可设。"),
    )
    carrier = models.ForeignKey(
        "core.Carrier",
        verbose_name=_("快递公司"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("留空表示所有快递公司。"),
    )
    metric = models.CharField(_("考核指标"), max_length=24, choices=PenaltyMetric.choices)
    threshold_pct = pct_field(_("阈值（%）"))
    min_parcels = models.PositiveIntegerField(_("最少件数"), default=100)
    deduction_per_parcel = money_field(_("每件结算扣款"))
    revoke_days = models.PositiveSmallIntegerField(_("取消优先天数"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("修改时间"))

    class Meta:
        verbose_name = _("考核规则")
        verbose_name_plural = _("考核规则")
        ordering = ["-is_active", "shop_id", "carrier_id", "metric", "id"]
        constraints = [
            # A rule that neither deducts nor demotes would record penalties that do nothing.
            models.CheckConstraint(
                condition=Q(deduction_per_parcel__gt=0) | Q(revoke_days__gt=0),
                name="penaltypolicy_does_something",
            ),
            models.CheckConstraint(
                condition=Q(threshold_pct__gte=0, threshold_pct__lte=100),
                name="penaltypolicy_threshold_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(deduction_per_parcel__gte=0),
                name="penaltypolicy_deduction_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} > {self.threshold_pct}%"


class Penalty(models.Model):
    """What the job applied to one carrier in one shop for one month under one rule.

    Unique per (policy, carrier, shop, month): the job inserts with ON CONFLICT DO NOTHING, so a
    second run, or two at once, adds nothing, and a penalty an administrator reversed stays
    reversed (its row is still there, so the month is never penalised again under that rule).
    """

    policy = models.ForeignKey(
        PenaltyPolicy,
        verbose_name=_("考核规则"),
        on_delete=models.PROTECT,
        related_name="penalties",
    )
    carrier = models.ForeignKey(
        "core.Carrier", verbose_name=_("快递公司"), on_delete=models.PROTECT, related_name="+"
    )
    shop = models.ForeignKey(
        "accounts.Shop", verbose_name=_("店铺"), on_delete=models.PROTECT, related_name="+"
    )
    # The first day of the month, in Asia/Shanghai.
    month = models.DateField(_("月份"))
    # The figures it was decided on, as they were.
    metric = models.CharField(_("考核指标"), max_length=24, choices=PenaltyMetric.choices)
    parcels = models.PositiveIntegerField(_("发货件数"))
    counted = models.PositiveIntegerField(_("计罚问题件数"))
    rate_pct = pct_field(_("比率（%）"))
    threshold_pct = pct_field(_("阈值（%）"))
    deduction_per_parcel = money_field(_("每件结算扣款"))
    deduction = money_field(_("结算扣款"))
    revoke_days = models.PositiveSmallIntegerField(_("取消优先天数"), default=0)
    revoke_starts_at = models.DateTimeField(_("取消优先开始"), null=True, blank=True)
    revoke_ends_at = models.DateTimeField(_("取消优先结束"), null=True, blank=True)
    # Set once the revocation is made (by whichever run got there first).
    revocation = models.OneToOneField(
        "logistics.PriorityRevocation",
        verbose_name=_("取消优先记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("处罚时间"))
    # Which run of the job inserted it (a random token per run): tells each of two runs at
    # once what it added itself, which ON CONFLICT DO NOTHING does not say.
    run = models.CharField(max_length=32, blank=True, editable=False)
    reversed_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reverse_reason = models.CharField(_("撤销原因"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("快递处罚")
        verbose_name_plural = _("快递处罚")
        ordering = ["-month", "shop_id", "carrier_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "carrier", "shop", "month"], name="penalty_once_per_month"
            ),
            models.CheckConstraint(
                condition=Q(reversed_at__isnull=True, reversed_by__isnull=True)
                | Q(reversed_at__isnull=False, reversed_by__isnull=False),
                name="penalty_reversed_by_someone",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "month"], name="penalty_shop_month_idx"),
            models.Index(fields=["month", "carrier"], name="penalty_month_carrier_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id}@{self.shop_id} {self.month:%Y-%m}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None
