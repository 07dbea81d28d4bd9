from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def money_field(verbose_name: "StrOrPromise") -> "models.DecimalField[Decimal, Decimal]":
    """CNY with two decimals; the one shape every money column has."""
    return models.DecimalField(
        verbose_name, max_digits=12, decimal_places=2, default=Decimal("0.00")
    )


class SevenDayExclusion(models.TextChoices):
    """Why a line does not support the seven-day no-reason return."""

    CUSTOM_MADE = "custom_made", _("定制商品")
    PERISHABLE = "perishable", _("鲜活易腐商品")
    DIGITAL_UNSEALED = "digital_unsealed", _("在线下载或已拆封的数字化商品")
    PERIODICAL = "periodical", _("报纸、期刊")
    SHOP_MARKED = "shop_marked", _("店铺在售时标注不支持")


class Product(models.Model):
    """The shop's catalogue entry for a merchant code; its after-sales terms are copied onto
    each order line when the order comes in, so a later change never rewrites a past sale."""

    shop = models.ForeignKey("accounts.Shop", on_delete=models.CASCADE, related_name="products")
    sku_code = models.CharField(_("商家编码"), max_length=64)
    title = models.CharField(_("标题"), max_length=255)
    seven_day_eligible = models.BooleanField(_("支持七天无理由"), default=True)
    seven_day_exclusion = models.CharField(
        _("不支持原因"), max_length=32, choices=SevenDayExclusion.choices, blank=True
    )
    seven_day_exclusion_note = models.CharField(_("不支持说明"), max_length=255, blank=True)
    warranty_months = models.PositiveSmallIntegerField(_("保修月数"), default=0)
    service_scope = models.CharField(_("服务范围"), max_length=255, blank=True)
    stock = models.IntegerField(_("库存"), default=0)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "sku_code"], name="product_unique_sku_per_shop"
            ),
            models.CheckConstraint(
                condition=Q(seven_day_eligible=True, seven_day_exclusion="")
                | Q(seven_day_eligible=False) & ~Q(seven_day_exclusion=""),
                name="product_exclusion_reason_iff_ineligible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_code} {self.title}"


class OrderStatus(models.TextChoices):
    WAIT_BUYER_PAY = "wait_buyer_pay", _("等待买家付款")
    WAIT_SELLER_SEND = "wait_seller_send", _("买家已付款，等待卖家发货")
    WAIT_BUYER_CONFIRM = "wait_buyer_confirm", _("卖家已发货，等待买家确认")
    SUCCESS = "success", _("交易成功")
    CLOSED = "closed", _("交易关闭")


class Order(models.Model):
    shop = models.ForeignKey("accounts.Shop", on_delete=models.PROTECT, related_name="orders")
    order_no = models.CharField(_("订单编号"), max_length=32)
    buyer_nick = models.CharField(_("买家会员名"), max_length=64, db_index=True)
    receiver_name = models.CharField(_("收货人姓名"), max_length=64, blank=True)
    receiver_phone = models.CharField(_("联系手机"), max_length=32, blank=True)
    province = models.CharField(_("省"), max_length=32, blank=True)
    city = models.CharField(_("市"), max_length=32, blank=True)
    district = models.CharField(_("区县"), max_length=32, blank=True)
    street = models.CharField(_("详细地址"), max_length=255, blank=True)
    postal_code = models.CharField(_("邮编"), max_length=10, blank=True)
    status = models.CharField(_("订单状态"), max_length=24, choices=OrderStatus.choices)
    goods_total = money_field(_("应付货款"))
    freight_paid = money_field(_("邮费"))
    amount_paid = money_field(_("实付金额"))
    buyer_message = models.CharField(_("买家留言"), max_length=500, blank=True)
    seller_note = models.CharField(_("订单备注"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    paid_at = models.DateTimeField(_("付款时间"), null=True, blank=True)
    success_at = models.DateTimeField(_("确认收货时间"), null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        constraints = [
            models.UniqueConstraint(fields=["shop", "order_no"], name="order_unique_no_per_shop"),
        ]
        indexes = [
            models.Index(fields=["order_no"], name="order_no_idx"),
            # The 15-day watch: orders by their transaction success, and the few shipped orders
            # still awaiting the buyer's confirmation.
            models.Index(fields=["success_at"], name="order_success_at_idx"),
            models.Index(
                fields=["id"],
                condition=Q(status="wait_buyer_confirm", success_at__isnull=True),
                name="order_awaiting_confirm_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.order_no

    @property
    def free_shipping(self) -> bool:
        return bool(self.freight_paid == 0)

    @property
    def address(self) -> str:
        return " ".join(p for p in (self.province, self.city, self.district, self.street) if p)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField(_("行号"))
    title = models.CharField(_("标题"), max_length=255)
    sku_code = models.CharField(_("商家编码"), max_length=64, blank=True)
    sku_properties = models.CharField(_("商品属性"), max_length=255, blank=True)
    unit_price = money_field(_("单价"))
    quantity = models.PositiveIntegerField(_("数量"))
    amount_paid = money_field(_("实付金额"))
    seven_day_eligible = models.BooleanField(_("支持七天无理由"), default=True)
    seven_day_exclusion = models.CharField(
        _("不支持原因"), max_length=32, choices=SevenDayExclusion.choices, blank=True
    )
    seven_day_exclusion_note = models.CharField(_("不支持说明"), max_length=255, blank=True)
    warranty_months = models.PositiveSmallIntegerField(_("保修月数"), default=0)

    class Meta:
        verbose_name = _("订单明细")
        verbose_name_plural = _("订单明细")
        ordering = ["order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="orderline_unique_no"),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0), name="orderline_amount_paid_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(seven_day_eligible=True, seven_day_exclusion="")
                | Q(seven_day_eligible=False) & ~Q(seven_day_exclusion=""),
                name="orderline_exclusion_reason_iff_ineligible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.line_no} {self.title}"


class ShipmentDirection(models.TextChoices):
    OUTBOUND = "outbound", _("发货")
    RETURN = "return", _("退回")
    RESHIP = "reship", _("补寄")
    REPLACEMENT = "replacement", _("换货发出")


class SignPrecision(models.TextChoices):
    """How much of the sign-in is known. Stored, never guessed."""

    NONE = "none", _("未签收")
    EXACT = "exact", _("精确到时间")
    DATE = "date", _("仅知日期")


class SignSource(models.TextChoices):
    """Where a sign-in came from. The seller centre's order export is never one: it has no
    sign-in column, and its 确认收货时间 is the buyer's confirmation, a different event."""

    TRACKING = "tracking", _("快递轨迹")
    PLATFORM = "platform", _("平台")
    PERSON = "person", _("人工登记")


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="shipments"
    )
    direction = models.CharField(_("方向"), max_length=16, choices=ShipmentDirection.choices)
    carrier = models.ForeignKey(
        "core.Carrier", verbose_name=_("快递公司"), null=True, on_delete=models.PROTECT
    )
    waybill_no = models.CharField(_("运单号"), max_length=40, blank=True)
    shipped_at = models.DateTimeField(_("发出时间"), null=True, blank=True)
    sign_precision = models.CharField(
        _("签收精度"), max_length=8, choices=SignPrecision.choices, default=SignPrecision.NONE
    )
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_on = models.DateField(_("签收日期"), null=True, blank=True)
    # Blank exactly when nothing is known of the sign-in (see the constraint below).
    sign_source = models.CharField(
        _("签收来源"), max_length=16, choices=SignSource.choices, blank=True, default=""
    )
    # Who wrote the sign-in last and when; nobody for what a feed wrote before it was logged.
    sign_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签收登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sign_recorded_at = models.DateTimeField(_("签收登记时间"), null=True, blank=True)
    freight = money_field(_("运费"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("物流单")
        verbose_name_plural = _("物流单")
        indexes = [
            models.Index(fields=["waybill_no"], name="shipment_waybill_idx"),
            # The carriers' monthly scorecards count parcels by when they were shipped.
            models.Index(fields=["shipped_at"], name="shipment_shipped_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="shipment_sign_matches_precision",
                condition=Q(sign_precision="none", signed_at__isnull=True, signed_on__isnull=True)
                | Q(sign_precision="exact", signed_at__isnull=False, signed_on__isnull=True)
                | Q(sign_precision="date", signed_at__isnull=True, signed_on__isnull=False),
            ),
            models.CheckConstraint(
                name="shipment_sign_source_iff_signed",
                condition=Q(sign_precision="none", sign_source="")
                | Q(sign_precision__in=["exact", "date"], sign_source__in=SignSource.values),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.waybill_no}"


class ShipmentSignInChange(models.Model):
    """One row for every change of a shipment's sign-in: what it was, what it became, who
    changed it, when and why. Written in the same transaction as the change; never updated
    or deleted. ``before`` and ``after`` are ``{"precision", "at", "on", "source"}``, the time
    in ISO 8601 (UTC) and the date as YYYY-MM-DD."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="sign_in_changes")
    before = models.JSONField(_("修改前"))
    after = models.JSONField(_("修改后"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    note = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("签收修改记录")
        verbose_name_plural = _("签收修改记录")
        ordering = ["shipment_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.shipment_id} @ {self.at:%Y-%m-%d %H:%M}"
