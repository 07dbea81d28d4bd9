"""The rows of the two reports. ``parse_order_row`` and ``parse_item_row`` say exactly what is
wrong with a row, cell by cell; ``order_rows`` and ``item_rows`` read a whole file with them,
taking a shorter road for the rows that have nothing wrong (nearly all of a real file)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aftersales.orders.importers.cells import (
    COL_ADDRESS,
    COL_AMOUNT_PAID,
    COL_BUYER_MESSAGE,
    COL_BUYER_NICK,
    COL_CARRIER,
    COL_CREATED_AT,
    COL_FREIGHT,
    COL_GOODS_TOTAL,
    COL_MOBILE,
    COL_ORDER_NO,
    COL_PACKAGE,
    COL_PAID_AT,
    COL_PHONE,
    COL_PRICE,
    COL_PROPERTIES,
    COL_QUANTITY,
    COL_RECEIVER_NAME,
    COL_SELLER_MEMO,
    COL_SELLER_NOTE,
    COL_SHIPPED_AT,
    COL_SKU_CODE,
    COL_STATUS,
    COL_SUCCESS_AT,
    COL_TITLE,
    COL_WAYBILL,
    LINE_FIELD_COLUMNS,
    ORDER_FIELD_COLUMNS,
    SHANGHAI,
    WAYBILL_PREFIX_RE,
    CellError,
    FieldError,
    parse_datetime,
    parse_money,
    parse_order_no,
    parse_phone,
    parse_quantity,
    parse_required_datetime,
    parse_status,
    parse_waybill,
    split_address,
    unwrap,
)
from aftersales.orders.importers.inputs import LINE_TEXT_LIMITS, TEXT_LIMITS, _text_errors


@dataclass(slots=True)
class ParsedRow:
    """One data row: ``order_no`` is set whenever the order number itself could be read, so a
    refused order's item rows can be told apart from rows of an unknown order."""

    row: int
    order_no: str | None
    data: Any = None
    errors: list[FieldError] = field(default_factory=list)


def _parse_cells(
    cells: dict[str, str], parsers: dict[str, tuple[str, Callable[[str], Any]]]
) -> tuple[dict[str, Any], list[FieldError]]:
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, (column, parse) in parsers.items():
        try:
            values[key] = parse(cells.get(column, ""))
        except CellError as e:
            errors.append(FieldError(column, e.code, e.message))
    return values, errors


def _to_columns(errors: list[FieldError], columns: dict[str, str]) -> list[FieldError]:
    """Rename errors from input keys to the column the user sees; the address is one column
    split into five keys, so it is reported once."""
    out: list[FieldError] = []
    seen: set[str] = set()
    for e in errors:
        column = columns.get(e.field, e.field)
        if column not in seen:
            out.append(FieldError(column, e.code, e.message))
            seen.add(column)
    return out


def _text(value: str) -> str:
    return unwrap(value)


_ORDER_PARSERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "buyer_nick": (COL_BUYER_NICK, _text),
    "receiver_name": (COL_RECEIVER_NAME, _text),
    "status": (COL_STATUS, parse_status),
    "goods_total": (COL_GOODS_TOTAL, parse_money),
    "freight_paid": (COL_FREIGHT, parse_money),
    "amount_paid": (COL_AMOUNT_PAID, parse_money),
    "buyer_message": (COL_BUYER_MESSAGE, _text),
    "created_at": (COL_CREATED_AT, parse_required_datetime),
    "paid_at": (COL_PAID_AT, parse_datetime),
    # The buyer's confirmation of receipt. Never a sign-in: that comes from courier tracking.
    "success_at": (COL_SUCCESS_AT, parse_datetime),
    # When the parcel was sent (newer exports); older ones do not say, and it is not guessed.
    "shipped_at": (COL_SHIPPED_AT, parse_datetime),
    "carrier_name": (COL_CARRIER, _text),
    "waybill_no": (COL_WAYBILL, parse_waybill),
}


def parse_order_row(row: int, cells: dict[str, str]) -> ParsedRow:
    """One row of the order report to an ``OrderInput`` (without lines), or its errors. A
    column the row does not have reads as an empty cell."""
    try:
        order_no: str | None = parse_order_no(cells.get(COL_ORDER_NO, ""))
    except CellError as e:
        return ParsedRow(row, None, errors=[FieldError(COL_ORDER_NO, e.code, e.message)])
    values, errors = _parse_cells(cells, _ORDER_PARSERS)
    columns = ORDER_FIELD_COLUMNS
    phone = parse_phone(cells.get(COL_MOBILE, ""))
    if not phone:
        phone = parse_phone(cells.get(COL_PHONE, ""))
        if phone:
            columns = columns | {"receiver_phone": COL_PHONE}
    note = _text(cells.get(COL_SELLER_NOTE, ""))
    if not note:
        # Newer exports have the seller's memo in a column of its own as well.
        note = _text(cells.get(COL_SELLER_MEMO, ""))
        if note:
            columns = columns | {"seller_note": COL_SELLER_MEMO}
    province, city, district, street, postal_code = split_address(cells.get(COL_ADDRESS, ""))
    values |= {
        "order_no": order_no,
        "receiver_phone": phone,
        "province": province,
        "city": city,
        "district": district,
        "street": street,
        "postal_code": postal_code,
        "seller_note": note,
    }
    if errors:
        return ParsedRow(row, order_no, errors=errors)
    # The parsers above already guarantee types, money, times and status; only the lengths
    # of free text are left to check.
    errors = _to_columns(_text_errors(values, TEXT_LIMITS, "buyer_nick"), columns)
    if errors:
        return ParsedRow(row, order_no, errors=errors)
    return ParsedRow(row, order_no, data=values)


_LINE_PARSERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "title": (COL_TITLE, _text),
    "sku_code": (COL_SKU_CODE, _text),
    "unit_price": (COL_PRICE, parse_money),
    "quantity": (COL_QUANTITY, parse_quantity),
}


def parse_item_row(row: int, cells: dict[str, str]) -> ParsedRow:
    """One row of the item report to a ``LineInput``, or its errors. A column the row does
    not have reads as an empty cell."""
    try:
        order_no: str | None = parse_order_no(cells.get(COL_ORDER_NO, ""))
    except CellError as e:
        return ParsedRow(row, None, errors=[FieldError(COL_ORDER_NO, e.code, e.message)])
    values, errors = _parse_cells(cells, _LINE_PARSERS)
    properties = _text(cells.get(COL_PROPERTIES, "")) or _text(cells.get(COL_PACKAGE, ""))
    values["sku_properties"] = properties
    if errors:
        return ParsedRow(row, order_no, errors=errors)
    errors = _to_columns(_text_errors(values, LINE_TEXT_LIMITS, "title"), LINE_FIELD_COLUMNS)
    if errors:
        return ParsedRow(row, order_no, errors=errors)
    return ParsedRow(row, order_no, data=values)


# --- Whole files ---------------------------------------------------------------------------
#
# A million-row export spends most of its import time here, so the readers below avoid what
# the cell-by-cell parsers above pay per row: the dict of cells, a call per cell, and parsing
# again what the file repeats — amounts, times and statuses recur thousands of times in one
# export, and each distinct text is parsed once. The first cell that is not as expected sends
# the row to the parsers above, which find every error in it; so a refused row is reported
# exactly as they report it, and an accepted row has the values they would give it.

_MISSING = object()
MEMO_SIZE = 100_000  # distinct texts kept per kind of cell; forgotten all at once when full


def _memo(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` remembered by its text. Only values are remembered: a text that does not
    parse raises each time, and the row goes to the full parser."""
    memo: dict[str, Any] = {}

    def parse_memo(text: str) -> Any:
        value = memo.get(text, _MISSING)
        if value is _MISSING:
            value = parse(text)
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            memo[text] = value
        return value

    return parse_memo


def _order_no(text: str) -> str:
    # The seller centre's own shape, ="<digits>", needs no more than this.
    digits = text[2:-1]
    if (
        text[:2] == '="'
        and text[-1:] == '"'
        and digits.isdigit()
        and digits.isascii()
        and len(digits) <= 32
    ):
        return digits
    return parse_order_no(text)


_MIDNIGHT = dt.datetime(2000, 1, 1, tzinfo=SHANGHAI)


def _times(*, required: bool) -> Callable[[str], dt.datetime | None]:
    """``parse_datetime`` (or ``parse_required_datetime``) for a whole file. The usual
    ``2026-11-11 08:00:00`` is read as its day and its time of day, each remembered: a
    million orders fall on a few days and at most 86,400 times of day, while whole
    timestamps barely repeat. The day and the time are each checked by ``parse_datetime``
    itself. Values come in UTC (the same instants), the zone the database stores and the
    driver sends fastest."""
    parse: Callable[[str], dt.datetime | None] = _memo(
        parse_required_datetime if required else parse_datetime
    )
    days: dict[str, dt.datetime] = {}
    times: dict[str, dt.timedelta] = {}

    def day_of(text: str) -> dt.datetime:
        day = days.get(text)
        if day is None:
            midnight = parse_required_datetime(text + " 00:00:00")
            day = midnight.astimezone(dt.UTC)
            if len(days) >= MEMO_SIZE:
                days.clear()
            days[text] = day
        return day

    def time_of(text: str) -> dt.timedelta:
        time = times.get(text)
        if time is None:
            h, m, s = text[0:2], text[3:5], text[6:8]
            if (
                text[2:3] == ":"
                and text[5:6] == ":"
                and text.isascii()
                and (h + m + s).isdigit()
                and int(h) < 24
                and int(m) < 60
                and int(s) < 60
            ):
                time = dt.timedelta(hours=int(h), minutes=int(m), seconds=int(s))
            else:  # let parse_datetime decide, and say what is wrong
                time = parse_required_datetime("2000-01-01 " + text) - _MIDNIGHT
            if len(times) >= MEMO_SIZE:
                times.clear()
            times[text] = time
        return time

    def parse_time(text: str) -> dt.datetime | None:
        # No space may lead or trail: parse_datetime would strip it from the whole text,
        # not from either half.
        if len(text) == 19 and text[10] == " " and not (text[0].isspace() or text[-1].isspace()):
            return day_of(text[:10]) + time_of(text[11:])
        return parse(text)

    return parse_time


RowReader = Callable[[int, list[str]], ParsedRow]


_NO_ADDRESS = ("", "", "", "", "")


def order_rows(index: dict[str, int]) -> RowReader:
    """A reader of order report rows laid out as ``index`` says (a ``Table``'s). The required
    columns must be in ``index``; an optional column that is not reads as an empty cell."""
    columns = dict(index)
    money, status = _memo(parse_money), _memo(parse_status)
    created, when = _times(required=True), _times(required=False)
    i_no = index[COL_ORDER_NO]
    i_nick = index[COL_BUYER_NICK]
    i_goods = index[COL_GOODS_TOTAL]
    i_freight = index[COL_FREIGHT]
    i_paid = index[COL_AMOUNT_PAID]
    i_status = index[COL_STATUS]
    i_created = index[COL_CREATED_AT]
    i_name = index.get(COL_RECEIVER_NAME)
    i_message = index.get(COL_BUYER_MESSAGE)
    i_note = index.get(COL_SELLER_NOTE)
    i_memo = index.get(COL_SELLER_MEMO)
    i_paid_at = index.get(COL_PAID_AT)
    i_success = index.get(COL_SUCCESS_AT)
    i_shipped = index.get(COL_SHIPPED_AT)
    i_carrier = index.get(COL_CARRIER)
    i_waybill = index.get(COL_WAYBILL)
    i_address = index.get(COL_ADDRESS)
    i_mobile = index.get(COL_MOBILE)
    i_phone = index.get(COL_PHONE)
    limits = (
        TEXT_LIMITS["buyer_nick"],
        TEXT_LIMITS["receiver_name"],
        TEXT_LIMITS["receiver_phone"],
        TEXT_LIMITS["province"],
        TEXT_LIMITS["city"],
        TEXT_LIMITS["district"],
        TEXT_LIMITS["street"],
        TEXT_LIMITS["postal_code"],
        TEXT_LIMITS["buyer_message"],
        TEXT_LIMITS["seller_note"],
        TEXT_LIMITS["carrier_name"],
        TEXT_LIMITS["waybill_no"],
    )

    def read(row: int, cells: list[str]) -> ParsedRow:
        try:
            order_no = _order_no(cells[i_no])
            phone = unwrap(cells[i_mobile]).lstrip("'").strip() if i_mobile is not None else ""
            if not phone and i_phone is not None:
                phone = parse_phone(cells[i_phone])
            waybill = unwrap(cells[i_waybill]).lstrip("'") if i_waybill is not None else ""
            if waybill[:1] in "nN":
                waybill = WAYBILL_PREFIX_RE.sub("", waybill)
            note = unwrap(cells[i_note]) if i_note is not None else ""
            if not note and i_memo is not None:
                note = unwrap(cells[i_memo])
            province, city, district, street, postal_code = (
                split_address(cells[i_address]) if i_address is not None else _NO_ADDRESS
            )
            values = {
                "order_no": order_no,
                "buyer_nick": unwrap(cells[i_nick]),
                "receiver_name": unwrap(cells[i_name]) if i_name is not None else "",
                "receiver_phone": phone,
                "province": province,
                "city": city,
                "district": district,
                "street": street,
                "postal_code": postal_code,
                "status": status(cells[i_status]),
                "goods_total": money(cells[i_goods]),
                "freight_paid": money(cells[i_freight]),
                "amount_paid": money(cells[i_paid]),
                "buyer_message": unwrap(cells[i_message]) if i_message is not None else "",
                "seller_note": note,
                "created_at": created(cells[i_created]),
                "paid_at": when(cells[i_paid_at]) if i_paid_at is not None else None,
                "success_at": when(cells[i_success]) if i_success is not None else None,
                "carrier_name": unwrap(cells[i_carrier]) if i_carrier is not None else "",
                "waybill_no": waybill.strip(),
                "shipped_at": when(cells[i_shipped]) if i_shipped is not None else None,
            }
        except CellError:
            values = None
        if (
            values is None
            or not values["buyer_nick"]
            or len(values["buyer_nick"]) > limits[0]
            or len(values["receiver_name"]) > limits[1]
            or len(values["receiver_phone"]) > limits[2]
            or len(province) > limits[3]
            or len(city) > limits[4]
            or len(district) > limits[5]
            or len(street) > limits[6]
            or len(postal_code) > limits[7]
            or len(values["buyer_message"]) > limits[8]
            or len(values["seller_note"]) > limits[9]
            or len(values["carrier_name"]) > limits[10]
            or len(values["waybill_no"]) > limits[11]
        ):
            return parse_order_row(row, {column: cells[i] for column, i in columns.items()})
        return ParsedRow(row, order_no, values)

    return read


def item_rows(index: dict[str, int]) -> RowReader:
    """A reader of item report rows laid out as ``index`` says (a ``Table``'s); an optional
    column that is not there reads as an empty cell."""
    columns = dict(index)
    money, quantity = _memo(parse_money), _memo(parse_quantity)
    i_no, i_title, i_sku = index[COL_ORDER_NO], index[COL_TITLE], index.get(COL_SKU_CODE)
    i_price, i_quantity = index[COL_PRICE], index[COL_QUANTITY]
    i_properties, i_package = index.get(COL_PROPERTIES), index.get(COL_PACKAGE)
    title_max = LINE_TEXT_LIMITS["title"]
    sku_max = LINE_TEXT_LIMITS["sku_code"]
    properties_max = LINE_TEXT_LIMITS["sku_properties"]
    last_cell, last_no = "", ""

    def read(row: int, cells: list[str]) -> ParsedRow:
        nonlocal last_cell, last_no
        try:
            # An order's lines come together: its number is read once.
            cell = cells[i_no]
            if cell != last_cell or not last_no:
                last_no, last_cell = _order_no(cell), cell
            order_no = last_no
            properties = unwrap(cells[i_properties]) if i_properties is not None else ""
            if not properties and i_package is not None:
                properties = unwrap(cells[i_package])
            values = {
                "title": unwrap(cells[i_title]),
                "sku_code": unwrap(cells[i_sku]) if i_sku is not None else "",
                "unit_price": money(cells[i_price]),
                "quantity": quantity(cells[i_quantity]),
                "sku_properties": properties,
            }
        except CellError:
            last_cell, last_no = "", ""
            values = None
        if (
            values is None
            or not values["title"]
            or len(values["title"]) > title_max
            or len(values["sku_code"]) > sku_max
            or len(properties) > properties_max
        ):
            return parse_item_row(row, {column: cells[i] for column, i in columns.items()})
        return ParsedRow(row, order_no, values)

    return read
