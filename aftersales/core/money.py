"""Money is CNY with two decimals. Every rounding goes through here."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """Round to the cent, half up, as the platforms do. Floats are refused."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def split_proportionally(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` across ``weights`` to the cent; the last share takes the remainder,
    so the parts always add up to the total exactly."""
    total = to_money(total)
    if not weights:
        return []
    weight_sum = sum(weights, ZERO)
    if weight_sum == 0:
        shares = [ZERO] * len(weights)
        shares[-1] = total
        return shares
    shares = [to_money(total * w / weight_sum) for w in weights[:-1]]
    shares.append(total - sum(shares, ZERO))
    return shares
