"""The scorecard's figures, and the reads of policies and penalties the pages and API share.

Which parcels count
-------------------
A **parcel** is an outbound shipment (``Shipment.direction == "outbound"``) with a carrier,
counted in the month (Asia/Shanghai) of its ``shipped_at``. Returns, reships and replacements
are other journeys and are not the carrier's delivery record of the month.

A **problem parcel** is such a parcel that had a problem of a kind (out of area, blind area,
stranded, refused, returning) by either of two records, each the truth of its own witness:

- the carrier's tracking (``tracking.TrackingEvent`` with a problem status): what the carrier
  itself reported, every kind of it. The parcels area opens one case per parcel and records a
  second kind on an open case only as a line of its timeline (stranded, then returning), so
  its records alone would lose that second kind; tracking's current status alone would lose a
  problem the parcel has since moved past (stranded, then delivered);
- the parcels area's problem-parcel records (``parcels.ParcelProblem``): a problem a person
  reported by hand, which no tracking event carries. A problem closed with nothing to do
  (无需处理) still counts: it was reported; a count that is unfair is what an administrator's
  reversal of the penalty is for.

A parcel counts once per kind however many cases or events repeat it (``EXISTS`` over both
records, not a join), and once in ``problem_parcels`` whatever the number of its kinds. A
problem counts in the month the parcel was shipped, so a rate is a share of that month's
parcels and never exceeds 100 %.

**Average time to sign** is ``signed_at − shipped_at`` over the parcels signed with an exact
time (``sign_precision == "exact"``). A sign-in known only by its date is left out of the
average (its hour is unknown, and taking noon or midnight would move the average by up to half
a day per parcel) and counted on its own (``signed_date_only``). A sign-in before the shipping
time is a data error and is left out too.

Why no summary table
--------------------
Each figure family is one grouped query over the month's outbound shipments of the shops
asked for (one for the month's table, one for the trend): the month bound and the shop filter
keep it to one month of the actor's shops, and the figures are always current (a problem case
opened today moves last month's rate today, which a nightly summary would hide until the next
refresh). At Double-11 volumes the query wants an index on ``orders_shipment (shipped_at)``
(see the integrator's notes); a summary table can be added behind these functions without
changing their callers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth

from aftersales.accounts.models import Shop, User
from aftersales.accounts.permissions import MSG_NOT_FOUND, Perm, authorize
from aftersales.core.errors import NotFound
from aftersales.core.models import Carrier
from aftersales.logistics.models import ProblemKind
from aftersales.orders.models import Shipment, ShipmentDirection, SignPrecision
from aftersales.parcels.models import ParcelProblem
from aftersales.scorecards import policies
from aftersales.scorecards.models import Penalty, PenaltyPolicy
from aftersales.tracking.models import PROBLEM_STATUSES, TrackingEvent

KINDS: tuple[str, ...] = tuple(ProblemKind.values)
TREND_MONTHS = 6


def _has_problem(kind: str | None = None) -> Q:
    """Whether the parcel (the outer shipment) had a problem of ``kind`` (of any kind when
    None): the carrier's tracking reported it, or a person reported it as a problem parcel."""
    events = TrackingEvent.objects.filter(shipment_id=OuterRef("pk"))
    reports = ParcelProblem.objects.filter(shipment_id=OuterRef("pk"))
    if kind is None:
        events = events.filter(status__in=PROBLEM_STATUSES)
    else:
        events = events.filter(status=kind)
        reports = reports.filter(problem_kind=kind)
    return Q(Exists(events)) | Q(Exists(reports))


def parcels_of(
    *, shop_ids: list[int] | None, start: dt.datetime, end: dt.datetime
) -> QuerySet[Shipment]:
    """The outbound parcels shipped in [start, end) of ``shop_ids`` (every shop: None)."""
    parcels = Shipment.objects.filter(
        direction=ShipmentDirection.OUTBOUND,
        carrier__isnull=False,
        shipped_at__gte=start,
        shipped_at__lt=end,
    )
    if shop_ids is not None:
        parcels = parcels.filter(order__shop_id__in=shop_ids)
    return parcels


@dataclass
class CarrierFigures:
    carrier: Carrier
    shop: Shop | None
    parcels: int
    problems: dict[str, int]
    problem_parcels: int
    signed_exact: int
    signed_date_only: int
    avg_sign_hours: Decimal | None
    trend: list[Decimal | None] = field(default_factory=list)

    @property
    def out_of_area(self) -> int:
        return self.problems[ProblemKind.OUT_OF_AREA]

    @property
    def out_of_area_pct(self) -> Decimal | None:
        return policies.rate_pct(self.out_of_area, self.parcels)

    @property
    def problem_pct(self) -> Decimal | None:
        return policies.rate_pct(self.problem_parcels, self.parcels)

    def problem_list(self) -> list[tuple[str, int]]:
        return [(kind, self.problems[kind]) for kind in KINDS]


def _signed_exact() -> Q:
    return Q(sign_precision=SignPrecision.EXACT, signed_at__gte=F("shipped_at"))


def month_figures(
    *, shop_ids: list[int] | None, month: dt.date, by_shop: bool = False
) -> list[CarrierFigures]:
    """One row per carrier (and shop, with ``by_shop``) that shipped in the month, of
    ``shop_ids`` (every shop: None, for the job): one grouped query for every figure, plus
    one each for the carriers' and shops' names."""
    start, end = policies.month_bounds(month)
    keys = ["carrier_id", "order__shop_id"] if by_shop else ["carrier_id"]
    sign_time = ExpressionWrapper(F("signed_at") - F("shipped_at"), output_field=DurationField())
    rows = list(
        parcels_of(shop_ids=shop_ids, start=start, end=end)
        .values(*keys)
        .annotate(
            parcels=Count("pk"),
            problem_parcels=Count("pk", filter=_has_problem()),
            signed_exact=Count("pk", filter=_signed_exact()),
            sign_total=Sum(sign_time, filter=_signed_exact()),
            signed_date_only=Count("pk", filter=Q(sign_precision=SignPrecision.DATE)),
            **{f"kind_{kind}": Count("pk", filter=_has_problem(kind)) for kind in KINDS},
        )
        .order_by(*keys)
    )
    carriers = Carrier.objects.in_bulk({row["carrier_id"] for row in rows})
    shops = Shop.objects.in_bulk({row["order__shop_id"] for row in rows}) if by_shop else {}
    out = []
    for row in rows:
        total = row["sign_total"]
        out.append(
            CarrierFigures(
                carrier=carriers[row["carrier_id"]],
                shop=shops[row["order__shop_id"]] if by_shop else None,
                parcels=row["parcels"],
                problems={kind: row[f"kind_{kind}"] for kind in KINDS},
                problem_parcels=row["problem_parcels"],
                signed_exact=row["signed_exact"],
                signed_date_only=row["signed_date_only"],
                avg_sign_hours=policies.average_hours(
                    total.total_seconds() if total is not None else None, row["signed_exact"]
                ),
            )
        )
    out.sort(key=lambda f: (-f.parcels, f.carrier.name, f.shop.name if f.shop else ""))
    return out


def out_of_area_trend(
    *, shop_ids: list[int], last_month: dt.date, months: int = TREND_MONTHS
) -> tuple[list[dt.date], dict[int, list[Decimal | None]]]:
    """The out-of-area rate per carrier for ``months`` months up to ``last_month``: one
    grouped query, months cut in Shanghai time."""
    first = policies.add_months(last_month, -(months - 1))
    start, _ = policies.month_bounds(first)
    _, end = policies.month_bounds(last_month)
    rows = (
        parcels_of(shop_ids=shop_ids, start=start, end=end)
        .annotate(m=TruncMonth("shipped_at", tzinfo=policies.SHANGHAI))
        .values("carrier_id", "m")
        .annotate(
            parcels=Count("pk"),
            out_of_area=Count("pk", filter=_has_problem(ProblemKind.OUT_OF_AREA)),
        )
        .order_by("carrier_id", "m")
    )
    labels = [policies.add_months(first, i) for i in range(months)]
    index = {label: i for i, label in enumerate(labels)}
    series: dict[int, list[Decimal | None]] = {}
    for row in rows:
        moment = row["m"]
        month = policies.month_of(moment) if isinstance(moment, dt.datetime) else moment
        line = series.setdefault(row["carrier_id"], [None] * months)
        line[index[month]] = policies.rate_pct(row["out_of_area"], row["parcels"])
    return labels, series


@dataclass
class Scorecard:
    month: dt.date
    shop: Shop | None
    rows: list[CarrierFigures]
    trend_months: list[dt.date]
    kinds: tuple[str, ...] = KINDS


def report_shops(*, user: User, shop_id: int | None) -> tuple[list[int], Shop | None]:
    """The shops a report covers: the one asked for (404 when not the user's), or all the
    user's. Needs REPORT_VIEW."""
    authorize(user, Perm.REPORT_VIEW, shop_id=shop_id)
    if shop_id is None:
        return list(user.shop_ids()), None
    return [shop_id], Shop.objects.get(pk=shop_id)


def scorecard(*, user: User, month: dt.date, shop_id: int | None = None) -> Scorecard:
    """The month's figures per carrier across the user's shops (or one of them), with each
    carrier's out-of-area trend over the months up to this one."""
    shop_ids, shop = report_shops(user=user, shop_id=shop_id)
    rows = month_figures(shop_ids=shop_ids, month=month)
    labels, series = out_of_area_trend(shop_ids=shop_ids, last_month=month)
    carriers = {r.carrier.pk for r in rows}
    # A carrier with parcels in earlier months only still has its trend line.
    missing = [cid for cid in series if cid not in carriers]
    for carrier in Carrier.objects.filter(pk__in=missing).order_by("name"):
        rows.append(
            CarrierFigures(
                carrier=carrier,
                shop=None,
                parcels=0,
                problems=dict.fromkeys(KINDS, 0),
                problem_parcels=0,
                signed_exact=0,
                signed_date_only=0,
                avg_sign_hours=None,
            )
        )
    for row in rows:
        row.trend = series.get(row.carrier.pk, [None] * len(labels))
    return Scorecard(month=month, shop=shop, rows=rows, trend_months=labels)


# --- policies and penalties --------------------------------------------------------------------


def policies_for(user: User) -> QuerySet[PenaltyPolicy]:
    """The rules of every shop and those of the user's shops (CARRIER_MANAGE)."""
    authorize(user, Perm.CARRIER_MANAGE)
    return PenaltyPolicy.objects.filter(
        Q(shop__isnull=True) | Q(shop_id__in=user.shop_ids())
    ).select_related("shop", "carrier")


def policy_get(*, user: User, policy_id: int) -> PenaltyPolicy:
    policy = policies_for(user).filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(MSG_NOT_FOUND)
    return policy


def penalties_for(user: User) -> QuerySet[Penalty]:
    """The penalties of the user's shops (REPORT_VIEW), newest month first."""
    authorize(user, Perm.REPORT_VIEW)
    return (
        Penalty.objects.filter(shop_id__in=user.shop_ids())
        .select_related("carrier", "shop", "policy", "reversed_by")
        .order_by("-month", "shop_id", "carrier__name", "id")
    )


def penalty_get(*, user: User, penalty_id: int) -> Penalty:
    penalty = penalties_for(user).filter(pk=penalty_id).first()
    if penalty is None:
        raise NotFound(MSG_NOT_FOUND)
    return penalty
