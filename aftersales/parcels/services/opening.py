"""Opening a problem-parcel case: by hand (an agent reports it, ``Perm.CASE_OPEN``) or by the
system when tracking sees a parcel turn into a problem (``system.problems_seen``).

One open problem per shipment, whoever opens it and however many at once: the partial unique
constraint on ``ParcelProblem(shipment) WHERE is_open`` decides, and the loser of a race finds
the winner's case.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Perm, authorize
from aftersales.cases import services as case_services
from aftersales.cases.models import Case, Priority
from aftersales.core.errors import DomainError, TransitionNotAllowed
from aftersales.core.selectors import workday_overrides
from aftersales.logistics.models import ProblemKind
from aftersales.orders.models import Order, OrderLine, Shipment, ShipmentDirection
from aftersales.parcels import policies
from aftersales.parcels.kinds import KIND
from aftersales.parcels.models import ParcelProblem, ProblemSource

MSG_SHIPMENT_NOT_IN_ORDER = _("该物流单不属于这个订单。")
MSG_SHIPMENT_TO_SELLER = _("买家寄回的包裹不是问题件：请在退货售后单里处理。")
MSG_SHIPMENT_NO_CARRIER = _("该物流单没有快递公司，无法按快递预案处理。")
MSG_NO_SHIPMENT = _("该订单还没有带快递公司的发货物流单。")
MSG_PROBLEM_OPEN = _("该包裹已有处理中的问题件 %(number)s。")
MSG_PROBLEM_KIND = _("未知的问题类型：%(kind)s")

# Parcels on their way to the buyer: the ones a carrier can fail to deliver to them.
TO_BUYER = (ShipmentDirection.OUTBOUND, ShipmentDirection.RESHIP, ShipmentDirection.REPLACEMENT)


def open_problem_of(shipment_id: int) -> ParcelProblem | None:
    """The open problem of a shipment, if any (a mirror left open by a case closed outside
    an action is put right first)."""
    ParcelProblem.objects.filter(shipment_id=shipment_id, is_open=True, case__is_open=False).update(
        is_open=False
    )
    return (
        ParcelProblem.objects.select_related("case")
        .filter(shipment_id=shipment_id, is_open=True)
        .first()
    )


def _shipment_checked(order: Order, shipment_id: int | None) -> Shipment:
    shipments = Shipment.objects.select_related("carrier").filter(order=order)
    if shipment_id is None:
        shipment = (
            shipments.filter(direction__in=TO_BUYER, carrier__isnull=False)
            .order_by("-shipped_at", "-id")
            .first()
        )
        if shipment is None:
            raise DomainError(MSG_NO_SHIPMENT, field="shipment_id", code="no_shipment")
        return shipment
    shipment = shipments.filter(pk=shipment_id).first()
    if shipment is None:
        raise DomainError(
            MSG_SHIPMENT_NOT_IN_ORDER, field="shipment_id", code="shipment_not_in_order"
        )
    if shipment.direction not in TO_BUYER:
        raise DomainError(MSG_SHIPMENT_TO_SELLER, field="shipment_id", code="shipment_to_seller")
    if shipment.carrier_id is None:
        raise DomainError(MSG_SHIPMENT_NO_CARRIER, field="shipment_id", code="no_carrier")
    return shipment


def _insert(
    *,
    shipment: Shipment,
    problem_kind: str,
    actor: User | None,
    now: dt.datetime,
    occurred_at: dt.datetime,
    source: str,
    source_event_id: int | None = None,
    lines: list[tuple[OrderLine, int]] | None = None,
    note: str = "",
    assignee: User | None = None,
    priority: int | None = None,
) -> Case | None:
    """Open the case and its problem in a savepoint. None when another open problem of the
    shipment won (committed first, or waited on at the unique index): nothing is left."""
    order = shipment.order
    if not lines:
        lines = [(line, line.quantity) for line in order.lines.order_by("line_no")]
    try:
        with transaction.atomic():
            case = case_services.case_create(
                order=order,
                kind=KIND,
                lines=lines,
                actor=actor,
                now=now,
                buyer_claim=note,
                priority=priority or Priority.NORMAL,
                due_at=policies.contact_deadline(now, workday_overrides()),
                due_rule="contact_1_workday",
                assignee=assignee,
            )
            ParcelProblem.objects.create(
                case=case,
                shipment=shipment,
                problem_kind=problem_kind,
                source=source,
                source_event_id=source_event_id,
                occurred_at=occurred_at,
                note=note,
            )
            case_services.event_append(
                case=case,
                actor=actor,
                action="problem_reported",
                now=now,
                after={
                    "problem_kind": problem_kind,
                    "shipment": shipment.pk,
                    "carrier": shipment.carrier.name if shipment.carrier else "",
                    "waybill_no": shipment.waybill_no,
                    "source": source,
                    "event": source_event_id,
                    "occurred_at": occurred_at.isoformat(),
                },
                comment=note[:500],
            )
    except IntegrityError:
        if not ParcelProblem.objects.filter(shipment=shipment, is_open=True).exists():
            raise
        return None
    return case


def problem_case_open(
    *,
    order: Order,
    problem_kind: str,
    actor: User,
    now: dt.datetime,
    shipment_id: int | None = None,
    lines: list[tuple[OrderLine, int]] | None = None,
    note: str = "",
    assignee: User | None = None,
    priority: int | None = None,
) -> Case:
    """An agent reports a problem parcel of ``order`` (its outbound parcel unless
    ``shipment_id`` names another). A parcel that already has an open problem is refused,
    naming its case."""
    authorize(actor, Perm.CASE_OPEN, shop_id=order.shop_id)
    if problem_kind not in ProblemKind.values:
        raise DomainError(
            MSG_PROBLEM_KIND % {"kind": problem_kind}, field="problem_kind", code="invalid"
        )
    with transaction.atomic():
        shipment = _shipment_checked(order, shipment_id)
        existing = open_problem_of(shipment.pk)
        case = None
        if existing is None:
            case = _insert(
                shipment=shipment,
                problem_kind=problem_kind,
                actor=actor,
                now=now,
                occurred_at=now,
                source=ProblemSource.MANUAL,
                lines=lines,
                note=note,
                assignee=assignee,
                priority=priority,
            )
            existing = None if case is not None else open_problem_of(shipment.pk)
        if case is None:
            number = existing.case.number if existing is not None else ""
            raise TransitionNotAllowed(
                MSG_PROBLEM_OPEN % {"number": number}, field="shipment_id", code="problem_open"
            )
    return case


def problem_case_open_from(
    *, order: Order, lines: list[tuple[OrderLine, int]], actor: User, now: dt.datetime, data
) -> Case:
    """The opener the case core dispatches to: the checked body of ``POST /cases`` or the
    new-case form's cleaned data."""
    get = data.get if isinstance(data, dict) else lambda k, d=None: getattr(data, k, d)
    shipment = get("shipment_id")
    return problem_case_open(
        order=order,
        problem_kind=str(get("problem_kind") or ""),
        actor=actor,
        now=now,
        shipment_id=getattr(shipment, "pk", shipment),
        lines=lines,
        note=get("note") or get("buyer_claim") or "",
        assignee=get("assignee"),
        priority=get("priority"),
    )
