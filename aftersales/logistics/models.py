"""The courier area (§2 of the domain): each carrier's coverage, outlet suspensions and
contingency plans (carrier-wide reference data), the shop's routing (per shop), penalties'
revocations of priority, and the pre-ship flags the agent works through.

Carriers themselves are reference data in ``aftersales.core.models.Carrier``.

A region is (province, city, district) with the names the platform writes ("浙江省",
"杭州市", "西湖区"); a blank city means the whole province, a blank district the whole city.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProblemKind(models.TextChoices):
    """The kinds of courier problem; their values equal tracking's problem statuses."""

    OUT_OF_AREA = "out_of_area", _("超区")
    BLIND_AREA = "blind_area", _("盲区/无网点")
    STRANDED = "stranded", _("滞留")
    REFUSED = "refused", _("拒收")
    RETURNING = "returning", _("退回")


class Coverage(models.TextChoices):
    """A rule's word on its region; the most specific rule that matches wins, so "full"
    carves a served city out of a province that is otherwise not served."""

    NONE = "none", _("不覆盖")
    LIMITED = "limited", _("有限覆盖")
    FULL = "full", _("正常覆盖")


class PlanAction(models.TextChoices):
    FORWARD = "forward", _("转寄")
    DELIVER_OTHER = "deliver_other", _("其他方式派送")
    RETURN_TO_SENDER = "return_to_sender", _("退回寄件人")


class RegionFields(models.Model):
    province = models.CharField(_("省"), max_length=32)
    city = models.CharField(_("市"), max_length=32, blank=True)
    district = models.CharField(_("区县"), max_length=32, blank=True)

    class Meta:
        abstract = True

    @property
    def region(self) -> str:
        return "".join(p for p in (self.province, self.city, self.district) if p)

    @property
    def region_tuple(self) -> tuple[str, str, str]:
        return (self.province, self.city, self.district)


class CoverageRule(RegionFields):
    """A region the carrier does not serve, or serves with limits (the note says which)."""

    carrier = models.ForeignKey(
        "core.Carrier", verbose_name=_("快递公司"), on_delete=models.CASCADE, related_name="+"
    )
    coverage = models.CharField(_("覆盖"), max_length=8, choices=Coverage.choices)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("覆盖规则")
        verbose_name_plural = _("覆盖规则")
        ordering = ["carrier_id", "province", "city", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "province", "city", "district"],
                name="logistics_coverage_unique_region",
            ),
            models.CheckConstraint(
                name="logistics_coverage_region_nested",
                condition=~Q(province="") & (Q(district="") | ~Q(city="")),
            ),
        ]
        indexes = [models.Index(fields=["province", "city", "district"], name="lg_cov_region_idx")]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.region} {self.coverage}"


class OutletSuspension(RegionFields):
    """An outlet that stops for a while: from ``starts_on`` through ``ends_on`` (both days
    included, Asia/Shanghai dates) the region it serves counts as not served (网点暂停)."""

    carrier = models.ForeignKey(
        "core.Carrier", verbose_name=_("快递公司"), on_delete=models.CASCADE, related_name="+"
    )
    outlet = models.CharField(_("网点"), max_length=64)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    note = models.CharField(_("说明"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("网点暂停")
        verbose_name_plural = _("网点暂停")
        ordering = ["-starts_on", "carrier_id", "outlet"]
        constraints = [
            models.CheckConstraint(
                name="logistics_suspension_dates_ordered",
                condition=Q(ends_on__gte=models.F("starts_on")),
            ),
            models.CheckConstraint(
                name="logistics_suspension_region_nested",
                condition=~Q(province="") & (Q(district="") | ~Q(city="")),
            ),
            models.UniqueConstraint(
                fields=["carrier", "outlet", "starts_on"], name="logistics_suspension_unique_start"
            ),
        ]
        indexes = [models.Index(fields=["ends_on", "starts_on"], name="lg_susp_dates_idx")]

    def __str__(self) -> str:
        return f"{self.outlet} {self.starts_on}–{self.ends_on}"


class ContingencyPlan(models.Model):
    """What the carrier does with a parcel that meets a problem of this kind."""

    carrier = models.ForeignKey(
        "core.Carrier", verbose_name=_("快递公司"), on_delete=models.CASCADE, related_name="+"
    )
    problem_kind = models.CharField(_("问题类型"), max_length=16, choices=ProblemKind.choices)
    action = models.CharField(_("处理方式"), max_length=20, choices=PlanAction.choices)
    note = models.TextField(_("说明"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("应急预案")
        verbose_name_plural = _("应急预案")
        ordering = ["carrier_id", "problem_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "problem_kind"], name="logistics_plan_unique_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.problem_kind} {self.action}"


class PriorityRevocation(models.Model):
    """A carrier demoted in routing for a period (a penalty, or by hand): from ``starts_at``
    (included) to ``ends_at`` (excluded), for one shop or — shop blank — every shop, unless
    reversed."""

    carrier = models.ForeignKey(
        "core.Carrier", verbose_name=_("快递公司"), on_delete=models.CASCADE, related_name="+"
    )
    shop = models.ForeignKey(
        "accounts.Shop",
        verbose_name=_("店铺"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    reason = models.CharField(_("原因"), max_length=255)
    source = models.CharField(_("来源"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reversed_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("取消优先")
        verbose_name_plural = _("取消优先")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                name="logistics_revocation_period_ordered",
                condition=Q(ends_at__gt=models.F("starts_at")),
            ),
        ]
        indexes = [
            models.Index(fields=["carrier", "ends_at"], name="lg_revoke_carrier_end_idx"),
            models.Index(fields=["source"], name="lg_revoke_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.starts_at}–{self.ends_at}"


class Route(RegionFields):
    """The shop's carriers for a region, in order (see ``RouteCarrier``). A route with no
    province is the shop's default for every region. The most specific matching route wins."""

    province = models.CharField(_("省"), max_length=32, blank=True)
    shop = models.ForeignKey(
        "accounts.Shop", verbose_name=_("店铺"), on_delete=models.CASCADE, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("发货路由")
        verbose_name_plural = _("发货路由")
        ordering = ["shop_id", "province", "city", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "province", "city", "district"],
                name="logistics_route_unique_region",
            ),
            models.CheckConstraint(
                name="logistics_route_region_nested",
                condition=(Q(city="") | ~Q(province="")) & (Q(district="") | ~Q(city="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.region or '*'}"


class RouteCarrier(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="carriers")
    position = models.PositiveSmallIntegerField(_("顺序"))
    carrier = models.ForeignKey(
        "core.Carrier", verbose_name=_("快递公司"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["route_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["route", "position"], name="logistics_routecarrier_pos"
            ),
            models.UniqueConstraint(
                fields=["route", "carrier"], name="logistics_routecarrier_once"
            ),
        ]


class OrderRegion(models.Model):
    """An order's region as the routing reads it: the platform's province / city / district
    normalised to full names by the address parser, or — those blank — parsed from the free
    text of the street. Written by the pre-ship sweep for orders not yet shipped, so the
    set-based routing reads names that match the coverage rules'; ``source`` is the text it
    was made from (a changed address is parsed again)."""

    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    province = models.CharField(max_length=32, blank=True)
    city = models.CharField(max_length=32, blank=True)
    district = models.CharField(max_length=32, blank=True)
    source = models.CharField(max_length=400)
    parsed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["province", "city", "district"], name="lg_orderregion_idx")]


class FlagReason(models.TextChoices):
    NO_CARRIER = "no_carrier", _("无快递可达")
    LIMITED = "limited", _("仅有限覆盖")
    PRIMARY_SKIPPED = "primary_skipped", _("首选快递不可用")
    NO_ROUTE = "no_route", _("未设置路由")
    ADDRESS_UNKNOWN = "address_unknown", _("地址无法识别")


class PreShipFlag(models.Model):
    """An order not yet shipped that its chosen carrier may not reach. The sweep raises it,
    and drops an open one whose problem went away or changed; the agent settles it with a note
    and it leaves the list. One open flag per order; a settled one stays as the record, and the
    same problem (reason and carrier) is not raised again once settled."""

    order = models.ForeignKey(
        "orders.Order", verbose_name=_("订单"), on_delete=models.CASCADE, related_name="+"
    )
    shop = models.ForeignKey(
        "accounts.Shop", verbose_name=_("店铺"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("预警原因"), max_length=16, choices=FlagReason.choices)
    carrier = models.ForeignKey(
        "core.Carrier",
        verbose_name=_("选定快递"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    primary = models.ForeignKey(
        "core.Carrier",
        verbose_name=_("首选快递"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("预警时间"))
    settled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    settle_note = models.CharField(_("处理说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("发货前预警")
        verbose_name_plural = _("发货前预警")
        indexes = [
            models.Index(
                fields=["shop", "-raised_at"],
                name="lg_flag_open_idx",
                condition=Q(settled_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(settled_at__isnull=True),
                name="logistics_flag_one_open_per_order",
            ),
            models.CheckConstraint(
                name="logistics_flag_settled_with_who",
                condition=Q(settled_at__isnull=True, settled_by__isnull=True)
                | Q(settled_at__isnull=False, settled_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.reason}"
