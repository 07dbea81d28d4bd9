"""The rules of approvals, as pure functions: no ORM, no clock.

Which rule decides a matter
---------------------------
The rules in force for a matter are the active rules of the case's shop for the case's kind
(or for any kind); only when the shop has none of its own do the rules of every shop
(``shop_id`` None) apply. An every-shop rule is the default a shop starts with, and a shop's
own rules replace it for that kind: a shop that sets its compensation threshold at 200 is not
also held at the default's 50.

Of the rules in force, every one is asked whether it fires. Of those that fire:

1. a rule for the case's kind before a rule for any kind;
2. then the one with the **highest** threshold;
3. then the oldest (lowest id), so the answer never depends on the order rows come back in.

Why the highest threshold: rules of one shop and kind form tiers. "Over 50 → a supervisor
within 24 hours" and "over 1000 → within 4 hours" both fire for 2000; the second is the one
written for amounts that large. With the lowest threshold first, a higher tier could never
win, since every amount over 1000 is also over 50.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from aftersales.core.money import to_money

AMOUNT_OVER = "amount_over"
ALWAYS = "always"
# Conditions that fire when the area states the fact about the matter; the threshold is not
# compared for them.
FACT_CONDITIONS = frozenset({"past_warranty", "out_of_scope", "review_compensation"})
CONDITIONS = frozenset({AMOUNT_OVER, ALWAYS}) | FACT_CONDITIONS


@dataclass(frozen=True)
class RuleFacts:
    """What a rule says, without its row."""

    id: int
    shop_id: int | None
    case_kind: str  # "" for any kind
    condition: str
    threshold: Decimal


def rule_applies(
    rule: RuleFacts, *, case_kind: str, cost: Decimal, conditions: frozenset[str]
) -> bool:
    """Whether ``rule`` fires for a matter of ``case_kind`` costing ``cost`` with the stated
    ``conditions``. ``amount_over`` fires only strictly above the threshold: an amount equal
    to it does not need approval, a cent more does."""
    if rule.case_kind and rule.case_kind != case_kind:
        return False
    if rule.condition == AMOUNT_OVER:
        return to_money(cost) > to_money(rule.threshold)
    if rule.condition == ALWAYS:
        return True
    if rule.condition in FACT_CONDITIONS:
        return rule.condition in conditions
    return False


def _precedence(rule: RuleFacts) -> tuple[bool, bool, Decimal, int]:
    # Sorted ascending, so what should win comes first.
    return (rule.shop_id is None, rule.case_kind == "", -to_money(rule.threshold), rule.id)


def rule_pick(
    rules: Iterable[RuleFacts],
    *,
    shop_id: int,
    case_kind: str,
    cost: Decimal,
    conditions: frozenset[str],
) -> RuleFacts | None:
    """The rule that decides the matter (see the module's docstring), or None: no approval."""
    relevant = [
        rule
        for rule in rules
        if rule.shop_id in (None, shop_id) and rule.case_kind in ("", case_kind)
    ]
    # The shop's own rules for this kind replace every shop's.
    in_force = [r for r in relevant if r.shop_id == shop_id] or [
        r for r in relevant if r.shop_id is None
    ]
    firing = [
        rule
        for rule in in_force
        if rule_applies(rule, case_kind=case_kind, cost=cost, conditions=conditions)
    ]
    return min(firing, key=_precedence, default=None)


def due_at_for(*, requested_at: dt.datetime, deadline_hours: int) -> dt.datetime:
    """The approval's deadline: clock hours from the request, not working hours — an amount
    waiting for a supervisor waits through the weekend too."""
    if requested_at.tzinfo is None or requested_at.utcoffset() is None:
        raise ValueError("requested_at must be timezone-aware")
    if deadline_hours < 1:
        raise ValueError("deadline_hours must be at least 1")
    return requested_at + dt.timedelta(hours=deadline_hours)


def is_overdue(*, status: str, due_at: dt.datetime | None, now: dt.datetime) -> bool:
    """A pending approval past its deadline. Like a case's deadline, it is overdue only once
    the moment has passed."""
    return status == "pending" and due_at is not None and due_at < now
