"""What each line of an order was paid: the order's goods payment split across its lines by
price × quantity, to the cent, exactly as ``core.money.split_proportionally`` splits it (the
PostgreSQL path does the same sum in SQL, in ``order_copy``), or as given for every line, when
the given amounts add up to it. Pure: no database."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from aftersales.core.money import CENT, ZERO, split_proportionally, to_money
from aftersales.orders.importers import FieldError, LineInput, OrderInput
from aftersales.orders.services.import_report import (
    MSG_LINE_AMOUNT_PARTIAL,
    MSG_LINES_AMOUNT_MISMATCH,
)


def goods_paid(amount_paid: Decimal, freight_paid: Decimal) -> Decimal:
    """What the buyer actually paid for the goods; an unpaid order paid nothing for them."""
    return max(amount_paid - freight_paid, ZERO)


def lines_amount_errors(order: OrderInput) -> list[FieldError]:
    """The lines' amounts, when given, must add up to what the buyer paid for the goods:
    given for some lines only, or adding up to anything else, the order is refused (the
    refund ledger caps each line by its amount, so a wrong one is a wrong cap). The order
    must already be valid field by field (``order_input_errors``)."""
    lines = order.get("lines") or []
    given = [line.get("amount_paid") for line in lines]
    amounts = [a for a in given if a is not None]
    if not amounts:
        return []  # the import splits the payment itself, to the cent
    if len(amounts) < len(given):
        missing = given.index(None)
        return [
            FieldError(
                f"lines[{missing}].amount_paid", "line_amount_partial", str(MSG_LINE_AMOUNT_PARTIAL)
            )
        ]
    total = sum(amounts, ZERO)
    goods = goods_paid(order["amount_paid"], order["freight_paid"])
    if total == goods:
        return []
    message = MSG_LINES_AMOUNT_MISMATCH % {"lines": to_money(total), "goods": to_money(goods)}
    return [FieldError("lines", "lines_amount_mismatch", message)]


def line_amounts(lines: Sequence[LineInput], goods_paid: Decimal) -> list[Decimal]:
    given = [line.get("amount_paid") for line in lines]
    if all(a is not None for a in given):
        return given  # type: ignore[return-value]
    if len(lines) == 1:  # what the general split gives one line: all of it
        return [to_money(goods_paid)]
    return split(goods_paid, [line["unit_price"] * line["quantity"] for line in lines])


def split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    # Most orders are paid at list price: each line's share is then its own price × quantity
    # (cent-exact), which is what the general split returns, only far cheaper per line.
    if sum(weights, ZERO) == total:
        return [to_money(w) for w in weights]
    cents = _cents(total)
    units = [_cents(w) for w in weights]
    if not weights or cents is None or cents < 0 or any(u is None or u < 0 for u in units):
        return split_proportionally(total, weights)
    return [Decimal(c) * CENT for c in split_cents(cents, units)]  # type: ignore[arg-type]


def _cents(amount: Decimal) -> int | None:
    """A whole number of cents, or None for an amount that is not one (or not finite)."""
    if not amount.is_finite():
        return None
    cents = amount.scaleb(2)
    return int(cents) if cents == cents.to_integral_value() else None


def split_cents(total: int, weights: list[int]) -> list[int]:
    """``split_proportionally`` in whole cents for a non-negative total and weights: the
    same largest-remainder split, exact in integers instead of fractions, which a file with
    coupons on a third of its orders would otherwise spend most of its import time on. Each
    exact share is ``total × w / W``; all have the denominator W, so their remainders are
    compared by the numerators ``total × w mod W`` (ties to the later part, as there)."""
    weight_sum = sum(weights)
    if weight_sum == 0:
        return [0] * (len(weights) - 1) + [total]
    shares = [divmod(total * w, weight_sum) for w in weights]
    parts = [whole for whole, _rest in shares]
    left_over = total - sum(parts)
    if left_over:
        by_remainder = sorted(range(len(shares)), key=lambda i: (shares[i][1], i), reverse=True)
        for i in by_remainder[:left_over]:
            parts[i] += 1
    return parts
