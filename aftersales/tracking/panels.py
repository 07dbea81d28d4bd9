"""The tracking line on the order page and the case page (``core.panels``): per shipment, where
it stands (a problem in red) and its events newest first, in Shanghai time."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from aftersales.accounts.permissions import Perm, has_perm
from aftersales.core.panels import Panel, register_panel
from aftersales.orders.models import Shipment, ShipmentDirection
from aftersales.tracking.models import PROBLEM_STATUSES
from aftersales.tracking.selectors import PANEL_EVENTS, tracking_lines

TEMPLATE = "tracking/_tracking_line.html"


def _may_see(request: Any, shop_id: int) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return has_perm(user, Perm.ORDER_VIEW) and shop_id in user.shop_ids()


def _context(shipments, *, label_direction: bool) -> dict[str, Any] | None:
    lines = tracking_lines(shipments.exclude(waybill_no="").order_by("id"))
    if not lines:
        return None
    return {
        "lines": lines,
        "limit": PANEL_EVENTS,
        "label_direction": label_direction,
        "problem_statuses": PROBLEM_STATUSES,
    }


def order_panel(request: Any, order: Any) -> dict[str, Any] | None:
    if not _may_see(request, order.shop_id):
        return None
    return _context(Shipment.objects.filter(order_id=order.pk), label_direction=True)


def case_panel(request: Any, case: Any) -> dict[str, Any] | None:
    """The case's own parcels and the order's parcels to the buyer."""
    if not case.order_id or not _may_see(request, case.shop_id):
        return None
    shipments = Shipment.objects.filter(order_id=case.order_id).filter(
        Q(case_id=case.pk) | Q(direction=ShipmentDirection.OUTBOUND)
    )
    return _context(shipments, label_direction=True)


def register() -> None:
    register_panel(
        "order", Panel(name="tracking", position=20, template=TEMPLATE, context=order_panel)
    )
    register_panel(
        "case", Panel(name="tracking", position=20, template=TEMPLATE, context=case_panel)
    )
