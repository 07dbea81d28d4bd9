"""The problem parcels that settle themselves: once the parcel the case waits for (the one
re-delivered or left at a station, or the reship) is signed for — by the tracking, the
platform or a person, always through ``orders``' sign-in service — the case is resolved, as
the agent's "confirm delivered" would resolve it.

The candidates are found in one query (a join on the signed parcel); each is then moved by
``cases.services.case_move``, the one way a status changes (the move checked against the flow,
compare-and-set on the version, the event), in a savepoint of its own, at most ``batch`` per
run. Rows are locked with SKIP LOCKED, so two runs at once share the work and never move one
case twice; a case an agent moved meanwhile fails its compare-and-set and is left to them.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from aftersales.cases import services as case_services
from aftersales.cases.models import Case
from aftersales.core.errors import DomainError
from aftersales.orders.models import SignPrecision
from aftersales.parcels.kinds import KIND, ParcelStatus
from aftersales.parcels.models import ParcelProblem

WAITING = (ParcelStatus.REDELIVERING, ParcelStatus.AWAITING_PICKUP, ParcelStatus.RESHIPPED)
SWEEP_BATCH = 200
_SIGNED = (SignPrecision.EXACT, SignPrecision.DATE)


def problems_mirror_sync() -> int:
    """Close the open mirror of problems whose case was closed outside an action (the refund
    ledger's settlement completing it): one UPDATE."""
    return ParcelProblem.objects.filter(is_open=True, case__is_open=False).update(is_open=False)


@transaction.atomic
def problems_resolve_delivered(*, now: dt.datetime, batch: int = SWEEP_BATCH) -> int:
    """Resolve up to ``batch`` waiting cases whose awaited parcel is signed for. Returns how
    many were resolved."""
    signed = Q(parcel_problem__reship_shipment__sign_precision__in=_SIGNED) | Q(
        parcel_problem__reship_shipment__isnull=True,
        parcel_problem__shipment__sign_precision__in=_SIGNED,
    )
    cases = list(
        Case.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(kind=KIND, is_open=True, status__in=WAITING)
        .filter(signed)
        .order_by("id")[:batch]
    )
    resolved = 0
    for case in cases:
        problem = ParcelProblem.objects.select_related("shipment", "reship_shipment").get(case=case)
        shipment = problem.reship_shipment or problem.shipment
        try:
            with transaction.atomic():
                case_services.case_move(
                    case=case,
                    actor=None,
                    action="confirm_delivered",
                    to_status=ParcelStatus.RESOLVED,
                    now=now,
                    changes={"due_at": None, "due_rule": ""},
                    detail={
                        "shipment": shipment.pk,
                        "signed": (
                            shipment.signed_at.isoformat()
                            if shipment.signed_at
                            else str(shipment.signed_on)
                        ),
                        "source": shipment.sign_source,
                        "auto": True,
                    },
                )
        except DomainError:
            continue
        resolved += 1
    if resolved:
        problems_mirror_sync()
    return resolved
