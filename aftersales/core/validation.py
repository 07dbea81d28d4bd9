"""pydantic's validation errors, said in the user's language: the field is named beside
a reason people read, never pydantic's English."""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import BadRequest
from django.utils.translation import gettext_lazy as _
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError, core_schema

# pydantic's error types that mean "nothing was given".
MISSING = frozenset({"missing", "string_too_short"})

# pydantic's reasons, said in the user's language; the field is named beside them.
_REASONS = {
    "missing": _("必须填写"),
    "string_too_short": _("不能为空"),
    "string_too_long": _("不能超过 %(max_length)s 个字符"),
    "greater_than_equal": _("不能小于 %(ge)s"),
    "greater_than": _("必须大于 %(gt)s"),
    "less_than_equal": _("不能大于 %(le)s"),
    "decimal_parsing": _("金额格式不正确"),
    "decimal_type": _("金额格式不正确"),
    "decimal_max_digits": _("金额格式不正确"),
    "decimal_max_places": _("金额最多两位小数"),
    "decimal_whole_digits": _("金额格式不正确"),
    "finite_number": _("金额格式不正确"),
    "int_parsing": _("必须是整数"),
    "int_type": _("必须是整数"),
    "int_from_float": _("必须是整数"),
    "bool_parsing": _("必须是是或否"),
    "bool_type": _("必须是是或否"),
    "dict_type": _("格式不正确，应按商品行填写"),
    "string_type": _("必须是文字"),
    "enum": _("不是可选的值"),
    "literal_error": _("不是可选的值"),
    "extra_forbidden": _("不是这个操作的参数"),
}


def reason_of(error: dict[str, Any]) -> str:
    template = _REASONS.get(error["type"])
    if template is None:
        return _("格式不正确")
    try:
        return str(template) % (error.get("ctx") or {})
    except (KeyError, TypeError, ValueError):
        return str(template)


_CODES = {
    "string_too_long": "too_long",
    "decimal_parsing": "invalid_amount",
    "decimal_type": "invalid_amount",
    "decimal_max_digits": "invalid_amount",
    "decimal_max_places": "invalid_amount",
    "decimal_whole_digits": "invalid_amount",
    "finite_number": "invalid_amount",
    "greater_than_equal": "out_of_range",
    "greater_than": "out_of_range",
    "less_than_equal": "out_of_range",
    "less_than": "out_of_range",
}


def code_of(error: dict[str, Any]) -> str:
    """A code a program can act on: ``required``, ``too_long``, ``invalid_amount``,
    ``out_of_range``, or ``invalid`` for the rest."""
    if error["type"] in MISSING:
        return "required"
    return _CODES.get(error["type"], "invalid")


# --- Shared input types ------------------------------------------------------------------------
# Every schema of the API takes its text, ids, pages, amounts and times through these, so a
# hostile value is a 422 naming the field, never a 500 from the database, and the OpenAPI says
# what is accepted (the fuzzing in tests/fuzz checks both).

_REASONS.update(
    {
        "text_nul": _("不能包含空字符（NUL）"),
        "text_surrogate": _("包含无效的字符"),
        "text_blank": _("不能为空"),
        "amount_format": _("金额格式不正确"),
        "instant_range": _("时间必须在 %(min)s 到 %(max)s 之间"),
        "instant_naive": _("时间必须带时区"),
        "day_range": _("日期必须在 %(min)s 到 %(max)s 之间"),
        "datetime_parsing": _("时间格式不正确"),
        "datetime_type": _("时间格式不正确"),
        "datetime_from_date_parsing": _("时间格式不正确"),
        "timezone_aware": _("时间必须带时区"),
        "date_parsing": _("日期格式不正确"),
        "date_type": _("日期格式不正确"),
        "date_from_datetime_parsing": _("日期格式不正确"),
        "model_type": _("格式不正确，应为对象"),
        "list_type": _("格式不正确，应为列表"),
        "too_short": _("至少要有 %(min_length)s 项"),
        "too_long": _("最多 %(max_length)s 项"),
        "less_than": _("必须小于 %(lt)s"),
        "uuid_parsing": _("格式不正确"),
        "union_tag_invalid": _("不是可选的值"),
        "union_tag_not_found": _("必须填写"),
    }
)
_CODES.update(
    {
        "text_nul": "invalid_text",
        "text_surrogate": "invalid_text",
        "text_blank": "required",
        "amount_format": "invalid_amount",
        "instant_range": "out_of_range",
        "day_range": "out_of_range",
        "union_tag_not_found": "required",
    }
)

# The largest id a row can have (a signed 64-bit key), the largest offset a page may start at.
MAX_ID = 2**63 - 1
MAX_OFFSET = 2**31 - 1
# A number of things (quantity, hours, page size...) is a 32-bit integer in the database.
MAX_INT32 = 2**31 - 1

# Neither NUL (PostgreSQL refuses it in text) nor half of a surrogate pair (not UTF-8 at all).
TEXT_PATTERN = r"^[^\x00]*$"
_SURROGATE = re.compile("[\ud800-\udfff]")
# What "blank" means: ASCII white space and the ideographic space of Chinese input methods.
BLANK_CHARS = " \t\n\r\x0b\x0c\u3000"
REQUIRED_TEXT_PATTERN = r"^[^\x00]*[^\x00 \t\n\r\x0b\x0c\u3000][^\x00]*$"


def text_problem(value: str) -> str | None:
    """The error type of a text no field may hold, or None: NUL, or half a surrogate pair."""
    if "\x00" in value:
        return "text_nul"
    if _SURROGATE.search(value):
        return "text_surrogate"
    return None


def _check_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise PydanticCustomError(problem, str(_REASONS[problem]))
    return value


def _check_required_text(value: str) -> str:
    value = _check_text(value).strip(BLANK_CHARS)
    if not value:
        raise PydanticCustomError("text_blank", str(_REASONS["text_blank"]))
    return value


class _Documented:
    """Adds keywords to a type's JSON schema (what the OpenAPI says is accepted)."""

    def __init__(self, **keywords):
        self.keywords = keywords

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ):
        js = handler(schema)
        target = js
        # An optional value is {"anyOf": [<the type>, {"type": "null"}]}: document the type.
        for option in js.get("anyOf", ()):
            if option.get("type") != "null":
                target = option
        target.update(self.keywords)
        return js

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.keywords)))


def text(max_length: int | None = None, *, required: bool = False) -> Any:
    """Text no field may refuse to store: no NUL, no lone surrogate, at most ``max_length``
    characters; ``required`` drops surrounding blanks and wants something left."""
    check, pattern = (
        (_check_required_text, REQUIRED_TEXT_PATTERN) if required else (_check_text, TEXT_PATTERN)
    )
    return Annotated[
        str,
        StringConstraints(max_length=max_length),
        AfterValidator(check),
        _Documented(pattern=pattern),
    ]


# Any text (``text(500)`` bounds it); text that must say something.
Text = text()
RequiredText = text(required=True)

# A row's id (path or body): a positive signed 64-bit integer.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Where a page starts, how many it holds: never beyond what the database can count.
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
PageNumber = Annotated[int, Field(ge=1, le=MAX_OFFSET)]
Count = Annotated[int, Field(ge=0, le=MAX_INT32)]

# Money: yuan with at most two decimals and ten whole digits, as a JSON number or a string of
# ASCII digits ("89.10"); "１２３", "1e3", " 5" and "-0" are refused, never guessed at.
AMOUNT_PATTERN = r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$"
# What reaches the decimal rules (sign, digits, places: their own codes); anything else, such
# as other scripts' digits, an exponent or blanks, is not an amount at all.
_AMOUNT = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")
MAX_AMOUNT = Decimal("9999999999.99")


def _check_amount(value):
    if isinstance(value, str) and not _AMOUNT.match(value):
        raise PydanticCustomError("amount_format", str(_REASONS["amount_format"]))
    if isinstance(value, bool):
        raise PydanticCustomError("amount_format", str(_REASONS["amount_format"]))
    return value


# How the OpenAPI states it (the number's step is a cent; the string's shape is the pattern).
MONEY_JSON_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 9999999999.99, "multipleOf": 0.01},
        {"type": "string", "pattern": AMOUNT_PATTERN},
    ]
}
Money = Annotated[
    Decimal,
    BeforeValidator(_check_amount),
    Field(ge=0, max_digits=12, decimal_places=2),
    WithJsonSchema(MONEY_JSON_SCHEMA),
]

# Times: an instant written is one that can be read back and shown in Asia/Shanghai, and one a
# shop can mean: from 2000 to the end of 2099 (year 1 or 9999 overflow when shifted by the
# zone; nothing of a shop happened before 2000).
EARLIEST = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)
LATEST = _dt.datetime(2099, 12, 31, 23, 59, 59, 999999, tzinfo=_dt.UTC)
EARLIEST_DAY = _dt.date(2000, 1, 1)
LATEST_DAY = _dt.date(2099, 12, 31)


def _check_instant(value: _dt.datetime) -> _dt.datetime:
    # A naive time is read in the shop's zone, as Django would store it.
    aware = value if value.tzinfo else value.replace(tzinfo=_dt.timezone(_dt.timedelta(hours=8)))
    try:
        inside = EARLIEST <= aware <= LATEST
    except OverflowError:
        inside = False
    if not inside:
        raise PydanticCustomError(
            "instant_range",
            str(_REASONS["instant_range"]),
            {"min": "2000-01-01", "max": "2099-12-31"},
        )
    return value


def _check_day(value: _dt.date) -> _dt.date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise PydanticCustomError(
            "day_range", str(_REASONS["day_range"]), {"min": "2000-01-01", "max": "2099-12-31"}
        )
    return value


# ajv's keywords for a bounded date; the fuzzing's date strategies read them (tests/fuzz).
_INSTANT_RANGE = _Documented(
    formatMinimum=EARLIEST.isoformat().replace("+00:00", "Z"),
    formatMaximum=LATEST.isoformat().replace("+00:00", "Z"),
)
_DAY_RANGE = _Documented(
    formatMinimum=EARLIEST_DAY.isoformat(), formatMaximum=LATEST_DAY.isoformat()
)
# An instant with its offset (the only kind that names one moment).
Instant = Annotated[AwareDatetime, AfterValidator(_check_instant), _INSTANT_RANGE]
# A time that may come without an offset (then it is Asia/Shanghai's).
LocalInstant = Annotated[_dt.datetime, AfterValidator(_check_instant), _INSTANT_RANGE]
Day = Annotated[_dt.date, AfterValidator(_check_day), _DAY_RANGE]


# --- The workbench's query strings ---------------------------------------------------------------
# A page reads its query string by hand (no schema): these keep it from reaching the database
# with what it cannot take.


def ascii_number(raw: str, *, maximum: int = MAX_ID) -> int | None:
    """The number ``raw`` writes in ASCII digits, if it is one no greater than ``maximum``;
    otherwise None ("１２", "²" and "-1" are not numbers here, whatever str.isdigit says)."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > len(str(maximum)):
        return None
    number = int(raw)
    return number if number <= maximum else None


def query_page(raw: str, *, page_size: int) -> int:
    """The page a query string asks for: 1 unless ASCII digits say otherwise; a page past any
    the database can reach is the last it can (an empty page), never an overflow."""
    last = MAX_OFFSET // page_size
    if raw and raw.isascii() and raw.isdigit():
        return max(1, min(int(raw), last)) if len(raw) <= len(str(last)) else last
    return 1


def query_text(raw: str) -> str:
    """Text of a query string or form: refused (400) if it holds a NUL or half a surrogate
    pair, which no search or filter can mean and the database cannot take."""
    if text_problem(raw):
        raise BadRequest(str(_REASONS[text_problem(raw) or "text_nul"]))
    return raw
