"""The import's writes on PostgreSQL: each batch is staged by ``COPY`` into a temporary table,
then written by one set-based statement — orders with the outbound shipments of the new
ones, or lines with their amounts and after-sales terms — so the database does the
row-by-row work in C while Python reads the next batch (see ``order_import._Pipeline``).

The results are those of the portable code in ``order_writes`` (which SQLite runs), and the
tests run on both. What only Python decides stays there: the few existing orders whose
fields or shipments changed, and lines that conflict with lines already imported.

Two habits of these statements, and why:

- Each order is found by a ``LATERAL (… LIMIT 1)`` probe of the unique (shop, order_no)
  index. A join the planner may choose freely turns, on a table whose statistics are behind
  (one filling up, as in a large first import), into a scan of all the shop's orders for
  every batch.
- The stages hold money in cents and travel in binary: the driver writes integers and UTC
  times in binary far faster than ``Decimal`` or times as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from django.db import connection

from aftersales.accounts.models import Shop
from aftersales.orders.importers import OrderInput
from aftersales.orders.models import Order, OrderLine, Shipment, ShipmentDirection
from aftersales.orders.services import bulk

ORDER_STAGE = "orders_import_stage"
LINE_STAGE = "orders_import_line_stage"

CREATED, UNCHANGED, CHANGED, MONEY_CHANGED = 0, 1, 2, 3


def _stage_types(fields: Sequence[str], money: frozenset[str]) -> dict[str, str]:
    return {
        f: "int8" if f in money else "timestamptz" if f.endswith("_at") else "text" for f in fields
    }


# --- orders --------------------------------------------------------------------------------


class OrderStatements:
    """The order stage and statement for one shop; ``create_fields`` and ``updatable`` as in
    ``order_writes``."""

    MONEY = frozenset({"goods_total", "freight_paid", "amount_paid"})

    def __init__(self, shop: Shop, create_fields: Sequence[str], updatable: Sequence[str]):
        self.shop = shop
        self.create_fields = tuple(create_fields)
        self.updatable = tuple(updatable)
        self.types = (
            {"pos": "int4"}
            | _stage_types(self.create_fields, self.MONEY)
            | {"carrier_id": "int8", "waybill_no": "text", "shipped_at": "timestamptz"}
        )
        self._values = itemgetter(*self.create_fields)
        self._money_at = [i for i, f in enumerate(self.create_fields) if f in self.MONEY]
        self._created = False

    def stage(self, data: dict[str, OrderInput], carrier_ids: dict[str, int]) -> None:
        if not self._created:
            bulk.stage_create(ORDER_STAGE, list(self.types.items()))
            self._created = True
        values, money_at = self._values, self._money_at
        rows = []
        for pos, order in enumerate(data.values()):
            row = list(values(order))
            for i in money_at:
                row[i] = int(row[i] * 100)
            rows.append(
                (
                    pos,
                    *row,
                    carrier_ids.get(order["carrier_name"]),
                    order["waybill_no"],
                    order["shipped_at"],
                )
            )
        bulk.stage_fill(ORDER_STAGE, list(self.types), rows, types=list(self.types.values()))

    def upsert(self) -> tuple[int, list[tuple[int, str, int]]]:
        """Insert the staged orders that are new, with an outbound shipment for each that
        has a waybill. Returns how many were created, and (id, order_no, kind) for those
        that exist, kind saying whether their updatable fields (and money) differ."""
        sql, params = self._sql()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            result = cursor.fetchall()
        created = 0
        existing = []
        for pk, no, kind in result:
            if pk is None:  # the count row
                created = kind
            else:
                existing.append((pk, no, kind))
        return created, existing

    def _staged(self, name: str) -> str:
        return f"s.{name} * 0.01" if name in self.MONEY else f"s.{name}"

    def _sql(self) -> tuple[str, list[Any]]:
        # What the export does not fill (the import time; a shipment's sign-in, freight and
        # creation time; any column a later migration adds) gets what save() would give it.
        order_default_columns, order_defaults = bulk.defaults(
            Order, ("shop_id", *self.create_fields)
        )
        shipment_fields = ("order_id", "direction", "carrier_id", "waybill_no", "shipped_at")
        shipment_default_columns, shipment_defaults = bulk.defaults(Shipment, shipment_fields)
        q = bulk.quote
        sql = f"""
WITH current AS MATERIALIZED (
    SELECT s.pos, s.order_no, o.id,
        ({", ".join(f"o.{f}" for f in self.updatable)})
            IS DISTINCT FROM ({", ".join(self._staged(f) for f in self.updatable)}) AS changed,
        (o.freight_paid, o.amount_paid)
            IS DISTINCT FROM ({self._staged("freight_paid")}, {self._staged("amount_paid")})
            AS money_changed
    FROM {ORDER_STAGE} s
    CROSS JOIN LATERAL (
        SELECT id, {", ".join(self.updatable)} FROM orders_order
        WHERE shop_id = %s AND order_no = s.order_no LIMIT 1
    ) o
), created AS (
    INSERT INTO orders_order (shop_id, {", ".join(self.create_fields)}{
            "".join(f", {q(c)}" for c in order_default_columns)
        })
    SELECT %s, {", ".join(self._staged(f) for f in self.create_fields)}{
            ", %s" * len(order_default_columns)
        }
    FROM {ORDER_STAGE} s
    WHERE NOT EXISTS (SELECT FROM current c WHERE c.pos = s.pos)
    ORDER BY s.pos
    RETURNING id, order_no
), shipped AS (
    INSERT INTO orders_shipment ({", ".join(shipment_fields)}{
            "".join(f", {q(c)}" for c in shipment_default_columns)
        })
    SELECT c.id, %s, s.carrier_id, s.waybill_no, s.shipped_at{
            ", %s" * len(shipment_default_columns)
        }
    FROM created c JOIN {ORDER_STAGE} s ON s.order_no = c.order_no
    WHERE s.waybill_no <> ''
    ORDER BY c.id
)
SELECT id, order_no,
    CASE WHEN money_changed THEN {MONEY_CHANGED} WHEN changed THEN {CHANGED}
    ELSE {UNCHANGED} END
FROM current
UNION ALL
SELECT NULL, NULL, count(*) FROM created
"""  # noqa: S608 - names from the models and this module, values as parameters
        params = [
            self.shop.pk,
            self.shop.pk,
            *order_defaults(),
            ShipmentDirection.OUTBOUND.value,
            *shipment_defaults(),
        ]
        return sql, params


# --- lines ---------------------------------------------------------------------------------

_LINE_TYPES = {
    "pos": "int4",
    "order_no": "text",
    "line_no": "int4",
    "title": "text",
    "sku_code": "text",
    "sku_properties": "text",
    "unit_price": "int8",
    "quantity": "int8",
    "amount_given": "int8",
}
FOUND_WITH_LINES, NOT_FOUND = 1, 2


def lines_stage(rows: list[bulk.Row], state: dict[str, bool]) -> None:
    """Stage (order_no, line_no, title, sku_code, sku_properties, unit_price cents,
    quantity, amount_given cents or None) rows."""
    if not state.get(LINE_STAGE):
        bulk.stage_create(LINE_STAGE, list(_LINE_TYPES.items()))
        state[LINE_STAGE] = True
    bulk.stage_fill(
        LINE_STAGE,
        list(_LINE_TYPES),
        [(pos, *row) for pos, row in enumerate(rows)],
        types=list(_LINE_TYPES.values()),
    )


def lines_insert(shop: Shop) -> list[tuple[str, int | None, int]]:
    """Insert the staged lines of orders that have none yet, each with its share of what
    was paid for the order's goods and the after-sales terms of its product. Returns
    (order_no, id, FOUND_WITH_LINES) for orders that already have lines and (order_no,
    None, NOT_FOUND) for numbers with no order; their lines are not written.

    The shares are ``split_proportionally`` in whole cents: each line gets
    ⌊total × w / W⌋ of the total T (what the buyer paid for the goods, never below zero)
    for its weight w = price × quantity, and the cents left over go one each to the lines
    with the largest remainders ``total × w mod W`` (on a tie, the later line); if every
    weight is zero the last line gets it all. Amounts given for every line of an order are
    kept as given."""
    default_columns, defaults = bulk.defaults(
        OrderLine,
        (
            "order_id",
            "line_no",
            "title",
            "sku_code",
            "sku_properties",
            "unit_price",
            "quantity",
            "amount_paid",
            "seven_day_eligible",
            "seven_day_exclusion",
            "seven_day_exclusion_note",
            "warranty_months",
        ),
    )
    q = bulk.quote
    sql = f"""
WITH numbers AS (
    SELECT DISTINCT order_no FROM {LINE_STAGE}
), orders AS MATERIALIZED (
    SELECT n.order_no, o.id, o.amount_paid, o.freight_paid, l.has_lines
    FROM numbers n
    CROSS JOIN LATERAL (
        SELECT id, amount_paid, freight_paid FROM orders_order
        WHERE shop_id = %s AND order_no = n.order_no LIMIT 1
    ) o
    LEFT JOIN LATERAL (
        SELECT true AS has_lines FROM orders_orderline WHERE order_id = o.id LIMIT 1
    ) l ON true
), lines AS (
    SELECT s.*, o.id AS order_id,
        greatest(o.amount_paid - o.freight_paid, 0) * 100 AS total,
        s.unit_price::numeric * s.quantity AS weight,
        sum(s.unit_price::numeric * s.quantity) OVER per_order AS weight_sum,
        count(*) OVER per_order AS lines_in_order,
        bool_and(s.amount_given IS NOT NULL) OVER per_order AS all_given
    FROM {LINE_STAGE} s JOIN orders o ON o.order_no = s.order_no
    WHERE o.has_lines IS NULL
    WINDOW per_order AS (PARTITION BY s.order_no)
), simple AS (
    -- Nearly every order: amounts given for every line, or paid at list price (each line's
    -- share is its own price × quantity), or a single line (which gets all of it).
    SELECT pos, order_id, line_no, title, sku_code, sku_properties, unit_price, quantity,
        CASE WHEN all_given THEN amount_given WHEN weight_sum = total THEN weight
        ELSE total END AS cents
    FROM lines WHERE all_given OR weight_sum = total OR lines_in_order = 1
), shares AS (
    SELECT *,
        CASE WHEN weight_sum = 0 THEN
            CASE WHEN line_no = lines_in_order THEN total ELSE 0 END
        ELSE div(total * weight, weight_sum) END AS base,
        CASE WHEN weight_sum = 0 THEN 0 ELSE mod(total * weight, weight_sum) END AS rest
    FROM lines WHERE NOT (all_given OR weight_sum = total OR lines_in_order = 1)
), ranked AS (
    SELECT *,
        total - sum(base) OVER (PARTITION BY order_no) AS left_over,
        row_number() OVER (PARTITION BY order_no ORDER BY rest DESC, line_no DESC) AS place
    FROM shares
), amounts AS (
    SELECT * FROM simple
    UNION ALL
    SELECT pos, order_id, line_no, title, sku_code, sku_properties, unit_price, quantity,
        base + CASE WHEN place <= left_over THEN 1 ELSE 0 END AS cents
    FROM ranked
), inserted AS (
    INSERT INTO orders_orderline (order_id, line_no, title, sku_code, sku_properties,
        unit_price, quantity, amount_paid, seven_day_eligible, seven_day_exclusion,
        seven_day_exclusion_note, warranty_months{"".join(f", {q(c)}" for c in default_columns)})
    SELECT r.order_id, r.line_no, r.title, r.sku_code, r.sku_properties,
        r.unit_price * 0.01, r.quantity, r.cents * 0.01,
        coalesce(p.seven_day_eligible, true), coalesce(p.seven_day_exclusion, ''),
        coalesce(p.seven_day_exclusion_note, ''), coalesce(p.warranty_months, 0){
        ", %s" * len(default_columns)
    }
    FROM amounts r
    LEFT JOIN orders_product p
        ON p.shop_id = %s AND p.sku_code = r.sku_code AND r.sku_code <> ''
    ORDER BY r.pos
)
SELECT order_no, id, {FOUND_WITH_LINES} FROM orders WHERE has_lines
UNION ALL
SELECT n.order_no, NULL, {NOT_FOUND} FROM numbers n
WHERE NOT EXISTS (SELECT FROM orders o WHERE o.order_no = n.order_no)
"""  # noqa: S608 - names from the models and this module, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [shop.pk, *defaults(), shop.pk])
        found: list[tuple[str, int | None, int]] = cursor.fetchall()
        return found
