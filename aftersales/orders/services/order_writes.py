"""The writes of one import, a batch at a time: orders with their outbound shipments, then
order lines. Each batch is written by a fixed number of set-based statements, whatever its
size; on PostgreSQL the rows travel by ``COPY`` (see ``bulk``)."""

from __future__ import annotations

from decimal import Decimal
from operator import itemgetter
from typing import Any, cast

from django.db.models import Exists, OuterRef, Q

from aftersales.accounts.models import Shop
from aftersales.core.models import Carrier
from aftersales.core.money import to_money
from aftersales.orders import holds, importers
from aftersales.orders.importers import (
    COL_AMOUNT_PAID,
    COL_FREIGHT,
    COL_ORDER_NO,
    LineInput,
    OrderInput,
    ParsedRow,
    RowError,
)
from aftersales.orders.models import Order, OrderLine, Product, Shipment, ShipmentDirection
from aftersales.orders.services import bulk, order_copy
from aftersales.orders.services.bulk import Row
from aftersales.orders.services.import_report import (
    MSG_DUPLICATE_ORDER,
    MSG_FREIGHT_BELOW_HELD,
    MSG_LINE_BELOW_HELD,
    MSG_LINES_CONFLICT,
    MSG_ORDER_NOT_FOUND,
    ImportReport,
    LineGroup,
    OrdersBatch,
    Progress,
)
from aftersales.orders.services.line_amounts import goods_paid, line_amounts, split

# What a later export of the same order may change. The buyer, address and creation time are
# facts of the sale and stay as first imported.
UPDATABLE_FIELDS = (
    "status",
    "goods_total",
    "freight_paid",
    "amount_paid",
    "paid_at",
    "success_at",
    "seller_note",
)
_MONEY_FIELDS = frozenset({"freight_paid", "amount_paid"})
_CREATE_FIELDS = (
    "order_no",
    "buyer_nick",
    "receiver_name",
    "receiver_phone",
    "province",
    "city",
    "district",
    "street",
    "postal_code",
    "buyer_message",
    "created_at",
    *UPDATABLE_FIELDS,
)
_create_values = itemgetter(*_CREATE_FIELDS)

_SHIPMENT_FIELDS = ("order_id", "direction", "carrier_id", "waybill_no", "shipped_at")
_LINE_FIELDS = (
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
)
_NO_PRODUCT_TERMS = (True, "", "", 0)


def _line_signature(line: LineInput) -> Row:
    return (
        line["title"],
        line["sku_code"],
        line["sku_properties"],
        line["unit_price"],
        line["quantity"],
    )


def _terms(product: Product | None) -> tuple[bool, str, str, int]:
    if product is None:
        return _NO_PRODUCT_TERMS
    return (
        product.seven_day_eligible,
        product.seven_day_exclusion,
        product.seven_day_exclusion_note,
        product.warranty_months,
    )


def lock_shop(shop: Shop) -> None:
    # Two imports for one shop (a double-clicked upload, the API and a file at once) queue on
    # the shop's row instead of racing on the unique order number. SQLite ignores it: its
    # IMMEDIATE transactions already serialise writers.
    # NO KEY UPDATE, not UPDATE: every row written with a foreign key to the shop (a refund,
    # a case) takes KEY SHARE on it, which a plain FOR UPDATE blocks. A refund being recorded
    # holds its order's lock while it inserts, and the import waits for that order's lock:
    # with FOR UPDATE here, each would wait for the other.
    list(
        Shop.objects.select_for_update(no_key=True).filter(pk=shop.pk).values_list("pk", flat=True)
    )


class Batches:
    """The writes of one import and what it has learnt so far: its report, the carriers
    seen, and the order numbers refused in this run, so their item rows are skipped instead
    of written half."""

    def __init__(self, shop: Shop, progress: Progress | None = None):
        self.shop = shop
        self.report = ImportReport()
        self.progress = progress
        self.rejected: set[str] = set()
        # Errors found while reading rows wait here until the writes before them are done,
        # so the report lists every error in file order even when reading runs ahead.
        self.read_errors: list[RowError] = []
        self._carriers: dict[str, Carrier] = {}
        self._ticked = 0
        # What this import may change on an existing order: every updatable field the file
        # carries. An older export without 确认收货时间 must not blank what a newer one wrote.
        self.updatable: tuple[str, ...] = UPDATABLE_FIELDS
        self._postgres = bulk.is_postgres()
        self._orders_sql = (
            order_copy.OrderStatements(shop, _CREATE_FIELDS, self.updatable)
            if self._postgres
            else None
        )
        self._line_stages: dict[str, bool] | None = {} if self._postgres else None

    def keep_as_stored(self, keys: Any) -> None:
        """Leave ``keys`` as they are on orders already imported: the file has no column for
        them."""
        self.updatable = tuple(f for f in UPDATABLE_FIELDS if f not in set(keys))
        if self._postgres:
            self._orders_sql = order_copy.OrderStatements(self.shop, _CREATE_FIELDS, self.updatable)

    def error(self, file: str, row: int, field: str, code: str, message: Any) -> None:
        """An error found by a write."""
        self.report.errors.append(RowError(file, row, field, code, str(message)))

    def read_error(self, file: str, row: int, field: str, code: str, message: Any) -> None:
        self.read_errors.append(RowError(file, row, field, code, str(message)))

    def refuse(self, file: str, parsed: ParsedRow) -> None:
        for e in parsed.errors:
            self.read_error(file, parsed.row, e.field, e.code, e.message)
        if parsed.order_no:
            self.rejected.add(parsed.order_no)

    def read_errors_report(self) -> None:
        self.report.errors.extend(self.read_errors)
        self.read_errors.clear()

    def tick(self, rows_read: int) -> None:
        if self.progress is not None and rows_read != self._ticked:
            self._ticked = rows_read
            self.progress(rows_read)

    # --- carriers ----------------------------------------------------------------------

    def carriers(self, names: set[str]) -> dict[str, Carrier]:
        """Carriers by name, created on first sight. A mapped code already held by a carrier
        of another name (顺丰 typed differently by an administrator) is that carrier."""
        missing = names - self._carriers.keys()
        if missing:
            codes = {importers.carrier_code(n) for n in missing}

            def fetch() -> list[Carrier]:
                return list(Carrier.objects.filter(Q(name__in=missing) | Q(code__in=codes)))

            found = fetch()
            known_names = {c.name for c in found}
            known_codes = {c.code for c in found}
            create = [
                Carrier(code=importers.carrier_code(n), name=n)
                for n in sorted(missing)
                if n not in known_names and importers.carrier_code(n) not in known_codes
            ]
            if create:
                # A concurrent import may create the same carrier first; take theirs.
                Carrier.objects.bulk_create(create, ignore_conflicts=True)
                found = fetch()
            by_name = {c.name: c for c in found}
            by_code = {c.code: c for c in found}
            for n in missing:
                self._carriers[n] = by_name.get(n) or by_code[importers.carrier_code(n)]
        return {n: self._carriers[n] for n in names}

    # --- orders ------------------------------------------------------------------------

    def orders_write(self, items: list[tuple[int, OrderInput]], file: str) -> set[int]:
        """Create or update one batch of orders and their outbound shipments. Returns the
        rows written (a repeated order number within the batch is refused)."""
        batch = self.orders_prepare(items, file)
        if batch is None:
            return set()
        self.orders_finish(batch)
        return batch.rows

    def orders_prepare(self, items: list[tuple[int, OrderInput]], file: str) -> OrdersBatch | None:
        """The first half of ``orders_write``, done by the reading thread: refuse repeated
        order numbers and, on PostgreSQL, stage the batch."""
        field_name = COL_ORDER_NO if file else "order_no"
        by_no: dict[str, tuple[int, OrderInput]] = {}
        for row, order in items:
            first = by_no.get(order["order_no"])
            if first is not None:
                message = MSG_DUPLICATE_ORDER % {"row": first[0]}
                self.error(file, row, field_name, "duplicate_order", message)
                continue
            by_no[order["order_no"]] = (row, order)
        if not by_no:
            return None
        batch = OrdersBatch(
            {no: order for no, (_row, order) in by_no.items()},
            {no: row for no, (row, _order) in by_no.items()},
            file,
        )
        if self._orders_sql is not None:
            names = {order["carrier_name"] for order in batch.data.values()} - {""}
            carrier_ids = {name: c.pk for name, c in self.carriers(names).items()}
            self._orders_sql.stage(batch.data, carrier_ids)
        return batch

    def orders_finish(self, batch: OrdersBatch) -> None:
        """The second half, which may run on the writing thread. New orders are written
        first; existing ones are then updated, except those whose new amounts would fall
        below the money already held on them, which are refused."""
        data = batch.data
        if self._orders_sql is not None:
            created, found = self._orders_sql.upsert()
            new: list[tuple[int, str]] = []  # their shipments are written with them
            existing = [(pk, no) for pk, no, _kind in found]
            changed = {no for _pk, no, kind in found if kind != order_copy.UNCHANGED}
            money = [(pk, no) for pk, no, kind in found if kind == order_copy.MONEY_CHANGED]
        else:
            new, existing, changed, money = self._orders_save(data)
            created = len(new)
        line_updates, refused = self._money_check(money, batch)
        if refused:
            existing = [(pk, no) for pk, no in existing if no not in refused]
            changed -= refused
        fields = self.updatable
        bulk.update_rows(
            Order,
            fields,
            [(pk, *(data[no][f] for f in fields)) for pk, no in existing if no in changed],
        )
        bulk.update_rows(OrderLine, ["amount_paid"], line_updates)
        shipped = self._shipments_write(
            [(pk, no) for pk, no in existing if data[no]["waybill_no"]],
            [(pk, no) for pk, no in new if data[no]["waybill_no"]],
            data,
        )
        updated = changed | shipped
        self.report.orders_created += created
        self.report.orders_updated += len(updated)
        self.report.orders_unchanged += len(existing) - len(updated)

    def _orders_save(
        self, data: dict[str, OrderInput]
    ) -> tuple[list[tuple[int, str]], list[tuple[int, str]], set[str], list[tuple[int, str]]]:
        """Other databases: read the batch's existing orders, compare them here, and create
        the new ones with Django's bulk operations. Returns the new and the existing orders
        as (id, order_no), the numbers of those whose updatable fields changed, and those
        whose paid amounts changed."""
        # Plain values, not model instances: on a re-import nearly every order is unchanged,
        # and building instances only to compare seven fields would be most of the cost.
        current = {
            no: (pk, values)
            for pk, no, *values in Order.objects.filter(
                shop=self.shop, order_no__in=list(data)
            ).values_list("id", "order_no", *self.updatable)
        }
        new_orders = [
            Order(shop=self.shop, **{f: cast(dict[str, Any], order)[f] for f in _CREATE_FIELDS})
            for no, order in data.items()
            if no not in current
        ]
        if new_orders:
            Order.objects.bulk_create(new_orders)
            if any(o.pk is None for o in new_orders):  # a backend that cannot return ids
                ids = dict(
                    Order.objects.filter(
                        shop=self.shop, order_no__in=[o.order_no for o in new_orders]
                    ).values_list("order_no", "id")
                )
                for o in new_orders:
                    o.pk = ids[o.order_no]
        changed: set[str] = set()
        money_changed: list[tuple[int, str]] = []
        for no, (pk, values) in current.items():
            after = [cast(dict[str, Any], data[no])[f] for f in self.updatable]
            if after != values:
                changed.add(no)
                money = [i for i, f in enumerate(self.updatable) if f in _MONEY_FIELDS]
                if [after[i] for i in money] != [values[i] for i in money]:
                    money_changed.append((pk, no))
        new = [(o.pk, o.order_no) for o in new_orders]
        existing = [(pk, no) for no, (pk, _values) in current.items()]
        return new, existing, changed, money_changed

    def _money_check(
        self, orders: list[tuple[int, str]], batch: OrdersBatch
    ) -> tuple[list[Row], set[str]]:
        """For existing orders, as (id, order_no), whose paid amounts moved (an order
        imported before payment, exported again after): the lines' new shares, as (line id,
        amount) — the lines follow the payment, or the refund ledger would cap them at the
        old amount — and the order numbers refused because a line's share or the freight
        would fall below what the ledger already holds on it (that would undo its cap).

        A fixed number of statements for the whole batch: lock the orders, read their lines,
        read what is held. The lock comes first so that a refund being recorded on one of
        these orders (which locks the order, then reads the line's amount) either commits
        before the held amounts are read, or waits and then reads the new amounts."""
        if not orders:
            return [], set()
        data = batch.data
        order_ids = [pk for pk, _no in orders]
        check = holds.money_held_registered()
        if check:
            list(
                Order.objects.select_for_update()
                .filter(pk__in=order_ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        lines: dict[int, list[tuple[int, int, Decimal, int]]] = {}
        for pk, order_id, line_no, unit_price, quantity in (
            OrderLine.objects.filter(order_id__in=order_ids)
            .order_by("order_id", "line_no")
            .values_list("id", "order_id", "line_no", "unit_price", "quantity")
        ):
            lines.setdefault(order_id, []).append((pk, line_no, unit_price, quantity))
        held = holds.money_held([pk for pk, _no in orders if pk in lines]) if check else None
        updates: list[Row] = []
        refused: set[str] = set()
        for order_id, no in orders:
            order = data[no]
            order_lines = lines.get(order_id, [])
            shares: list[Decimal] = []
            if order_lines:  # lines may come later, in the item report
                weights = [price * quantity for _pk, _n, price, quantity in order_lines]
                shares = split(goods_paid(order["amount_paid"], order["freight_paid"]), weights)
            if held is not None and self._below_held(
                batch, no, order_id, order_lines, shares, held
            ):
                refused.add(no)
                continue
            updates.extend(
                (pk, share) for (pk, *_rest), share in zip(order_lines, shares, strict=True)
            )
        return updates, refused

    def _below_held(
        self,
        batch: OrdersBatch,
        no: str,
        order_id: int,
        order_lines: list[tuple[int, int, Decimal, int]],
        shares: list[Decimal],
        held: holds.Held,
    ) -> bool:
        """Report, and say whether, the order's new amounts fall below what is held."""
        order = batch.data[no]
        row, file = batch.row_of[no], batch.file
        below = False
        freight_held = held.order_freight(order_id)
        if order["freight_paid"] < freight_held:
            message = MSG_FREIGHT_BELOW_HELD % {
                "freight": to_money(order["freight_paid"]),
                "held": freight_held,
            }
            field = COL_FREIGHT if file else "freight_paid"
            self.error(file, row, field, "freight_below_held", message)
            below = True
        for (pk, line_no, _price, _quantity), share in zip(order_lines, shares, strict=True):
            line_held = held.line(pk)
            if share < line_held:
                message = MSG_LINE_BELOW_HELD % {
                    "line": line_no,
                    "amount": share,
                    "held": line_held,
                }
                field = COL_AMOUNT_PAID if file else "amount_paid"
                self.error(file, row, field, "amount_below_held", message)
                below = True
        if below:
            batch.rows.discard(row)
            # Its item rows are skipped, as those of an order whose row was refused.
            self.rejected.add(no)
        return below

    def _shipments_write(
        self,
        existing: list[tuple[int, str]],
        new: list[tuple[int, str]],
        data: dict[str, OrderInput],
    ) -> set[str]:
        """One outbound shipment per exported waybill, for orders given as (id, order_no).
        A changed waybill corrects the one shipment the import made. Returns the existing
        orders whose shipment changed."""
        if not existing and not new:
            return set()
        carriers = self.carriers({data[no]["carrier_name"] for _pk, no in (*existing, *new)} - {""})
        # order id: [(shipment id, waybill, carrier id, shipped at)]
        outbound: dict[int, list[Row]] = {}
        if existing:
            for pk, order_id, *rest in (
                Shipment.objects.filter(
                    order_id__in=[pk for pk, _no in existing],
                    direction=ShipmentDirection.OUTBOUND,
                )
                .order_by("id")
                .values_list("id", "order_id", "waybill_no", "carrier_id", "shipped_at")
            ):
                outbound.setdefault(order_id, []).append((pk, *rest))

        outbound_value = ShipmentDirection.OUTBOUND.value
        carrier_ids = {name: c.pk for name, c in carriers.items()}
        to_create: list[Row] = []
        to_update: list[Row] = []
        changed: set[str] = set()
        for order_id, no in existing:
            d = data[no]
            carrier_id = carrier_ids.get(d["carrier_name"])
            shipments: list[Row] = outbound.get(order_id, [])
            match = next((s for s in shipments if s[1] == d["waybill_no"]), None)
            if match is None and len(shipments) != 1:
                # None yet, or several (a split parcel recorded by hand): the export names one
                # waybill and does not say which of several it replaces, so it is added.
                to_create.append(
                    (order_id, outbound_value, carrier_id, d["waybill_no"], d["shipped_at"])
                )
                changed.add(no)
                continue
            pk, *before = match or shipments[0]
            # The file never knows when the parcel left; keep what the API may have said.
            after = [
                d["waybill_no"],
                carrier_id if carrier_id is not None else before[1],
                d["shipped_at"] if d["shipped_at"] is not None else before[2],
            ]
            if after != before:
                to_update.append((pk, *after))
                changed.add(no)
        for order_id, no in new:  # a new order has no shipment yet
            d = data[no]
            to_create.append(
                (
                    order_id,
                    outbound_value,
                    carrier_ids.get(d["carrier_name"]),
                    d["waybill_no"],
                    d["shipped_at"],
                )
            )
        bulk.insert_rows(Shipment, _SHIPMENT_FIELDS, to_create)
        bulk.update_rows(Shipment, ["waybill_no", "carrier_id", "shipped_at"], to_update)
        return changed

    # --- lines -------------------------------------------------------------------------

    def lines_write(self, groups: list[LineGroup]) -> None:
        """Write the lines of orders that have none yet, with the shop's after-sales terms of
        each product as they are today (the terms at sale time). An order that already has
        the same lines is left alone; different lines are refused, never added."""
        self.lines_prepare(groups)
        self.lines_finish(groups)

    def lines_prepare(self, groups: list[LineGroup]) -> None:
        """The first half, done by the reading thread: on PostgreSQL, stage the lines."""
        if self._line_stages is None or not groups:
            return
        rows = []
        for g in groups:
            for line_no, line in enumerate(g.lines, 1):
                given = line.get("amount_paid")
                rows.append(
                    (
                        g.order_no,
                        line_no,
                        line["title"],
                        line["sku_code"],
                        line["sku_properties"],
                        int(line["unit_price"] * 100),
                        line["quantity"],
                        None if given is None else int(given * 100),
                    )
                )
        order_copy.lines_stage(rows, self._line_stages)

    def lines_finish(self, groups: list[LineGroup]) -> None:
        """The second half, which may run on the writing thread."""
        if not groups:
            return
        if self._line_stages is None:
            self._lines_save(groups)
            return
        with_lines: dict[str, int] = {}
        missing: set[str] = set()
        for no, pk, kind in order_copy.lines_insert(self.shop):
            if kind == order_copy.FOUND_WITH_LINES and pk is not None:
                with_lines[no] = pk
            else:
                missing.add(no)
        existing = self._signatures(list(with_lines.values()))
        for g in groups:
            if g.order_no in missing:
                for row in g.rows:
                    self.error(g.file, row, g.field, "order_not_found", MSG_ORDER_NOT_FOUND)
            elif g.order_no in with_lines:
                if existing[with_lines[g.order_no]] != [_line_signature(x) for x in g.lines]:
                    for row in g.rows:
                        self.error(g.file, row, g.field, "lines_conflict", MSG_LINES_CONFLICT)
            else:
                self.report.lines_created += len(g.lines)

    @staticmethod
    def _signatures(order_ids: list[int]) -> dict[int, list[Row]]:
        existing: dict[int, list[Row]] = {}
        if order_ids:
            for order_id, *signature in (
                OrderLine.objects.filter(order_id__in=order_ids)
                .order_by("order_id", "line_no")
                .values_list(
                    "order_id", "title", "sku_code", "sku_properties", "unit_price", "quantity"
                )
            ):
                existing.setdefault(order_id, []).append(tuple(signature))
        return existing

    def _lines_save(self, groups: list[LineGroup]) -> None:
        """Other databases: look the orders up, split the amounts here, and insert."""
        numbers = [g.order_no for g in groups]
        found = (
            Order.objects.filter(shop=self.shop, order_no__in=numbers)
            .annotate(has_lines=Exists(OrderLine.objects.filter(order_id=OuterRef("pk"))))
            .values_list("order_no", "id", "amount_paid", "freight_paid", "has_lines")
        )
        orders = {no: (pk, paid, freight, has_lines) for no, pk, paid, freight, has_lines in found}
        existing = self._signatures([pk for pk, _p, _f, has_lines in orders.values() if has_lines])
        codes = {line["sku_code"] for g in groups for line in g.lines} - {""}
        products = (
            {p.sku_code: p for p in Product.objects.filter(shop=self.shop, sku_code__in=codes)}
            if codes
            else {}
        )

        rows: list[Row] = []
        for g in groups:
            if g.order_no not in orders:
                for row in g.rows:
                    self.error(g.file, row, g.field, "order_not_found", MSG_ORDER_NOT_FOUND)
                continue
            order_id, paid, freight, has_lines = orders[g.order_no]
            if has_lines:
                if existing[order_id] != [_line_signature(line) for line in g.lines]:
                    for row in g.rows:
                        self.error(g.file, row, g.field, "lines_conflict", MSG_LINES_CONFLICT)
                continue
            amounts = line_amounts(g.lines, goods_paid(paid, freight))
            for line_no, (line, amount) in enumerate(zip(g.lines, amounts, strict=True), 1):
                sku_code = line["sku_code"]
                rows.append(
                    (
                        order_id,
                        line_no,
                        line["title"],
                        sku_code,
                        line["sku_properties"],
                        line["unit_price"],
                        line["quantity"],
                        amount,
                        *_terms(products.get(sku_code)),
                    )
                )
        bulk.insert_rows(OrderLine, _LINE_FIELDS, rows)
        self.report.lines_created += len(rows)
