"""The only code that writes orders, their lines and their outbound shipments.

Two ways in: ``order_import_files`` streams the seller centre's two reports, and
``order_upsert_many`` takes orders already parsed (the REST API). Both write in batches, each
batch in its own transaction with a fixed number of set-based queries, so the cost grows with
the number of batches, not rows, and a file of a million orders is never held in memory.

An order is identified by (shop, order_no). Importing it again updates only what a later export
can change (status, money before payment, payment and confirmation times, the seller's note, the
waybill); its lines are written once and never duplicated.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Shop
from aftersales.core.money import ZERO, split_proportionally, to_money
from aftersales.logistics.models import Carrier
from aftersales.orders import importers
from aftersales.orders.importers import (
    COL_ORDER_NO,
    FieldError,
    LineInput,
    OrderInput,
    ParsedRow,
    RowError,
    Table,
)
from aftersales.orders.models import Order, OrderLine, Product, Shipment, ShipmentDirection

__all__ = [
    "MSG_DUPLICATE_ORDER",
    "MSG_GROUP_ROW_INVALID",
    "MSG_LINES_CONFLICT",
    "MSG_LINES_NOT_CONTIGUOUS",
    "MSG_ORDER_NOT_FOUND",
    "MSG_ORDER_ROW_INVALID",
    "UPDATABLE_FIELDS",
    "ImportReport",
    "LineInput",
    "OrderInput",
    "RowError",
    "order_import_files",
    "order_upsert_many",
]

MSG_DUPLICATE_ORDER = _("订单编号与第 %(row)s 行重复，本行未导入。")
MSG_ORDER_NOT_FOUND = _("订单报表和系统中都没有这个订单，本行未导入。")
MSG_ORDER_ROW_INVALID = _("该订单在订单报表中有错误，其明细已跳过。")
MSG_GROUP_ROW_INVALID = _("同一订单的其他明细行有错误，本行已跳过。")
MSG_LINES_NOT_CONTIGUOUS = _("该订单的明细没有连续排列，本行未导入。")
MSG_LINES_CONFLICT = _(
    "该订单已有明细，且与本行不一致（明细没有连续排列，或与上次导入的不同），本行未导入。"
)
LABEL_ORDERS_FILE = _("订单报表")
LABEL_ITEMS_FILE = _("宝贝报表")

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

FileSource = str | os.PathLike[str] | IO[bytes]
Progress = Callable[[int], None]


@dataclass
class ImportReport:
    """What one import did. ``rows_read`` counts data rows of both files (or orders given);
    a refused row is in ``errors`` and in none of the other counts."""

    orders_created: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    lines_created: int = 0
    rows_read: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "orders_created": self.orders_created,
            "orders_updated": self.orders_updated,
            "orders_unchanged": self.orders_unchanged,
            "lines_created": self.lines_created,
            "rows_read": self.rows_read,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class _LineGroup:
    """All lines of one order, and where to point if they are refused."""

    order_no: str
    file: str
    rows: list[int]
    field: str
    lines: list[LineInput]


def _goods_paid(amount_paid: Decimal, freight_paid: Decimal) -> Decimal:
    """What the buyer actually paid for the goods; an unpaid order paid nothing for them."""
    return max(amount_paid - freight_paid, ZERO)


def _line_amounts(lines: Sequence[LineInput], goods_paid: Decimal) -> list[Decimal]:
    given = [line.get("amount_paid") for line in lines]
    if all(a is not None for a in given):
        return given  # type: ignore[return-value]
    return _split(goods_paid, [line["unit_price"] * line["quantity"] for line in lines])


def _split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    # Most orders are paid at list price: each line's share is then its own price × quantity
    # (cent-exact), which is what the general split returns, only far cheaper per line.
    if sum(weights, ZERO) == total:
        return [to_money(w) for w in weights]
    return split_proportionally(total, weights)


def _line_signature(line: LineInput) -> tuple:
    return (
        line["title"],
        line["sku_code"],
        line["sku_properties"],
        line["unit_price"],
        line["quantity"],
    )


def _lock_shop(shop: Shop) -> None:
    # Two imports for one shop (a double-clicked upload, the API and a file at once) queue on
    # the shop's row instead of racing on the unique order number. SQLite ignores it: its
    # IMMEDIATE transactions already serialise writers.
    list(Shop.objects.select_for_update().filter(pk=shop.pk).values_list("pk", flat=True))


class _Run:
    """The state of one import: its report, the carriers seen so far, and the order numbers
    refused in this run, so their item rows are skipped instead of written half."""

    def __init__(self, shop: Shop, progress: Progress | None = None):
        self.shop = shop
        self.report = ImportReport()
        self.progress = progress
        self.rejected: set[str] = set()
        self._carriers: dict[str, Carrier] = {}
        self._ticked = 0

    def error(self, file: str, row: int, field: str, code: str, message: Any) -> None:
        self.report.errors.append(RowError(file, row, field, code, str(message)))

    def refuse(self, file: str, parsed: ParsedRow) -> None:
        for e in parsed.errors:
            self.error(file, parsed.row, e.field, e.code, e.message)
        if parsed.order_no:
            self.rejected.add(parsed.order_no)

    def tick(self) -> None:
        if self.progress is not None and self.report.rows_read != self._ticked:
            self._ticked = self.report.rows_read
            self.progress(self._ticked)

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
            return set()

        # Plain values, not model instances: on a re-import nearly every order is unchanged,
        # and building 1,000 instances per batch only to compare seven fields is most of
        # the cost. Instances are made for the few that changed.
        existing: dict[str, tuple[int, dict[str, Any]]] = {
            no: (pk, dict(zip(UPDATABLE_FIELDS, values, strict=True)))
            for pk, no, *values in Order.objects.filter(
                shop=self.shop, order_no__in=list(by_no)
            ).values_list("id", "order_no", *UPDATABLE_FIELDS)
        }
        new = [
            Order(shop=self.shop, **{f: order[f] for f in _CREATE_FIELDS})
            for no, (_row, order) in by_no.items()
            if no not in existing
        ]
        if new:
            Order.objects.bulk_create(new)
            if any(o.pk is None for o in new):  # a backend that cannot return ids
                ids = dict(
                    Order.objects.filter(
                        shop=self.shop, order_no__in=[o.order_no for o in new]
                    ).values_list("order_no", "id")
                )
                for o in new:
                    o.pk = ids[o.order_no]

        changed: dict[str, Order] = {}
        changed_fields: set[str] = set()
        money_changed: list[Order] = []
        for no, (pk, current) in existing.items():
            data = by_no[no][1]
            diff = [f for f in UPDATABLE_FIELDS if current[f] != data[f]]
            if diff:
                order = Order(pk=pk, order_no=no, **{f: data[f] for f in UPDATABLE_FIELDS})
                changed[no] = order
                changed_fields.update(diff)
                if {"amount_paid", "freight_paid"} & set(diff):
                    money_changed.append(order)
        if changed:
            Order.objects.bulk_update(list(changed.values()), sorted(changed_fields))
        if money_changed:
            self._lines_resplit(money_changed)

        shipped = self._shipments_write(
            [(pk, no) for no, (pk, _c) in existing.items() if by_no[no][1]["waybill_no"]],
            [(o.pk, o.order_no) for o in new if by_no[o.order_no][1]["waybill_no"]],
            {no: data for no, (_row, data) in by_no.items()},
        )
        updated = changed.keys() | shipped
        self.report.orders_created += len(new)
        self.report.orders_updated += len(updated)
        self.report.orders_unchanged += len(existing) - len(updated)
        return {row for row, _order in by_no.values()}

    def _lines_resplit(self, orders: list[Order]) -> None:
        """The paid amount moved (an order imported before payment, exported again after):
        the lines' shares follow, or the refund ledger would cap them at the old amount."""
        by_id = {o.pk: o for o in orders}
        lines: dict[int, list[OrderLine]] = {}
        for line in OrderLine.objects.filter(order_id__in=list(by_id)).order_by(
            "order_id", "line_no"
        ):
            lines.setdefault(line.order_id, []).append(line)
        touched = []
        for order_id, order_lines in lines.items():
            order = by_id[order_id]
            weights = [line.unit_price * line.quantity for line in order_lines]
            shares = _split(_goods_paid(order.amount_paid, order.freight_paid), weights)
            for line, share in zip(order_lines, shares, strict=True):
                line.amount_paid = share
            touched.extend(order_lines)
        if touched:
            OrderLine.objects.bulk_update(touched, ["amount_paid"])

    def _shipments_write(
        self,
        existing: list[tuple[int, str]],
        new: list[tuple[int, str]],
        data: dict[str, OrderInput],
    ) -> set[str]:
        """One outbound shipment per exported waybill, for orders given as (id, order_no).
        A changed waybill corrects the one shipment the import made. Returns the existing
        orders whose shipment changed."""
        carriers = self.carriers({data[no]["carrier_name"] for _pk, no in (*existing, *new)} - {""})
        outbound: dict[int, list[tuple[int, str, int | None, dt.datetime | None]]] = {}
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

        to_create: list[Shipment] = []
        to_update: list[Shipment] = []
        changed: set[str] = set()
        for order_id, no in (*existing, *new):
            d = data[no]
            carrier = carriers.get(d["carrier_name"])
            shipments = outbound.get(order_id, [])
            match = next((s for s in shipments if s[1] == d["waybill_no"]), None)
            if match is None and len(shipments) != 1:
                # None yet, or several (a split parcel recorded by hand): the export names one
                # waybill and does not say which of several it replaces, so it is added.
                to_create.append(
                    Shipment(
                        order_id=order_id,
                        direction=ShipmentDirection.OUTBOUND,
                        carrier=carrier,
                        waybill_no=d["waybill_no"],
                        shipped_at=d["shipped_at"],
                    )
                )
                changed.add(no)
                continue
            pk, *before = match or shipments[0]
            # The file never knows when the parcel left; keep what the API may have said.
            after = [
                d["waybill_no"],
                carrier.pk if carrier is not None else before[1],
                d["shipped_at"] if d["shipped_at"] is not None else before[2],
            ]
            if after != before:
                waybill_no, carrier_id, shipped_at = after
                to_update.append(
                    Shipment(
                        pk=pk, waybill_no=waybill_no, carrier_id=carrier_id, shipped_at=shipped_at
                    )
                )
                changed.add(no)
        if to_create:
            Shipment.objects.bulk_create(to_create)
        if to_update:
            Shipment.objects.bulk_update(to_update, ["waybill_no", "carrier", "shipped_at"])
        return changed & {no for _pk, no in existing}

    # --- lines -------------------------------------------------------------------------

    def lines_write(self, groups: list[_LineGroup]) -> None:
        """Write the lines of orders that have none yet, with the shop's after-sales terms of
        each product as they are today (the terms at sale time). An order that already has
        the same lines is left alone; different lines are refused, never added."""
        if not groups:
            return
        orders = {
            no: (pk, paid, freight)
            for no, pk, paid, freight in Order.objects.filter(
                shop=self.shop, order_no__in=[g.order_no for g in groups]
            ).values_list("order_no", "id", "amount_paid", "freight_paid")
        }
        existing: dict[int, list[tuple]] = {}
        for order_id, *signature in (
            OrderLine.objects.filter(order_id__in=[pk for pk, _p, _f in orders.values()])
            .order_by("order_id", "line_no")
            .values_list(
                "order_id", "title", "sku_code", "sku_properties", "unit_price", "quantity"
            )
        ):
            existing.setdefault(order_id, []).append(tuple(signature))
        codes = {line["sku_code"] for g in groups for line in g.lines} - {""}
        products = {
            p.sku_code: p for p in Product.objects.filter(shop=self.shop, sku_code__in=codes)
        }

        new: list[OrderLine] = []
        for g in groups:
            if g.order_no not in orders:
                for row in g.rows:
                    self.error(g.file, row, g.field, "order_not_found", MSG_ORDER_NOT_FOUND)
                continue
            order_id, paid, freight = orders[g.order_no]
            if order_id in existing:
                if existing[order_id] != [_line_signature(line) for line in g.lines]:
                    for row in g.rows:
                        self.error(g.file, row, g.field, "lines_conflict", MSG_LINES_CONFLICT)
                continue
            amounts = _line_amounts(g.lines, _goods_paid(paid, freight))
            for line_no, (line, amount) in enumerate(zip(g.lines, amounts, strict=True), 1):
                product = products.get(line["sku_code"])
                new.append(
                    OrderLine(
                        order_id=order_id,
                        line_no=line_no,
                        title=line["title"],
                        sku_code=line["sku_code"],
                        sku_properties=line["sku_properties"],
                        unit_price=line["unit_price"],
                        quantity=line["quantity"],
                        amount_paid=amount,
                        **_terms(product),
                    )
                )
        if new:
            OrderLine.objects.bulk_create(new)
        self.report.lines_created += len(new)

    # --- files -------------------------------------------------------------------------

    def orders_flush(self, batch: list[tuple[int, OrderInput]], file: str) -> None:
        if batch:
            with transaction.atomic():
                _lock_shop(self.shop)
                self.orders_write(batch, file)
        self.tick()

    def lines_flush(self, batch: list[_LineGroup]) -> None:
        if batch:
            with transaction.atomic():
                _lock_shop(self.shop)
                self.lines_write(batch)
        self.tick()

    def orders_read(self, table: Table, batch_size: int) -> None:
        batch: list[tuple[int, OrderInput]] = []
        pending = 0
        for row, cells in table.rows():
            self.report.rows_read += 1
            pending += 1
            parsed = importers.parse_order_row(row, cells)
            if parsed.errors:
                self.refuse(table.name, parsed)
            else:
                batch.append((row, parsed.data))
            if pending >= batch_size:
                self.orders_flush(batch, table.name)
                batch, pending = [], 0
        self.orders_flush(batch, table.name)
        if table.error:
            self.report.errors.append(table.error)

    def items_read(self, table: Table, batch_size: int) -> None:
        """Stream the item report one order at a time. The report lists an order's lines
        together; rather than remember every order seen (which would grow with the file), a
        later run of rows of an order is refused: within a batch together with the earlier
        run, which is not written yet; across batches because the order then already has
        other lines."""
        batch: dict[str, _LineGroup] = {}
        pending = 0
        group: list[ParsedRow] = []

        def refuse_all(rows: list[int], code: str, message: Any) -> None:
            for row in rows:
                self.error(table.name, row, COL_ORDER_NO, code, message)

        def close(group: list[ParsedRow]) -> None:
            no = group[0].order_no or ""  # rows without an order number are never grouped
            if no in self.rejected:
                refuse_all([p.row for p in group], "order_invalid", MSG_ORDER_ROW_INVALID)
                return
            if any(p.errors for p in group):
                for p in group:
                    if p.errors:
                        self.refuse(table.name, p)
                    else:
                        refuse_all([p.row], "lines_invalid", MSG_GROUP_ROW_INVALID)
                # A later run of the same order must not write the rest of it on its own.
                self.rejected.add(no)
                return
            if no in batch:
                earlier = batch.pop(no)
                rows = earlier.rows + [p.row for p in group]
                refuse_all(rows, "lines_not_contiguous", MSG_LINES_NOT_CONTIGUOUS)
                self.rejected.add(no)
                return
            rows = [p.row for p in group]
            batch[no] = _LineGroup(no, table.name, rows, COL_ORDER_NO, [p.data for p in group])

        for row, cells in table.rows():
            self.report.rows_read += 1
            parsed = importers.parse_item_row(row, cells)
            if parsed.order_no is None:
                self.refuse(table.name, parsed)
                pending += 1
                continue
            if group and parsed.order_no != group[0].order_no:
                close(group)
                group = []
                if pending >= batch_size:
                    self.lines_flush(list(batch.values()))
                    batch, pending = {}, 0
            group.append(parsed)
            pending += 1
        if group:
            close(group)
        self.lines_flush(list(batch.values()))
        if table.error:
            self.report.errors.append(table.error)


def _terms(product: Product | None) -> dict[str, Any]:
    if product is None:
        return {
            "seven_day_eligible": True,
            "seven_day_exclusion": "",
            "seven_day_exclusion_note": "",
            "warranty_months": 0,
        }
    return {
        "seven_day_eligible": product.seven_day_eligible,
        "seven_day_exclusion": product.seven_day_exclusion,
        "seven_day_exclusion_note": product.seven_day_exclusion_note,
        "warranty_months": product.warranty_months,
    }


def order_import_files(
    *,
    shop: Shop,
    orders_file: FileSource,
    items_file: FileSource | None = None,
    progress: Progress | None = None,
    batch_size: int = 1000,
    now: dt.datetime,
) -> ImportReport:
    """Import the order report and, if given, the item report (paths or binary files, CSV or
    XLSX). Good rows are kept and bad ones reported; a file that cannot be read at all (not
    CSV/XLSX, a required column missing) is one error. ``progress`` gets the number of rows
    read after each batch. ``now`` is the import's clock, per the service convention;
    nothing is stamped with it yet because ``Order.imported_at`` is set by the database."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    run = _Run(shop, progress)
    try:
        with importers.open_table(
            orders_file,
            required=importers.ORDER_COLUMNS_REQUIRED,
            optional=importers.ORDER_COLUMNS_OPTIONAL,
            default_name=str(LABEL_ORDERS_FILE),
        ) as table:
            run.orders_read(table, batch_size)
    except importers.TableError as e:
        # Without the orders, every item row would be an error of its own; one is enough.
        run.report.errors.append(e.error)
        return run.report
    if items_file is not None:
        try:
            with importers.open_table(
                items_file,
                required=importers.ITEM_COLUMNS_REQUIRED,
                optional=importers.ITEM_COLUMNS_OPTIONAL,
                default_name=str(LABEL_ITEMS_FILE),
            ) as table:
                run.items_read(table, batch_size)
        except importers.TableError as e:
            run.report.errors.append(e.error)
    return run.report


def order_upsert_many(
    *, shop: Shop, orders: Sequence[OrderInput], now: dt.datetime, batch_size: int = 1000
) -> ImportReport:
    """Create or update already-parsed orders (see ``OrderInput``), with their lines when
    given. An order with any invalid field, its lines included, is refused whole; errors
    name the key (``lines[0].quantity``) and the order's 1-based position as ``row``."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    run = _Run(shop)
    for start in range(0, len(orders), batch_size):
        valid: list[tuple[int, OrderInput]] = []
        for position, order in enumerate(orders[start : start + batch_size], start + 1):
            run.report.rows_read += 1
            if isinstance(order, dict):
                order = importers.order_input_defaults(order)
                errors = importers.order_input_errors(order)
            else:
                errors = [FieldError("", "wrong_type", str(importers.MSG_WRONG_TYPE))]
            for e in errors:
                run.error("", position, e.field, e.code, e.message)
            if not errors:
                valid.append((position, order))
        if not valid:
            continue
        with transaction.atomic():
            _lock_shop(shop)
            written = run.orders_write(valid, "")
            run.lines_write(
                [
                    _LineGroup(order["order_no"], "", [position], "lines", order["lines"])
                    for position, order in valid
                    if position in written and order.get("lines")
                ]
            )
    return run.report
