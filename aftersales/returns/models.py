import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.orders.models import money_field


class FaultParty(models.TextChoices):
    SELLER = "seller", _("卖家")
    BUYER = "buyer", _("买家")
    CARRIER = "carrier", _("快递")


class Remedy(models.TextChoices):
    REFUND = "refund", _("退款")
    RESHIP = "reship", _("补寄")
    CASH = "cash", _("现金补偿")
    GOODS = "goods", _("赠送商品")


class ReturnDetail(models.Model):
    """What the cases of §1 need beyond the case core."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="returns")
    fault_party = models.CharField(_("责任方"), max_length=16, choices=FaultParty.choices)
    requested_amount = money_field(_("申请金额"))
    remedy = models.CharField(_("补偿方式"), max_length=16, choices=Remedy.choices, blank=True)
    compensation_amount = money_field(_("补偿金额"))
    compensation_goods = models.CharField(_("补偿商品"), max_length=255, blank=True)
    # What the remedy costs the shop (money, goods' value, units sent again): what the
    # approval rules measure.
    compensation_cost = money_field(_("补偿成本"))
    return_address = models.CharField(_("退货地址"), max_length=255, blank=True)
    refuse_reason = models.CharField(_("拒绝原因"), max_length=255, blank=True)
    goods_intact = models.BooleanField(_("商品完好"), null=True, blank=True)
    inspection_note = models.CharField(_("验货说明"), max_length=255, blank=True)
    freight_insurance = models.BooleanField(_("运费险"), default=False)
    refused_at = models.DateTimeField(_("拒收时间"), null=True, blank=True)
    # Reported more than 24 hours after the refusal: marked on the case and in the inbox.
    refusal_reported_late = models.BooleanField(_("逾期报告拒收"), default=False)
    # What the buyer wants instead, for an exchange: a merchant code (SKU) of the shop.
    exchange_sku = models.CharField(_("换货商品编码"), max_length=64, blank=True)
    # Why a no-reason return that came back not intact is not refunded in full.
    deduction_reason = models.CharField(_("扣减原因"), max_length=255, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    carried_out_at = models.DateTimeField(_("执行时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("退换货信息")
        verbose_name_plural = _("退换货信息")


class FreightLeg(models.TextChoices):
    OUTBOUND = "outbound", _("发货运费")
    RETURN = "return", _("退回运费")
    RESHIP = "reship", _("补寄/换货运费")


class Bearer(models.TextChoices):
    SELLER = "seller", _("卖家承担")
    BUYER = "buyer", _("买家承担")
    INSURANCE = "insurance", _("运费险承担")


class FreightCharge(models.Model):
    """Who bears each leg's freight on a case, and how much."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="freight")
    leg = models.CharField(_("运费段"), max_length=16, choices=FreightLeg.choices)
    bearer = models.CharField(_("承担方"), max_length=16, choices=Bearer.choices)
    amount = money_field(_("金额"))

    class Meta:
        verbose_name = _("运费承担")
        verbose_name_plural = _("运费承担")
        constraints = [
            models.UniqueConstraint(fields=["case", "leg"], name="freight_unique_leg"),
        ]


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("退款中")
    SUCCEEDED = "succeeded", _("退款成功")
    FAILED = "failed", _("退款失败")


# The statuses that hold money against a line's cap; a failed refund holds nothing.
HOLDING_STATUSES = (RefundStatus.PENDING, RefundStatus.SUCCEEDED)


class Refund(models.Model):
    """One entry of the refund ledger of an order line."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = models.ForeignKey("accounts.Shop", on_delete=models.PROTECT, related_name="+")
    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="refunds"
    )
    # Every refund belongs to a case: money moves only through a case's actions.
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="refunds")
    amount = money_field(_("退款金额"))
    # The outbound freight the buyer paid, refunded; capped by the order's freight.
    freight_amount = money_field(_("退运费"))
    # The buyer's return freight that the seller bears, paid back; capped by what the case
    # recorded for its return leg.
    return_freight_amount = money_field(_("退回运费补偿"))
    status = models.CharField(
        _("状态"), max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    idempotency_key = models.CharField(_("幂等键"), max_length=64)
    request_fingerprint = models.CharField(max_length=64)
    failure_reason = models.CharField(_("失败原因"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    settled_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认人"),
    )

    class Meta:
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "idempotency_key"], name="refund_unique_idempotency_key"
            ),
            models.CheckConstraint(
                condition=Q(
                    amount__gte=Decimal("0.00"),
                    freight_amount__gte=Decimal("0.00"),
                    return_freight_amount__gte=Decimal("0.00"),
                )
                & (
                    Q(amount__gt=Decimal("0.00"))
                    | Q(freight_amount__gt=Decimal("0.00"))
                    | Q(return_freight_amount__gt=Decimal("0.00"))
                ),
                name="refund_positive",
            ),
            # A settled refund names who settled it and when; a pending one names neither.
            models.CheckConstraint(
                condition=Q(status="pending", settled_at__isnull=True)
                | (~Q(status="pending") & Q(settled_at__isnull=False)),
                name="refund_settled_has_time",
            ),
        ]
        indexes = [models.Index(fields=["order_line", "status"], name="refund_line_status_idx")]


class ReshipLine(models.Model):
    """What a reship sends, line by line: decided with its quantities, stock taken then."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="reship_lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    sku_code = models.CharField(_("商家编码"), max_length=64, blank=True)
    quantity = models.PositiveIntegerField(_("数量"))

    class Meta:
        verbose_name = _("补寄明细")
        verbose_name_plural = _("补寄明细")
        constraints = [
            models.UniqueConstraint(fields=["case", "order_line"], name="reshipline_unique_line"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reshipline_qty_pos"),
        ]
