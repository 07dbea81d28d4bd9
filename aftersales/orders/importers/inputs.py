"""The structured input: what the file rows become and what the REST API sends, and its
validation. Pure: no database, no clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from aftersales.core.models import Carrier
from aftersales.orders.importers.cells import (
    MSG_DATETIME_NAIVE,
    MSG_ORDER_NO,
    MSG_QUANTITY,
    MSG_REQUIRED,
    MSG_STATUS,
    MSG_TOO_LONG,
    MSG_WRONG_TYPE,
    ORDER_NO_RE,
    QUANTITY_MAX,
    CellError,
    FieldError,
    check_money,
)
from aftersales.orders.models import Order, OrderLine, OrderStatus, Shipment


class LineInput(TypedDict):
    """One order line. ``amount_paid`` may be left out: the order's paid goods amount is then
    split across its lines by unit_price × quantity. Given for every line, it is kept."""

    title: str
    sku_code: str
    sku_properties: str
    unit_price: Decimal
    quantity: int
    amount_paid: NotRequired[Decimal | None]


class OrderInput(TypedDict):
    """One order as ``services.order_upsert_many`` takes it. Money is ``Decimal`` (never
    float), times are aware datetimes, ``status`` is an ``OrderStatus`` value, and text that
    is absent is ``""``. ``carrier_name``/``waybill_no`` name the outbound parcel, if any.
    ``lines`` is left out when the lines come separately (the item report)."""

    order_no: str
    buyer_nick: str
    receiver_name: str
    receiver_phone: str
    province: str
    city: str
    district: str
    street: str
    postal_code: str
    status: str
    goods_total: Decimal
    freight_paid: Decimal
    amount_paid: Decimal
    buyer_message: str
    seller_note: str
    created_at: dt.datetime
    paid_at: dt.datetime | None
    success_at: dt.datetime | None
    carrier_name: str
    waybill_no: str
    shipped_at: dt.datetime | None
    lines: NotRequired[list[LineInput]]


# --- Validation of structured input (file rows share its text checks) ---------------------


def _max_length(model: type, name: str) -> int:
    return model._meta.get_field(name).max_length


_ORDER_TEXT = (
    "buyer_nick",
    "receiver_name",
    "receiver_phone",
    "province",
    "city",
    "district",
    "street",
    "postal_code",
    "buyer_message",
    "seller_note",
)
_LINE_TEXT = ("title", "sku_code", "sku_properties")
TEXT_LIMITS = {name: _max_length(Order, name) for name in _ORDER_TEXT} | {
    "carrier_name": _max_length(Carrier, "name"),
    "waybill_no": _max_length(Shipment, "waybill_no"),
}
LINE_TEXT_LIMITS = {name: _max_length(OrderLine, name) for name in _LINE_TEXT}


def _check_text(errors: list[FieldError], key: str, value: Any, limit: int, *, required=False):
    if not isinstance(value, str):
        errors.append(FieldError(key, "wrong_type", str(MSG_WRONG_TYPE)))
    elif required and not value.strip():
        errors.append(FieldError(key, "required", str(MSG_REQUIRED)))
    elif len(value) > limit:
        message = MSG_TOO_LONG % {"max": limit, "length": len(value)}
        errors.append(FieldError(key, "too_long", message))


def _text_errors(values: dict[str, Any], limits: dict[str, int], required: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for key, limit in limits.items():
        _check_text(errors, key, values.get(key, ""), limit, required=key == required)
    return errors


def _check(errors: list[FieldError], key: str, check: Callable[[], object]) -> None:
    try:
        check()
    except CellError as e:
        errors.append(FieldError(key, e.code, e.message))


def _check_aware(value: Any, *, required: bool) -> None:
    if value is None:
        if required:
            raise CellError("required", str(MSG_REQUIRED))
        return
    if not isinstance(value, dt.datetime):
        raise CellError("wrong_type", str(MSG_WRONG_TYPE))
    if value.tzinfo is None or value.utcoffset() is None:
        raise CellError("naive_datetime", str(MSG_DATETIME_NAIVE))


def _check_quantity(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= QUANTITY_MAX:
        raise CellError("invalid_quantity", MSG_QUANTITY % {"value": value})


STATUS_VALUES = frozenset(OrderStatus.values)


def _check_status(value: Any) -> None:
    if value not in STATUS_VALUES:
        raise CellError("unknown_status", MSG_STATUS % {"value": value})


def _check_order_no(value: Any) -> None:
    if not isinstance(value, str) or not ORDER_NO_RE.fullmatch(value):
        raise CellError("invalid_order_no", MSG_ORDER_NO % {"value": value})


def order_input_defaults(order: dict[str, Any]) -> OrderInput:
    """Fill the keys a caller may leave out: absent text is "", an absent time is None.
    The keys that must be given (order_no, buyer_nick, status, money, created_at) are left
    for ``order_input_errors`` to report."""
    filled = {key: "" for key in TEXT_LIMITS} | {
        "paid_at": None,
        "success_at": None,
        "shipped_at": None,
    }
    filled |= order
    if isinstance(filled.get("lines"), list):
        filled["lines"] = [
            {"sku_code": "", "sku_properties": ""} | line if isinstance(line, dict) else line
            for line in filled["lines"]
        ]
    return filled  # type: ignore[return-value]


def order_input_errors(order: OrderInput) -> list[FieldError]:
    """Every problem of one structured order, each naming its key (``lines[0].quantity``)."""
    errors: list[FieldError] = []
    _check(errors, "order_no", lambda: _check_order_no(order.get("order_no")))
    errors.extend(_text_errors(order, TEXT_LIMITS, "buyer_nick"))  # type: ignore[arg-type]
    _check(errors, "status", lambda: _check_status(order.get("status")))
    for key in ("goods_total", "freight_paid", "amount_paid"):
        _check(errors, key, lambda key=key: check_money(order.get(key)))
    _check(errors, "created_at", lambda: _check_aware(order.get("created_at"), required=True))
    for key in ("paid_at", "success_at", "shipped_at"):
        _check(errors, key, lambda key=key: _check_aware(order.get(key), required=False))
    lines = order.get("lines")
    if lines is not None and not isinstance(lines, list):
        errors.append(FieldError("lines", "wrong_type", str(MSG_WRONG_TYPE)))
    for i, line in enumerate(lines or []):
        errors.extend(
            FieldError(f"lines[{i}].{e.field}", e.code, e.message) for e in line_input_errors(line)
        )
    return errors


def line_input_errors(line: LineInput) -> list[FieldError]:
    if not isinstance(line, dict):
        return [FieldError("", "wrong_type", str(MSG_WRONG_TYPE))]
    errors = _text_errors(line, LINE_TEXT_LIMITS, "title")  # type: ignore[arg-type]
    _check(errors, "unit_price", lambda: check_money(line.get("unit_price")))
    _check(errors, "quantity", lambda: _check_quantity(line.get("quantity")))
    if line.get("amount_paid") is not None:
        _check(errors, "amount_paid", lambda: check_money(line.get("amount_paid")))
    return errors
