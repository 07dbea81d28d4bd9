"""Money already held against orders: what a refund ledger has paid back, or is paying back,
on each order line and on each order's freight.

The ledger lives in a higher layer (``returns``) that orders may not import, so the ledger
tells orders where its entries are, the way each area registers its kinds with the case core:
``returns`` calls ``register_money_held`` in its ``AppConfig.ready()``. Without a registration
nothing is held.

Orders need it because the ledger caps refunds by ``OrderLine.amount_paid`` and
``Order.freight_paid``: an import that lowered either below what is already held would let
the ledger have refunded more than was paid, so the import refuses such an update.

The entries are described as a queryset and field names rather than as a function, so what is
held is one SQL query for a whole batch of orders, and can be used as a subquery.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet, Sum

from aftersales.core.money import ZERO, to_money
from aftersales.orders.models import OrderLine


@dataclass(frozen=True, slots=True)
class _Ledger:
    # Not in the repr: a queryset's repr runs it.
    entries: QuerySet[Any] = field(repr=False)
    line: str
    amount: str
    freight: str


_ledger: _Ledger | None = None


def register_money_held(entries: QuerySet[Any], *, line: str, amount: str, freight: str) -> None:
    """Tell orders which rows hold money: ``entries`` are the rows that hold (a failed refund
    holds nothing, so it is not among them), ``line`` names their foreign key to
    ``OrderLine``, ``amount`` the money held on that line and ``freight`` the money held on
    its order's freight. Registering again replaces the earlier registration."""
    global _ledger
    meta = entries.model._meta
    line_field = meta.get_field(line)
    if line_field.related_model is not OrderLine:
        raise ValueError(f"{meta.label}.{line} is not a foreign key to OrderLine")
    meta.get_field(amount)
    meta.get_field(freight)
    _ledger = _Ledger(entries, line, amount, freight)


def money_held_registered() -> bool:
    return _ledger is not None


def money_held_query(order_ids: Collection[int] | QuerySet[Any]) -> QuerySet[Any] | None:
    """For the orders given (ids, or a queryset of ids), one row per line that has money
    held: ``held_order_id``, ``held_line_id``, ``held_amount`` and ``held_freight``, the sums
    of the holding entries. None when no ledger is registered."""
    if _ledger is None:
        return None
    line = _ledger.line
    held: QuerySet[Any] = (
        _ledger.entries.filter(**{f"{line}__order_id__in": order_ids})
        .values(held_order_id=F(f"{line}__order_id"), held_line_id=F(line))
        .annotate(held_amount=Sum(_ledger.amount), held_freight=Sum(_ledger.freight))
        .order_by()
    )
    return held


@dataclass(frozen=True, slots=True)
class Held:
    """Money held, by order line id and by order id (its freight); absent means none."""

    lines: dict[int, Decimal] = field(default_factory=dict)
    freight: dict[int, Decimal] = field(default_factory=dict)

    def line(self, line_id: int) -> Decimal:
        return self.lines.get(line_id, ZERO)

    def order_freight(self, order_id: int) -> Decimal:
        return self.freight.get(order_id, ZERO)


def money_held(order_ids: Collection[int]) -> Held:
    """What is held on the lines and freight of ``order_ids``, in one query."""
    query = money_held_query(order_ids)
    if query is None or not order_ids:
        return Held()
    lines: dict[int, Decimal] = {}
    freight: dict[int, Decimal] = {}
    for order_id, line_id, amount, freight_amount in query.values_list(
        "held_order_id", "held_line_id", "held_amount", "held_freight"
    ):
        # SQLite gives a sum of decimals back without its scale (99, not 99.00).
        lines[line_id] = lines.get(line_id, ZERO) + to_money(amount or ZERO)
        freight[order_id] = freight.get(order_id, ZERO) + to_money(freight_amount or ZERO)
    return Held({k: v for k, v in lines.items() if v}, {k: v for k, v in freight.items() if v})
