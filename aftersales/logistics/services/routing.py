"""Which carrier for an order, and why (§2 routing).

For the order's region (``address.order_region``) the shop's most specific matching route
gives the carriers in order; the first one that serves the region on that day — its most
specific coverage rule is not "none" and no outlet serving the region is suspended that day —
and whose priority is not revoked at that moment is chosen. A carrier that serves only with
limits is chosen all the same, and the decision says so (``limited``). Every carrier
considered before the choice (and the choice) gets a verdict and a reason.

``RoutingBook`` loads the rules for many orders at once (a few queries, whatever the number
of orders) so a page of pre-ship flags explains each row without a query per row; the sweep
(``flags.py``) decides the same thing in SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from aftersales.core.models import Carrier
from aftersales.core.workdays import shanghai_date
from aftersales.logistics.models import (
    Coverage,
    CoverageRule,
    FlagReason,
    OutletSuspension,
    PriorityRevocation,
    Route,
)
from aftersales.logistics.services.address import order_region

Region = tuple[str, str, str]


class Verdict(StrEnum):
    CHOSEN = "chosen"
    LIMITED = "limited"  # chosen, but the carrier serves the region only with limits
    NOT_COVERED = "not_covered"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


SKIPPED = frozenset({Verdict.NOT_COVERED, Verdict.SUSPENDED, Verdict.REVOKED})


class Reason(NamedTuple):
    carrier: Carrier
    verdict: Verdict
    why: str


@dataclass
class RouteDecision:
    carrier: Carrier | None
    reasons: list[Reason] = field(default_factory=list)
    covered: bool = False
    limited: bool = False
    route: Route | None = None
    region: Region = ("", "", "")

    @property
    def primary(self) -> Carrier | None:
        return self.reasons[0].carrier if self.reasons else None

    @property
    def primary_skipped(self) -> bool:
        return bool(self.reasons) and self.reasons[0].verdict in SKIPPED

    @property
    def address_known(self) -> bool:
        return bool(self.region[0])

    @property
    def flag_reason(self) -> str | None:
        """Why the pre-ship list flags this order, or None (``flags.sweep`` decides the same
        in SQL)."""
        if not self.address_known:
            return FlagReason.ADDRESS_UNKNOWN
        if self.route is None:
            return FlagReason.NO_ROUTE
        if self.carrier is None:
            return FlagReason.NO_CARRIER
        if self.limited:
            return FlagReason.LIMITED
        if self.primary_skipped:
            return FlagReason.PRIMARY_SKIPPED
        return None


def _matches(rule_region: Region, region: Region) -> bool:
    """A rule's region (blank city = whole province, blank district = whole city) contains
    the order's region."""
    return all(not want or want == got for want, got in zip(rule_region, region, strict=True))


def _specificity(region: Region) -> int:
    return sum(1 for part in region if part)


def region_label(region: Region) -> str:
    return "".join(p for p in region if p) or _("全部地区")


def _date(value: Any) -> str:
    return formats.date_format(value, "Y-m-d")


def _moment(value: datetime) -> str:
    from django.utils import timezone

    return formats.date_format(timezone.localtime(value), "Y-m-d H:i")


class RoutingBook:
    """The routes, coverage rules, suspensions and revocations that bear on some orders at
    one moment, loaded in a fixed number of queries."""

    def __init__(self, *, shop_ids: Iterable[int], provinces: Iterable[str], now: datetime):
        self.now = now
        self.today = shanghai_date(now)
        shop_ids = set(shop_ids)
        provinces = {p for p in provinces if p}
        self.routes: dict[int, list[Route]] = defaultdict(list)
        carrier_ids: set[int] = set()
        for route in Route.objects.filter(shop_id__in=shop_ids).prefetch_related(
            "carriers__carrier"
        ):
            self.routes[route.shop_id].append(route)
            carrier_ids.update(rc.carrier_id for rc in route.carriers.all())
        self.rules: dict[int, list[CoverageRule]] = defaultdict(list)
        for rule in CoverageRule.objects.filter(carrier_id__in=carrier_ids, province__in=provinces):
            self.rules[rule.carrier_id].append(rule)
        self.suspensions: dict[int, list[OutletSuspension]] = defaultdict(list)
        for suspension in OutletSuspension.objects.filter(
            carrier_id__in=carrier_ids,
            province__in=provinces,
            starts_on__lte=self.today,
            ends_on__gte=self.today,
        ):
            self.suspensions[suspension.carrier_id].append(suspension)
        self.revocations: dict[int, list[PriorityRevocation]] = defaultdict(list)
        for revocation in (
            PriorityRevocation.objects.filter(
                carrier_id__in=carrier_ids, starts_at__lte=now, ends_at__gt=now
            )
            .filter(Q(shop__isnull=True) | Q(shop_id__in=shop_ids))
            .filter(Q(reversed_at__isnull=True) | Q(reversed_at__gt=now))
            .order_by("-ends_at")
        ):
            self.revocations[revocation.carrier_id].append(revocation)

    def route_of(self, shop_id: int, region: Region) -> Route | None:
        candidates = [r for r in self.routes.get(shop_id, ()) if _matches(r.region_tuple, region)]
        return max(candidates, key=lambda r: _specificity(r.region_tuple), default=None)

    def verdict(self, carrier: Carrier, shop_id: int, region: Region) -> tuple[Verdict, str]:
        rules = [r for r in self.rules.get(carrier.pk, ()) if _matches(r.region_tuple, region)]
        rule = max(rules, key=lambda r: _specificity(r.region_tuple), default=None)
        if rule is not None and rule.coverage == Coverage.NONE:
            why = _("不覆盖：%(region)s的规则") % {"region": region_label(rule.region_tuple)}
            if rule.note:
                why += _("（%(note)s）") % {"note": rule.note}
            return Verdict.NOT_COVERED, why
        suspended = [
            s for s in self.suspensions.get(carrier.pk, ()) if _matches(s.region_tuple, region)
        ]
        if suspended:
            s = max(suspended, key=lambda s: s.ends_on)
            return Verdict.SUSPENDED, _("网点暂停：%(outlet)s（%(region)s）至 %(until)s") % {
                "outlet": s.outlet,
                "region": region_label(s.region_tuple),
                "until": _date(s.ends_on),
            }
        revoked = [
            r
            for r in self.revocations.get(carrier.pk, ())
            if r.shop_id is None or r.shop_id == shop_id
        ]
        if revoked:
            r = revoked[0]
            return Verdict.REVOKED, _("取消优先至 %(until)s：%(reason)s") % {
                "until": _moment(r.ends_at),
                "reason": r.reason,
            }
        if rule is not None and rule.coverage == Coverage.LIMITED:
            why = _("有限覆盖：%(region)s") % {"region": region_label(rule.region_tuple)}
            if rule.note:
                why += _("（%(note)s）") % {"note": rule.note}
            return Verdict.LIMITED, why
        return Verdict.CHOSEN, _("覆盖该地区，选用")

    def decide(self, shop_id: int, region: Region) -> RouteDecision:
        if not region[0]:
            # An address the parser could not place: no coverage rule can be read for it.
            return RouteDecision(carrier=None, route=None, region=region)
        route = self.route_of(shop_id, region)
        decision = RouteDecision(carrier=None, route=route, region=region)
        if route is None:
            return decision
        for rc in route.carriers.all():
            verdict, why = self.verdict(rc.carrier, shop_id, region)
            decision.reasons.append(Reason(rc.carrier, verdict, why))
            if verdict in (Verdict.CHOSEN, Verdict.LIMITED):
                decision.carrier = rc.carrier
                decision.covered = True
                decision.limited = verdict == Verdict.LIMITED
                break
        return decision


def decide_many(orders: Iterable[Any], *, now: datetime) -> dict[int, RouteDecision]:
    """The routing decision of each order, by order id, in a fixed number of queries."""
    orders = list(orders)
    regions = {o.pk: order_region(o)[0] for o in orders}
    book = RoutingBook(
        shop_ids={o.shop_id for o in orders},
        provinces={r[0] for r in regions.values()},
        now=now,
    )
    return {o.pk: book.decide(o.shop_id, regions[o.pk]) for o in orders}


def route_for(order: Any, *, now: datetime) -> RouteDecision:
    """Which carrier this order should ship with at ``now``, and why (see the module)."""
    return decide_many([order], now=now)[order.pk]
