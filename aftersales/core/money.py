"""Money is CNY with two decimals. Every rounding goes through here."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """Round to the cent, half up, as the platforms do. Floats are refused."""
    # bool is an int to Python, but True is never an amount of money: it is a bug upstream.
    if isinstance(value, float | bool):
        raise TypeError(f"money must be a Decimal, int or str, not {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError("money must be a finite amount")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def split_proportionally(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` across ``weights`` to the cent, the parts adding up to it exactly.

    Largest remainder: each part first gets its exact share rounded down to the cent, then
    the cents left over go one each to the parts with the largest remainders (on a tie, the
    later part). Rounding each part on its own cannot work: 0.01 over weights 1, 1, 0 would
    round to 0.01 + 0.01 and leave -0.01 for the last part. So no part is ever negative (for
    a non-negative total), no part is a cent or more away from its exact share, and a zero
    weight gets nothing. All-zero weights put the whole total on the last part.
    """
    total = to_money(total)
    if any(isinstance(weight, float | bool) for weight in weights):
        raise TypeError("weights must be Decimal or int, not float")
    if not weights:
        if total:
            raise ValueError("cannot split a non-zero total over no weights")
        return []
    exact_weights = [Fraction(Decimal(weight)) for weight in weights]
    if any(weight < 0 for weight in exact_weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(exact_weights, Fraction(0))
    if weight_sum == 0:
        shares = [ZERO] * len(weights)
        shares[-1] = total
        return shares

    sign = -1 if total < 0 else 1
    total_cents = int(abs(total) / CENT)
    exact = [total_cents * weight / weight_sum for weight in exact_weights]
    cents = [share.numerator // share.denominator for share in exact]
    left_over = total_cents - sum(cents)
    by_remainder = sorted(range(len(exact)), key=lambda i: (exact[i] - cents[i], i), reverse=True)
    for i in by_remainder[:left_over]:
        cents[i] += 1
    return [Decimal(sign * c) * CENT for c in cents]
