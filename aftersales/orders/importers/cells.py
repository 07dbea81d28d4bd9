"""Reading the Taobao seller centre's order exports.

Two reports, joined by 订单编号: the order report (``ExportOrderList*.csv``, one row per order)
and the item report (``ExportOrderDetailList*.csv``, one row per order line). Either may be CSV
(GBK or UTF-8, with or without BOM) or XLSX with the same Chinese headers; the format is told
from the content, never from the file name. Everything here is pure: cells in, typed values and
errors out. The writes live in ``services.py``; docs/import-columns.md lists every column.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, NotRequired, TypedDict
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from aftersales.logistics.models import Carrier
from aftersales.orders.models import Order, OrderLine, OrderStatus, Shipment

# The seller centre writes local time without an offset. Shanghai has had no daylight saving
# since 1991, so attaching the zone to the wall-clock reading is exact.
SHANGHAI = ZoneInfo("Asia/Shanghai")

XLSX_MAGIC = b"PK\x03\x04"
# The old binary Excel format (an OLE compound file); openpyxl cannot read it.
XLS_MAGIC = b"\xd0\xcf\x11\xe0"

# --- Column names, exactly as the seller centre writes them -------------------------------

COL_ORDER_NO = "订单编号"
COL_BUYER_NICK = "买家会员名"
COL_GOODS_TOTAL = "买家应付货款"
COL_FREIGHT = "买家应付邮费"
COL_AMOUNT_PAID = "买家实际支付金额"
COL_STATUS = "订单状态"
COL_BUYER_MESSAGE = "买家留言"
COL_RECEIVER_NAME = "收货人姓名"
COL_ADDRESS = "收货地址"
COL_PHONE = "联系电话"
COL_MOBILE = "联系手机"
COL_CREATED_AT = "订单创建时间"
COL_PAID_AT = "订单付款时间"
COL_WAYBILL = "物流单号"
COL_CARRIER = "物流公司"
COL_SELLER_NOTE = "订单备注"
COL_SUCCESS_AT = "确认收货时间"

COL_TITLE = "标题"
COL_PRICE = "价格"
COL_QUANTITY = "购买数量"
COL_PROPERTIES = "商品属性"
COL_PACKAGE = "套餐信息"
COL_SKU_CODE = "商家编码"

# Every column an update may rely on is required: were 确认收货时间 optional, a re-export
# without it would have to either wipe success times or silently keep stale ones.
ORDER_COLUMNS_REQUIRED = (
    COL_ORDER_NO,
    COL_BUYER_NICK,
    COL_GOODS_TOTAL,
    COL_FREIGHT,
    COL_AMOUNT_PAID,
    COL_STATUS,
    COL_BUYER_MESSAGE,
    COL_RECEIVER_NAME,
    COL_ADDRESS,
    COL_MOBILE,
    COL_CREATED_AT,
    COL_PAID_AT,
    COL_WAYBILL,
    COL_CARRIER,
    COL_SELLER_NOTE,
    COL_SUCCESS_AT,
)
ORDER_COLUMNS_OPTIONAL = (COL_PHONE,)
ITEM_COLUMNS_REQUIRED = (COL_ORDER_NO, COL_TITLE, COL_PRICE, COL_QUANTITY, COL_SKU_CODE)
ITEM_COLUMNS_OPTIONAL = (COL_PROPERTIES, COL_PACKAGE)

# Where each key of the structured input comes from, so a file's errors name the column the
# user can find in the spreadsheet.
ORDER_FIELD_COLUMNS = {
    "order_no": COL_ORDER_NO,
    "buyer_nick": COL_BUYER_NICK,
    "receiver_name": COL_RECEIVER_NAME,
    "receiver_phone": COL_MOBILE,
    "province": COL_ADDRESS,
    "city": COL_ADDRESS,
    "district": COL_ADDRESS,
    "street": COL_ADDRESS,
    "postal_code": COL_ADDRESS,
    "status": COL_STATUS,
    "goods_total": COL_GOODS_TOTAL,
    "freight_paid": COL_FREIGHT,
    "amount_paid": COL_AMOUNT_PAID,
    "buyer_message": COL_BUYER_MESSAGE,
    "seller_note": COL_SELLER_NOTE,
    "created_at": COL_CREATED_AT,
    "paid_at": COL_PAID_AT,
    "success_at": COL_SUCCESS_AT,
    "carrier_name": COL_CARRIER,
    "waybill_no": COL_WAYBILL,
}
LINE_FIELD_COLUMNS = {
    "title": COL_TITLE,
    "sku_code": COL_SKU_CODE,
    "sku_properties": COL_PROPERTIES,
    "unit_price": COL_PRICE,
    "quantity": COL_QUANTITY,
}

STATUS_BY_TEXT = {
    "等待买家付款": OrderStatus.WAIT_BUYER_PAY,
    "买家已付款，等待卖家发货": OrderStatus.WAIT_SELLER_SEND,
    "卖家已发货，等待买家确认": OrderStatus.WAIT_BUYER_CONFIRM,
    "交易成功": OrderStatus.SUCCESS,
    "交易关闭": OrderStatus.CLOSED,
    # The open platform's descriptions of TRADE_CLOSED and TRADE_CLOSED_BY_TAOBAO, which some
    # exports print instead of the short 交易关闭.
    "付款以后用户退款成功，交易自动关闭": OrderStatus.CLOSED,
    "付款以前，卖家或买家主动关闭交易": OrderStatus.CLOSED,
}

# Codes for the carriers most shops use, so they match what an administrator types by hand;
# any other name gets a stable code from a hash of the name.
CARRIER_CODES = {
    "顺丰速运": "sf",
    "中通快递": "zto",
    "圆通速递": "yto",
    "申通快递": "sto",
    "韵达快递": "yd",
    "极兔速递": "jt",
    "邮政快递包裹": "post",
    "京东快递": "jd",
}

# --- Messages ------------------------------------------------------------------------------

MSG_FILE_EMPTY = _("文件是空的，没有表头行。")
MSG_FILE_UNREADABLE = _("无法读取文件：它既不是 CSV（GBK 或 UTF-8 编码）也不是 XLSX。")
MSG_FILE_XLS = _("不支持旧版 Excel（.xls）文件，请另存为 XLSX 或 CSV 后再导入。")
MSG_FILE_DECODE = _("文件从这一行起含有无法识别的字符（编码为 %(encoding)s），其后的内容未导入。")
MSG_MISSING_COLUMNS = _("缺少必需的列：%(columns)s。整个文件未导入。")
MSG_REQUIRED = _("不能为空。")
MSG_ORDER_NO = _("订单编号格式不正确：%(value)s")
MSG_MONEY = _("金额格式不正确：%(value)s")
MSG_MONEY_NEGATIVE = _("金额不能为负数：%(value)s")
MSG_MONEY_PRECISION = _("金额最多两位小数：%(value)s")
MSG_MONEY_RANGE = _("金额超出范围：%(value)s")
MSG_QUANTITY = _("购买数量应为正整数：%(value)s")
MSG_DATETIME = _("时间格式不正确：%(value)s（应为 2026-11-11 08:00:00 这样的格式）")
MSG_DATETIME_NAIVE = _("时间必须带时区。")
MSG_STATUS = _("无法识别的订单状态：%(value)s")
MSG_TOO_LONG = _("内容过长：最多 %(max)s 个字符，实际 %(length)s 个。")
MSG_WRONG_TYPE = _("类型不正确。")

ORDER_NO_RE = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
MONEY_RE = re.compile(r"^\d+(\.\d+)?$")
QUANTITY_RE = re.compile(r"^\d+$")
DATETIME_RE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
POSTAL_RE = re.compile(r"[(（]\s*(\d{6})\s*[)）]\s*$")
WAYBILL_PREFIX_RE = re.compile(r"^no\s*[:：]\s*", re.IGNORECASE)

CENTS = Decimal("0.01")
MONEY_MAX = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
QUANTITY_MAX = 2_147_483_647  # PositiveIntegerField on every backend


# --- Structured input: what the file rows become and what the REST API sends -------------


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


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


@dataclass(frozen=True)
class RowError:
    """One refused row. ``row`` counts as a spreadsheet does (the header is row 1); for the
    structured input it is the order's 1-based position in the list and ``file`` is empty."""

    file: str
    row: int
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class CellError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# --- Cell parsers --------------------------------------------------------------------------


def unwrap(value: str) -> str:
    """Undo the guard that keeps a long number whole in a spreadsheet (``="123"``) and the
    padding around a cell. A leading ``'`` is removed only where it cannot be content: the
    order number, phone and waybill."""
    value = value.strip()
    if len(value) >= 3 and value.startswith('="') and value.endswith('"'):
        value = value[2:-1].replace('""', '"').strip()
    return value


def parse_order_no(value: str) -> str:
    value = unwrap(value).lstrip("'").strip()
    if not value:
        raise CellError("required", str(MSG_REQUIRED))
    if not ORDER_NO_RE.match(value):
        raise CellError("invalid_order_no", MSG_ORDER_NO % {"value": value})
    return value


def parse_money(value: str) -> Decimal:
    text = unwrap(value).replace(",", "").lstrip("¥￥").strip()
    if not text:
        raise CellError("required", str(MSG_REQUIRED))
    negative = text.startswith("-")
    if not MONEY_RE.match(text.removeprefix("-")):
        raise CellError("invalid_money", MSG_MONEY % {"value": value.strip()})
    if negative:
        raise CellError("negative_money", MSG_MONEY_NEGATIVE % {"value": text})
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above already refuses these
        raise CellError("invalid_money", MSG_MONEY % {"value": text}) from None
    return check_money(amount)


def check_money(amount: Decimal) -> Decimal:
    """A cent-exact, non-negative amount that fits the money columns, quantized to cents."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal) or not amount.is_finite():
        raise CellError("invalid_money", str(MSG_WRONG_TYPE))
    if amount < 0:
        raise CellError("negative_money", MSG_MONEY_NEGATIVE % {"value": amount})
    if amount > MONEY_MAX:
        raise CellError("money_range", MSG_MONEY_RANGE % {"value": amount})
    cents = amount.quantize(CENTS)
    if amount != cents:
        raise CellError("money_precision", MSG_MONEY_PRECISION % {"value": amount})
    return cents


def parse_quantity(value: str) -> int:
    text = unwrap(value)
    if not text:
        raise CellError("required", str(MSG_REQUIRED))
    if not QUANTITY_RE.match(text) or not 1 <= int(text) <= QUANTITY_MAX:
        raise CellError("invalid_quantity", MSG_QUANTITY % {"value": text})
    return int(text)


def parse_datetime(value: str) -> dt.datetime | None:
    """Seller-centre local time to an aware datetime; an empty cell is a time that did not
    happen (not paid yet, not confirmed yet)."""
    text = unwrap(value)
    if not text:
        return None
    match = DATETIME_RE.match(text)
    if not match:
        raise CellError("invalid_datetime", MSG_DATETIME % {"value": text})
    year, month, day, hour, minute, second = match.groups()
    try:
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            tzinfo=SHANGHAI,
        )
    except ValueError:
        raise CellError("invalid_datetime", MSG_DATETIME % {"value": text}) from None


def parse_status(value: str) -> str:
    # Some exports use a half-width comma in the two-part statuses.
    text = unwrap(value).replace(",", "，").replace(" ", "")
    if not text:
        raise CellError("required", str(MSG_REQUIRED))
    try:
        return STATUS_BY_TEXT[text].value
    except KeyError:
        raise CellError("unknown_status", MSG_STATUS % {"value": text}) from None


def parse_phone(value: str) -> str:
    return unwrap(value).lstrip("'").strip()


def parse_waybill(value: str) -> str:
    return WAYBILL_PREFIX_RE.sub("", unwrap(value).lstrip("'")).strip()


REGION_MAX = Order._meta.get_field("province").max_length  # city and district alike


def split_address(value: str) -> tuple[str, str, str, str, str]:
    """``省 市 区 街道 门牌(邮编)`` → (province, city, district, street, postal_code).

    The seller centre separates the first three levels with single spaces; everything after
    them is the street. An address that does not have that shape (too few parts, or a level
    too long to be a region name) is kept whole as the street rather than cut at a guess.
    """
    text = unwrap(value)
    postal_code = ""
    match = POSTAL_RE.search(text)
    if match:
        postal_code = match.group(1)
        text = text[: match.start()].strip()
    parts = text.split()
    if len(parts) >= 3 and all(len(p) <= REGION_MAX for p in parts[:3]):
        return parts[0], parts[1], parts[2], " ".join(parts[3:]), postal_code
    return "", "", "", " ".join(parts), postal_code


def carrier_code(name: str) -> str:
    """A stable slug for a carrier name: the common ones by table, others by hash."""
    if name in CARRIER_CODES:
        return CARRIER_CODES[name]
    return "c-" + hashlib.blake2s(name.encode(), digest_size=6).hexdigest()


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
    if not isinstance(value, str) or not ORDER_NO_RE.match(value):
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


# --- Row parsers ---------------------------------------------------------------------------


@dataclass
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
    "seller_note": (COL_SELLER_NOTE, _text),
    "created_at": (COL_CREATED_AT, parse_datetime),
    "paid_at": (COL_PAID_AT, parse_datetime),
    "success_at": (COL_SUCCESS_AT, parse_datetime),
    "carrier_name": (COL_CARRIER, _text),
    "waybill_no": (COL_WAYBILL, parse_waybill),
}


def parse_order_row(row: int, cells: dict[str, str]) -> ParsedRow:
    """One row of the order report to an ``OrderInput`` (without lines), or its errors."""
    try:
        order_no: str | None = parse_order_no(cells.get(COL_ORDER_NO, ""))
    except CellError as e:
        return ParsedRow(row, None, errors=[FieldError(COL_ORDER_NO, e.code, e.message)])
    values, errors = _parse_cells(cells, _ORDER_PARSERS)
    phone = parse_phone(cells.get(COL_MOBILE, "")) or parse_phone(cells.get(COL_PHONE, ""))
    province, city, district, street, postal_code = split_address(cells.get(COL_ADDRESS, ""))
    values |= {
        "order_no": order_no,
        "receiver_phone": phone,
        "province": province,
        "city": city,
        "district": district,
        "street": street,
        "postal_code": postal_code,
        # The report has no column for when the parcel left; it is not guessed from another.
        "shipped_at": None,
    }
    if errors:
        return ParsedRow(row, order_no, errors=errors)
    # The parsers above already guarantee types, money, times and status; only the lengths
    # of free text are left to check.
    errors = _to_columns(_text_errors(values, TEXT_LIMITS, "buyer_nick"), ORDER_FIELD_COLUMNS)
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
    """One row of the item report to a ``LineInput``, or its errors."""
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


# --- Reading a file: CSV or XLSX, streamed ------------------------------------------------


@dataclass
class Table:
    """An open report. ``rows()`` yields (row number, {column: cell}) for the columns asked
    for; a problem that stops the reading partway sets ``error`` and ends the rows."""

    name: str
    header: list[str]
    _rows: Iterator[list[str]]
    _index: dict[str, int]
    error: RowError | None = None

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        row = 1
        try:
            for cells in self._rows:
                row += 1
                if not any(c.strip() for c in cells):
                    continue  # spreadsheets leave blank rows at the end; they are not data
                yield (
                    row,
                    {
                        column: cells[i] if i < len(cells) else ""
                        for column, i in self._index.items()
                    },
                )
        except UnicodeDecodeError as e:
            # The failing row is the one after the last row read.
            message = MSG_FILE_DECODE % {"encoding": e.encoding}
            self.error = RowError(self.name, row + 1, "", "decode_error", message)
        except (csv.Error, zipfile.BadZipFile, OSError, ValueError, KeyError):
            message = str(MSG_FILE_UNREADABLE)
            self.error = RowError(self.name, row + 1, "", "unreadable", message)


class TableError(Exception):
    def __init__(self, error: RowError):
        super().__init__(error.message)
        self.error = error


def source_name(source: Any, default: str) -> str:
    name = source if isinstance(source, str | os.PathLike) else getattr(source, "name", None)
    return Path(os.fsdecode(name)).name if isinstance(name, str | os.PathLike) and name else default


def _seekable(stream: IO[bytes], stack: ExitStack) -> IO[bytes]:
    """Both format sniffing and XLSX (a zip, read from its end) need to seek. A stream that
    cannot is spooled to a temporary file, which stays in memory only while it is small."""
    if stream.seekable():
        return stream
    spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024))
    shutil.copyfileobj(stream, spool)
    spool.seek(0)
    return spool  # type: ignore[return-value]


def _sniff_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # Not final: the sample may end in the middle of a character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        # GB18030 is a superset of GBK, which the seller centre writes.
        return "gb18030"
    return "utf-8"


def _csv_rows(stream: IO[bytes], stack: ExitStack) -> Iterator[list[str]]:
    start = stream.tell()
    encoding = _sniff_encoding(stream.read(64 * 1024))
    stream.seek(start)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    # Detach rather than close: the caller's file object stays theirs to close.
    stack.callback(text.detach)
    return csv.reader(text)


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        # A number cell is a float to openpyxl; its shortest repr is the decimal the sheet
        # shows (9.9, not 9.9000000000000003552713678800500929355621337890625), and the money
        # parser takes it from text, so no float ever reaches a Decimal.
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _xlsx_rows(stream: IO[bytes], stack: ExitStack) -> Iterator[list[str]]:
    # read_only streams the sheet's XML row by row instead of building every cell;
    # data_only gives what the sheet shows (a formula's cached value), as a user sees it.
    workbook = load_workbook(stream, read_only=True, data_only=True)
    stack.callback(workbook.close)
    sheet = workbook.worksheets[0]
    return ([_xlsx_cell(v) for v in values] for values in sheet.iter_rows(values_only=True))


@contextmanager
def open_table(
    source: Any,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    default_name: str = "",
) -> Iterator[Table]:
    """Open a report (a path or a binary file object), find the header row (row 1) and
    check the columns. Raises ``TableError`` for a file that cannot be imported at all: not
    CSV or XLSX, empty, or missing a required column (all of them named in one error)."""
    name = source_name(source, default_name)
    with ExitStack() as stack:
        if isinstance(source, str | os.PathLike):
            stream: IO[bytes] = stack.enter_context(open(source, "rb"))
        else:
            stream = source
        stream = _seekable(stream, stack)
        start = stream.tell()
        magic = stream.read(4)
        stream.seek(start)

        def refuse(code: str, message: Any) -> TableError:
            return TableError(RowError(name, 1, "", code, str(message)))

        if magic.startswith(XLS_MAGIC):
            raise refuse("xls_unsupported", MSG_FILE_XLS)
        try:
            if magic == XLSX_MAGIC:
                rows = _xlsx_rows(stream, stack)
            else:
                rows = _csv_rows(stream, stack)
            header_cells = next(rows, None)
        except UnicodeDecodeError as e:
            raise refuse("decode_error", MSG_FILE_DECODE % {"encoding": e.encoding}) from None
        except (csv.Error, zipfile.BadZipFile, InvalidFileException, OSError, ValueError, KeyError):
            raise refuse("unreadable", MSG_FILE_UNREADABLE) from None
        if header_cells is None or not any(c.strip() for c in header_cells):
            raise refuse("empty_file", MSG_FILE_EMPTY)

        header = [c.strip().lstrip("\ufeff").strip() for c in header_cells]
        index: dict[str, int] = {}
        for i, column in enumerate(header):
            index.setdefault(column, i)  # a repeated header: the first one counts
        missing = [c for c in required if c not in index]
        if missing:
            error = RowError(
                name,
                1,
                "、".join(missing),
                "missing_columns",
                MSG_MISSING_COLUMNS % {"columns": "、".join(missing)},
            )
            raise TableError(error)
        wanted = {c: index[c] for c in (*required, *optional) if c in index}
        yield Table(name=name, header=header, _rows=rows, _index=wanted)
