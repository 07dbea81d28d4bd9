"""Carrier tracking (§2): what the carriers said, kept raw (``TrackingPayload``), normalised
into events (``TrackingEvent``) and summed up per shipment (``ShipmentTracking``).

Times are stored in UTC; a carrier's local time (Kuaidi100's ``ftime``) is Asia/Shanghai.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackingStatus(models.TextChoices):
    COLLECTED = "collected", _("已揽收")
    IN_TRANSIT = "in_transit", _("运输中")
    OUT_FOR_DELIVERY = "out_for_delivery", _("派件中")
    SIGNED = "signed", _("已签收")
    REFUSED = "refused", _("拒收")
    RETURNING = "returning", _("退回中")
    OUT_OF_AREA = "out_of_area", _("超区")
    BLIND_AREA = "blind_area", _("盲区/无网点")
    STRANDED = "stranded", _("滞留")
    NO_UPDATE = "no_update", _("无更新")


# The statuses that are a problem parcel; their values equal logistics.ProblemKind's.
PROBLEM_STATUSES = frozenset({"out_of_area", "blind_area", "stranded", "refused", "returning"})


class ShipmentTracking(models.Model):
    """Where a shipment stands according to its carrier. ``status`` is blank while nothing is
    known; ``status_at`` is the time of the event that set it (a late, older event never
    moves it back); ``last_event_at`` the newest event seen; ``last_polled_at`` when an
    adapter last asked the carrier."""

    shipment = models.OneToOneField(
        "orders.Shipment",
        verbose_name=_("物流单"),
        on_delete=models.CASCADE,
        related_name="tracking",
    )
    status = models.CharField(
        _("物流状态"), max_length=20, choices=TrackingStatus.choices, blank=True, default=""
    )
    status_at = models.DateTimeField(_("状态时间"), null=True, blank=True)
    # The event that set the status (a plain id: events are never deleted while it points).
    status_event_id = models.BigIntegerField(null=True, blank=True)
    last_event_at = models.DateTimeField(_("最新轨迹时间"), null=True, blank=True)
    last_polled_at = models.DateTimeField(_("最近查询时间"), null=True, blank=True)
    subscribed = models.BooleanField(_("已订阅推送"), default=False)
    # The sign-in instant the carrier reported (kept even when a person's record wins).
    carrier_signed_at = models.DateTimeField(_("快递签收时间"), null=True, blank=True)
    # Kuaidi100's carrier code as last seen (after an autoCheck correction).
    carrier_code = models.CharField(_("快递100编码"), max_length=32, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("物流跟踪")
        verbose_name_plural = _("物流跟踪")
        indexes = [
            models.Index(fields=["status", "last_event_at"], name="tracking_status_event_idx"),
            models.Index(fields=["last_polled_at"], name="tracking_polled_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.status or '-'}"

    @property
    def is_problem(self) -> bool:
        return self.status in PROBLEM_STATUSES


class PayloadSource(models.TextChoices):
    KUAIDI100_PUSH = "kuaidi100_push", _("快递100推送")
    POLL = "poll", _("主动查询")


class TrackingPayload(models.Model):
    """A body as it arrived, kept whether it was good or not: a push with a bad signature,
    a body that was not JSON, a waybill we do not know — all stay here with what was wrong."""

    source = models.CharField(_("来源"), max_length=20, choices=PayloadSource.choices)
    received_at = models.DateTimeField(_("收到时间"))
    body = models.TextField(_("原文"), blank=True)
    # None for what we fetched ourselves (no signature to check).
    signature_ok = models.BooleanField(_("签名正确"), null=True)
    error = models.CharField(_("错误"), max_length=255, blank=True)
    carrier_code = models.CharField(_("快递编码"), max_length=32, blank=True)
    waybill_no = models.CharField(_("运单号"), max_length=40, blank=True)
    # The shipment it was matched to; null for an unknown waybill (kept and reported).
    shipment_id = models.BigIntegerField(_("物流单"), null=True, blank=True)
    events_new = models.PositiveIntegerField(_("新轨迹数"), default=0)

    class Meta:
        verbose_name = _("轨迹原文")
        verbose_name_plural = _("轨迹原文")
        indexes = [
            models.Index(fields=["received_at"], name="tracking_payload_recv_idx"),
            models.Index(fields=["waybill_no"], name="tracking_payload_waybill_idx"),
            models.Index(fields=["shipment_id"], name="tracking_payload_shipment_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.waybill_no} @ {self.received_at:%Y-%m-%d %H:%M}"


class TrackingEvent(models.Model):
    """One line of a shipment's tracking, normalised. ``dedupe_key`` is a digest of what the
    carrier said (time, code, text); the same line pushed again inserts nothing."""

    shipment = models.ForeignKey(
        "orders.Shipment",
        verbose_name=_("物流单"),
        on_delete=models.CASCADE,
        related_name="tracking_events",
    )
    occurred_at = models.DateTimeField(_("发生时间"))
    status = models.CharField(_("状态"), max_length=20, choices=TrackingStatus.choices)
    raw_state = models.CharField(_("快递状态码"), max_length=32, blank=True)
    context = models.TextField(_("内容"), blank=True)
    area = models.CharField(_("地区"), max_length=128, blank=True)
    payload = models.ForeignKey(
        TrackingPayload,
        verbose_name=_("原文"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    dedupe_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("物流轨迹")
        verbose_name_plural = _("物流轨迹")
        constraints = [
            models.UniqueConstraint(fields=["shipment", "dedupe_key"], name="tracking_event_dedupe")
        ]
        indexes = [
            models.Index(fields=["shipment", "occurred_at"], name="tracking_event_ship_time_idx")
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.status} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class CarrierAlias(models.Model):
    """What a tracking system calls one of our carriers: Kuaidi100 says ``yuantong`` where
    our carrier's code is ``yto``. One carrier may have several (邮政: ``youzhengguonei``
    and ``youzhengdsbk``)."""

    system = models.CharField(_("系统"), max_length=20, default="kuaidi100")
    code = models.CharField(_("编码"), max_length=32)
    carrier = models.ForeignKey(
        "core.Carrier",
        verbose_name=_("快递公司"),
        on_delete=models.CASCADE,
        related_name="tracking_aliases",
    )

    class Meta:
        verbose_name = _("快递编码对照")
        verbose_name_plural = _("快递编码对照")
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="tracking_alias_unique")
        ]

    def __str__(self) -> str:
        return f"{self.system}:{self.code} → {self.carrier_id}"
