"""The rules of returns, exchanges and compensation, as pure functions.

No ORM and no clock: the facts and ``now`` come in as arguments. Times are aware datetimes;
calendar rules are worked in Asia/Shanghai and the answers handed back in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from aftersales.core.money import ZERO, to_money
from aftersales.core.workdays import add_workdays

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC

NO_REASON_WINDOW = dt.timedelta(hours=168)
REFUSAL_REPORT_WINDOW = dt.timedelta(hours=24)
SHIP_BACK_WINDOW = dt.timedelta(days=7)
RESHIP_WORKDAYS = 3
RESPONSE_WINDOW = dt.timedelta(hours=48)

# Reason codes a decision carries; the messages people see live with the services.
NOT_SIGNED = "not_signed"
LINE_EXCLUDED = "line_excluded"
WINDOW_CLOSED = "window_closed"


def _require_aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True)
class SignIn:
    """What is known of the buyer's sign-in: an exact time, only a date, or nothing."""

    at: dt.datetime | None = None
    on: dt.date | None = None

    def __post_init__(self) -> None:
        if self.at is not None and self.on is not None:
            raise ValueError("a sign-in is either exact or date-only, not both")
        if self.at is not None:
            _require_aware(self.at, "sign-in time")
        if isinstance(self.on, dt.datetime):
            # A datetime's date depends on its zone; a date-only sign-in is a Shanghai date.
            raise TypeError("a date-only sign-in takes a date, not a datetime")


def no_reason_window(sign_in: SignIn) -> tuple[dt.datetime, dt.datetime] | None:
    """The seven-day no-reason window as (start, end) in UTC; None if not signed yet.

    Exact sign-in: ends 168 hours after it. Date only: starts at 00:00 of the next day in
    Asia/Shanghai and ends 168 hours after that start. The window is half-open, [start, end):
    seven days are over once 168 hours have passed (满168小时), so a request at exactly the end
    is outside it and one a second earlier is inside.
    """
    if sign_in.at is not None:
        start = sign_in.at.astimezone(UTC)
    elif sign_in.on is not None:
        next_day = sign_in.on + dt.timedelta(days=1)
        start = dt.datetime.combine(next_day, dt.time(0, 0), tzinfo=SHANGHAI).astimezone(UTC)
    else:
        return None
    return start, start + NO_REASON_WINDOW


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    window_end: dt.datetime | None = None


def no_reason_return_decision(
    *, eligible: bool, sign_in: SignIn, requested_at: dt.datetime
) -> Decision:
    """May this line be returned without a reason at ``requested_at``?"""
    _require_aware(requested_at, "requested_at")
    if not eligible:
        return Decision(False, LINE_EXCLUDED)
    window = no_reason_window(sign_in)
    if window is None:
        # Not signed yet: the buyer may still refuse or return; the window has not started.
        return Decision(True)
    _, end = window
    if requested_at >= end:
        return Decision(False, WINDOW_CLOSED, end)
    return Decision(True, window_end=end)


# Fault of the seller: every extra freight is the seller's.
SELLER_FAULT_REASONS = frozenset(
    {"quality", "damaged", "shortage", "wrong_item", "not_as_described"}
)
BUYER_REASONS = frozenset({"no_reason", "changed_mind", "other"})
# A carrier's fault is the seller's towards the buyer: the seller bears the freight and
# settles with the carrier on its own account.
SELLER_SIDE_PARTIES = frozenset({"seller", "carrier"})
FAULT_PARTIES = SELLER_SIDE_PARTIES | {"buyer"}


def fault_party_for(reason: str) -> str:
    """The party at fault for a reason code. An unknown code is refused: falling back to the
    buyer would quietly charge the buyer the freight of a typo."""
    if reason in SELLER_FAULT_REASONS:
        return "seller"
    if reason in BUYER_REASONS:
        return "buyer"
    raise ValueError(f"unknown reason code {reason!r}")


@dataclass(frozen=True)
class FreightShare:
    leg: str  # outbound | return | reship
    bearer: str  # seller | buyer | insurance
    amount: Decimal


def freight_shares(
    *,
    fault_party: str,
    free_shipping: bool,
    outbound_freight: Decimal,
    return_freight: Decimal,
    reship_freight: Decimal = ZERO,
    freight_insurance: bool = False,
) -> list[FreightShare]:
    """Who bears each leg of a returned order's freight.

    Seller (or carrier) at fault: every leg is the seller's. Buyer's own reason: the buyer
    pays the return leg (return-freight insurance pays it for them when they have it); the
    outbound leg stays with whoever paid it — the seller on free-shipping goods, the buyer
    otherwise. An unknown fault party is refused rather than read as the buyer.
    """
    if fault_party not in FAULT_PARTIES:
        raise ValueError(f"unknown fault party {fault_party!r}")
    outbound = to_money(outbound_freight)
    back = to_money(return_freight)
    reship = to_money(reship_freight)
    if fault_party in SELLER_SIDE_PARTIES:
        shares = [
            FreightShare("outbound", "seller", outbound),
            FreightShare("return", "seller", back),
        ]
        if reship:
            shares.append(FreightShare("reship", "seller", reship))
        return shares
    return_bearer = "insurance" if freight_insurance else "buyer"
    shares = [
        FreightShare("outbound", "seller" if free_shipping else "buyer", outbound),
        FreightShare("return", return_bearer, back),
    ]
    if reship:
        # An exchange for the buyer's own reason: the buyer pays the second outbound leg.
        shares.append(FreightShare("reship", "buyer", reship))
    return shares


def refusal_report_deadline(refused_at: dt.datetime) -> dt.datetime:
    _require_aware(refused_at, "refused_at")
    return refused_at + REFUSAL_REPORT_WINDOW


def refusal_reported_late(*, refused_at: dt.datetime, reported_at: dt.datetime) -> bool:
    _require_aware(reported_at, "reported_at")
    return reported_at > refusal_report_deadline(refused_at)


def ship_back_deadline(goods_received_at: dt.datetime) -> dt.datetime:
    """The buyer ships a return within 7 days of receiving the goods."""
    _require_aware(goods_received_at, "goods_received_at")
    return goods_received_at + SHIP_BACK_WINDOW


def reship_deadline(*, decided_at: dt.datetime, overrides: Mapping[dt.date, bool]) -> dt.datetime:
    """Reship by the end of the third working day after the decision day (Asia/Shanghai)."""
    _require_aware(decided_at, "decided_at")
    decided_on = decided_at.astimezone(SHANGHAI).date()
    due_on = add_workdays(decided_on, RESHIP_WORKDAYS, overrides)
    end = dt.datetime.combine(due_on + dt.timedelta(days=1), dt.time(0, 0), tzinfo=SHANGHAI)
    return end.astimezone(UTC)


def response_deadline(requested_at: dt.datetime) -> dt.datetime:
    _require_aware(requested_at, "requested_at")
    return requested_at + RESPONSE_WINDOW


def refundable(*, paid: Decimal, held: Decimal) -> Decimal:
    """What may still be refunded: paid less what pending and succeeded refunds hold."""
    return max(to_money(paid) - to_money(held), ZERO)
