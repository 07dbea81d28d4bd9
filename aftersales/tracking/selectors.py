"""Reads of tracking shared by the API and the panels: a shipment's tracking line."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Perm, authorize
from aftersales.orders.models import Shipment
from aftersales.tracking.models import (
    PROBLEM_STATUSES,
    ShipmentTracking,
    TrackingEvent,
    TrackingPayload,
)
from aftersales.tracking.services import sign_in_conflict

# The newest lines a panel shows per shipment; the API gives them all.
PANEL_EVENTS = 8


@dataclass(frozen=True)
class TrackingLine:
    shipment: Shipment
    tracking: ShipmentTracking | None
    events: list[TrackingEvent]
    events_total: int
    sign_in_conflict: bool

    @property
    def status(self) -> str:
        return self.tracking.status if self.tracking else ""

    @property
    def is_problem(self) -> bool:
        return self.status in PROBLEM_STATUSES


def _tracking(shipment: Shipment) -> ShipmentTracking | None:
    try:
        return shipment.tracking
    except ShipmentTracking.DoesNotExist:
        return None


def _events_newest_first() -> QuerySet[TrackingEvent]:
    return TrackingEvent.objects.order_by("-occurred_at", "-id")


def tracking_lines(
    shipments: QuerySet[Shipment], *, limit: int | None = None
) -> list[TrackingLine]:
    """The tracking line of each shipment, in three queries whatever their number."""
    rows = list(
        shipments.select_related("carrier", "tracking").prefetch_related(
            Prefetch("tracking_events", queryset=_events_newest_first(), to_attr="events_all")
        )
    )
    lines = []
    for shipment in rows:
        tracking = _tracking(shipment)
        events = shipment.events_all
        lines.append(
            TrackingLine(
                shipment=shipment,
                tracking=tracking,
                events=events[:limit] if limit else events,
                events_total=len(events),
                sign_in_conflict=sign_in_conflict(shipment=shipment, tracking=tracking),
            )
        )
    return lines


def shipment_tracking_get(*, user: User, shipment_id: int) -> TrackingLine:
    """One shipment's tracking line, for a user who may see orders; another shop's is not
    found."""
    authorize(user, Perm.ORDER_VIEW)
    qs = Shipment.objects.filter(order__shop_id__in=user.shop_ids())
    get_object_or_404(qs, pk=shipment_id)
    return tracking_lines(qs.filter(pk=shipment_id))[0]


def unmatched_payloads() -> QuerySet[TrackingPayload]:
    """Pushes with a good signature for waybills we do not know, newest first."""
    return TrackingPayload.objects.filter(signature_ok=True, shipment_id__isnull=True).order_by(
        "-received_at", "-id"
    )
