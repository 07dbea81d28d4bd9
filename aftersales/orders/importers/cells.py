"""The cells of the seller centre's reports: column names, messages, and one parser per kind
of cell. Pure: a cell's text in, a typed value or a ``CellError`` out."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.orders.models import Order, OrderStatus

# The seller centre writes local time without an offset. Shanghai has had no daylight saving
# since 1991, so attaching the zone to the wall-clock reading is exact.
SHANGHAI = ZoneInfo("Asia/Shanghai")

XLSX_MAGIC = b"PK\x03\x04"
# The old binary Excel format (an OLE compound file); openpyxl cannot read it.
XLS_MAGIC = b"\xd0\xcf\x11\xe0"

# --- Column names, as the seller centre writes them (trimmed) ------------------------------
#
# The export has changed over the years and differs between Taobao and Tmall shops: columns
# were added (支付单号, 发货时间, 商家备忘, 主订单编号 …) and the order of some moved. Columns are
# found by name, so only the names matter; docs/import-columns.md lists which are read.

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
# The buyer's confirmation of receipt (交易成功), not the courier's sign-in: no version of the
# export has a sign-in column, and the sign-in comes from courier tracking alone.
COL_SUCCESS_AT = "确认收货时间"
# Newer and Tmall exports only.
COL_SHIPPED_AT = "发货时间"
COL_SELLER_MEMO = "商家备忘"

COL_TITLE = "标题"
COL_PRICE = "价格"
COL_QUANTITY = "购买数量"
COL_PROPERTIES = "商品属性"
COL_PACKAGE = "套餐信息"
COL_SKU_CODE = "商家编码"

# Only what an order cannot be stored without: its number, its buyer, the amounts every refund
# is capped by, its status, and when it was placed (Order.created_at is NOT NULL, and the
# import does not guess it). Everything else is read when the file has it, so older exports
# with fewer columns import too.
ORDER_COLUMNS_REQUIRED = (
    COL_ORDER_NO,
    COL_BUYER_NICK,
    COL_GOODS_TOTAL,
    COL_FREIGHT,
    COL_AMOUNT_PAID,
    COL_STATUS,
    COL_CREATED_AT,
)
ORDER_COLUMNS_OPTIONAL = (
    COL_BUYER_MESSAGE,
    COL_RECEIVER_NAME,
    COL_ADDRESS,
    COL_MOBILE,
    COL_PHONE,
    COL_PAID_AT,
    COL_WAYBILL,
    COL_CARRIER,
    COL_SELLER_NOTE,
    COL_SELLER_MEMO,
    COL_SUCCESS_AT,
    COL_SHIPPED_AT,
)
ITEM_COLUMNS_REQUIRED = (COL_ORDER_NO, COL_TITLE, COL_PRICE, COL_QUANTITY)
ITEM_COLUMNS_OPTIONAL = (COL_SKU_CODE, COL_PROPERTIES, COL_PACKAGE)

# Other names a column goes by in some versions of the export, used only when the file lacks
# the column's usual name. ⚠ Seen in integrations that read newer exports, not in a vendor
# document; harmless where a file has the usual name.
COLUMN_ALIASES = {
    COL_AMOUNT_PAID: ("买家实付金额",),
}

# Which keys of the structured input each optional column of the order report fills. A file
# without the column says nothing about them: a new order gets their empty value, and an
# update should leave what is stored (see ``order_keys_not_in``).
ORDER_COLUMN_KEYS = {
    COL_BUYER_MESSAGE: ("buyer_message",),
    COL_RECEIVER_NAME: ("receiver_name",),
    COL_ADDRESS: ("province", "city", "district", "street", "postal_code"),
    COL_MOBILE: ("receiver_phone",),
    COL_PHONE: ("receiver_phone",),
    COL_PAID_AT: ("paid_at",),
    COL_WAYBILL: ("waybill_no",),
    COL_CARRIER: ("carrier_name",),
    COL_SELLER_NOTE: ("seller_note",),
    COL_SELLER_MEMO: ("seller_note",),
    COL_SUCCESS_AT: ("success_at",),
    COL_SHIPPED_AT: ("shipped_at",),
}


def order_keys_not_in(columns: Iterable[str]) -> frozenset[str]:
    """The keys of ``OrderInput`` that an order report with these columns does not carry
    (a key that two columns fill is carried when either is there)."""
    present = set(columns)
    carried: set[str] = set()
    every: set[str] = set()
    for column, keys in ORDER_COLUMN_KEYS.items():
        every.update(keys)
        if column in present:
            carried.update(keys)
    return frozenset(every - carried)


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
    "shipped_at": COL_SHIPPED_AT,
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
# What goes between the column names of MSG_MISSING_COLUMNS; a language other than Chinese
# lists them its own way.
COLUMN_SEPARATOR = pgettext_lazy("between the column names of a list", "、")
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

ORDER_NO_RE = re.compile(r"[0-9A-Za-z_-]{1,32}")  # fullmatch: "$" would let a final \n in
MONEY_RE = re.compile(r"^\d+(\.\d+)?$")
QUANTITY_RE = re.compile(r"^\d+$")
DATETIME_RE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
POSTAL_RE = re.compile(r"[(（]\s*(\d{6})\s*[)）]\s*$")
WAYBILL_PREFIX_RE = re.compile(r"^no\s*[:：]\s*", re.IGNORECASE)

# The errors that refuse a whole file (or, for decode_error, the rest of it) rather than a row.
FILE_ERROR_CODES = frozenset(
    {"missing_columns", "empty_file", "unreadable", "xls_unsupported", "decode_error"}
)

CENTS = Decimal("0.01")
MONEY_MAX = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
QUANTITY_MAX = 2_147_483_647  # PositiveIntegerField on every backend


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


@dataclass(frozen=True)
class RowError:
    """One refused row. ``row`` counts as a spreadsheet does (the header is row 1); for the
    structured input it is the order's 1-based position in the list and ``file`` is empty.
    ``columns`` names the columns a refused file lacks (``missing_columns``), for a program
    to read; the message names them for a person."""

    file: str
    row: int
    field: str
    code: str
    message: str
    columns: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        if not self.columns:
            del values["columns"]  # only a refused file has them
        else:
            values["columns"] = list(self.columns)
        return values


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
    if value[:2] == '="' and len(value) >= 3 and value[-1] == '"':
        value = value[2:-1].replace('""', '"').strip()
    return value


def parse_order_no(value: str) -> str:
    value = unwrap(value).lstrip("'").strip()
    if not value:
        raise CellError("required", str(MSG_REQUIRED))
    if not ORDER_NO_RE.fullmatch(value):
        raise CellError("invalid_order_no", MSG_ORDER_NO % {"value": value})
    return value


def column_list(columns: Iterable[str]) -> str:
    """Column names for a message, separated as the active language does it."""
    return str(COLUMN_SEPARATOR).join(columns)


def parse_money(value: str) -> Decimal:
    # Some versions write the unit after the amount (12.00元).
    text = unwrap(value).replace(",", "").lstrip("¥￥").removesuffix("元").strip()
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


def parse_required_datetime(value: str) -> dt.datetime:
    """A time that every order has (its creation)."""
    parsed = parse_datetime(value)
    if parsed is None:
        raise CellError("required", str(MSG_REQUIRED))
    return parsed


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


REGION_MAX = cast(int, Order._meta.get_field("province").max_length)  # city and district alike


def split_address(value: str) -> tuple[str, str, str, str, str]:
    """``省 市 区 街道 门牌(邮编)`` → (province, city, district, street, postal_code).

    The seller centre separates the first three levels with single spaces; everything after
    them is the street. An address that does not have that shape (too few parts, or a level
    too long to be a region name) is kept whole as the street rather than cut at a guess.
    """
    text = unwrap(value)
    postal_code = ""
    if text[-1:] in (")", "）"):  # the pattern cannot match a text that does not end so
        # The usual "…(310012)" needs no search; the pattern is for spaces inside brackets.
        if len(text) >= 8 and text[-8] in "(（" and text[-7:-1].isdecimal():
            postal_code, text = text[-7:-1], text[:-8].strip()
        else:
            match = POSTAL_RE.search(text)
            if match:
                postal_code = match.group(1)
                text = text[: match.start()].strip()
    parts = text.split()
    if (
        len(parts) >= 3
        and len(parts[0]) <= REGION_MAX
        and len(parts[1]) <= REGION_MAX
        and len(parts[2]) <= REGION_MAX
    ):
        return parts[0], parts[1], parts[2], " ".join(parts[3:]), postal_code
    return "", "", "", " ".join(parts), postal_code


def carrier_code(name: str) -> str:
    """A stable slug for a carrier name: the common ones by table, others by hash."""
    if name in CARRIER_CODES:
        return CARRIER_CODES[name]
    return "c-" + hashlib.blake2s(name.encode(), digest_size=6).hexdigest()
