"""What the system does by itself, with no person acting: open a problem-parcel case when
tracking sees a parcel turn into a problem. Registered with tracking's hook in
``ParcelsConfig.ready()``; no page or API operation reaches it (a person reports a problem
through ``opening.problem_case_open``, which checks who they are)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from aftersales.cases import services as case_services
from aftersales.cases.models import Case
from aftersales.core.errors import DomainError
from aftersales.logistics.models import ProblemKind
from aftersales.orders.models import Shipment
from aftersales.parcels.models import ProblemSource
from aftersales.parcels.services.opening import TO_BUYER, _insert, open_problem_of
from aftersales.returns.kinds import CaseKind

# What happens at the buyer's door: a refusal and the parcel sent back after it.
AT_THE_DOOR = frozenset({"refused", "returning"})

log = logging.getLogger(__name__)


def problems_seen(problems: list, now: dt.datetime) -> list[int]:
    """Open one case per parcel that newly became a problem, as the system (no actor).

    Called by tracking inside the transaction that applied the events. A parcel that already
    has an open problem gets a line on that case's timeline instead (stranded, then coming
    back), never a second case; so does the same report twice, or two at once (the unique
    constraint decides; the loser's savepoint is rolled back). A parcel the buyer sent back
    to the seller is not a problem parcel, and a parcel refused or coming back while the order
    has an open refusal case of §1 is that case's matter. Returns the ids of the cases opened."""
    opened: list[int] = []
    if not problems:
        return opened
    shipments = Shipment.objects.select_related("order", "carrier").in_bulk(
        {p.shipment_id for p in problems}
    )
    refusals = set(
        Case.objects.filter(
            kind=CaseKind.REFUSAL,
            is_open=True,
            order_id__in={s.order_id for s in shipments.values()},
        ).values_list("order_id", flat=True)
    )
    for problem in sorted(problems, key=lambda p: (p.occurred_at, p.event_id)):
        shipment = shipments.get(problem.shipment_id)
        if shipment is None or shipment.direction not in TO_BUYER:
            continue
        if problem.status not in ProblemKind.values:
            continue
        if problem.status in AT_THE_DOOR and shipment.order_id in refusals:
            # The buyer's refusal is §1's case already: the parcel coming back is its matter.
            continue
        try:
            with transaction.atomic():
                case_id = _one(shipment, problem, now)
        except DomainError as exc:
            # An order the case core cannot take (no lines): logged, and the tracking that
            # carried it is still applied.
            log.warning("problem parcel of shipment %s not opened: %s", shipment.pk, exc)
            continue
        if case_id is not None:
            opened.append(case_id)
    return opened


def _one(shipment: Shipment, problem, now: dt.datetime) -> int | None:
    existing = open_problem_of(shipment.pk)
    if existing is None:
        case = _insert(
            shipment=shipment,
            problem_kind=problem.status,
            actor=None,
            now=now,
            occurred_at=problem.occurred_at,
            source=ProblemSource.TRACKING,
            source_event_id=problem.event_id,
        )
        if case is not None:
            return case.pk
        existing = open_problem_of(shipment.pk)
        if existing is None:  # pragma: no cover - the winner's row is committed by now
            return None
    if existing.source_event_id == problem.event_id or (
        existing.case.events.filter(action="problem_again", after__event=problem.event_id).exists()
    ):
        return None
    case_services.event_append(
        case=existing.case,
        actor=None,
        action="problem_again",
        now=now,
        after={
            "problem_kind": problem.status,
            "event": problem.event_id,
            "occurred_at": problem.occurred_at.isoformat(),
        },
    )
    return None
