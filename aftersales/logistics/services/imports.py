"""Coverage rules and outlet suspensions from a file: CSV (UTF-8 or GBK) or XLSX, columns
found by their trimmed Chinese header name (the order import's reader, ``open_table``).

All or nothing: every row is checked first; one bad row refuses the file, and every bad row
is reported by its row number and column, in Chinese. A row for a region (suspension: an
outlet's start day) already stored updates it. The file's size is checked before a byte of
it is read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Perm, authorize
from aftersales.core.errors import DomainError, InvalidInput
from aftersales.core.models import Carrier
from aftersales.core.validation import text_problem
from aftersales.logistics.models import Coverage, CoverageRule, OutletSuspension
from aftersales.logistics.services.coverage import (
    MSG_BAD_TEXT,
    MSG_CARRIER_UNKNOWN,
    MSG_DATES_ORDER,
    MSG_LIMITED_NOTE,
    MSG_OUTLET_REQUIRED,
    NOTE_MAX,
    OUTLET_MAX,
    region_checked,
)
from aftersales.orders.importers.tables import TableError, open_table

# The most bytes an import file may have, and the most rows: coverage tables are a few
# thousand rows at most.
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 20_000

COL_CARRIER = "快递公司"
COL_PROVINCE = "省"
COL_CITY = "市"
COL_DISTRICT = "区县"
COL_COVERAGE = "覆盖"
COL_NOTE = "说明"
COL_OUTLET = "网点"
COL_STARTS = "开始日期"
COL_ENDS = "结束日期"

COVERAGE_REQUIRED = (COL_CARRIER, COL_PROVINCE, COL_COVERAGE)
COVERAGE_OPTIONAL = (COL_CITY, COL_DISTRICT, COL_NOTE)
SUSPENSION_REQUIRED = (COL_CARRIER, COL_OUTLET, COL_PROVINCE, COL_STARTS, COL_ENDS)
SUSPENSION_OPTIONAL = (COL_CITY, COL_DISTRICT, COL_NOTE)

REGION_COLUMNS = {"province": COL_PROVINCE, "city": COL_CITY, "district": COL_DISTRICT}

# What people write in the 覆盖 column.
COVERAGE_WORDS = {
    Coverage.NONE: ("不覆盖", "不送", "不派送", "不到", "超区", "否", "none"),
    Coverage.LIMITED: ("有限覆盖", "有限", "限制", "部分覆盖", "limited"),
    Coverage.FULL: ("正常覆盖", "覆盖", "正常", "全覆盖", "是", "full"),
}
_COVERAGE_OF = {w.lower(): c for c, words in COVERAGE_WORDS.items() for w in words}

DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)

MSG_FILE_REQUIRED = _("请选择要导入的文件。")
MSG_FILE_TOO_LARGE = _("文件过大：最多 %(max)s MB。")
MSG_TOO_MANY_ROWS = _("行数过多：最多 %(max)s 行。")
MSG_NO_ROWS = _("文件里没有数据行。")
MSG_REFUSED = _("文件有 %(count)s 处错误，整个文件未导入。")
MSG_REQUIRED = _("不能为空。")
MSG_COVERAGE_WORD = _("无法识别“%(value)s”：应为不覆盖、有限覆盖或正常覆盖。")
MSG_DATE = _("日期格式不正确：%(value)s（应为 2026-11-10 这样的格式）")
MSG_REPEATED = _("与第 %(row)s 行重复。")
MSG_TOO_LONG = _("内容过长：最多 %(max)s 个字符。")


@dataclass(frozen=True)
class ImportProblem:
    row: int  # as the spreadsheet counts: the header is row 1; 0 = the file as a whole
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        if not self.row:
            return self.message
        if self.column:
            return str(_("第 %(row)s 行「%(column)s」：%(message)s")) % asdict(self)
        return str(_("第 %(row)s 行：%(message)s")) % asdict(self)


class ImportRefused(DomainError):
    """The file was refused whole; ``problems`` says where and why."""

    code = "import_refused"
    status = 422

    def __init__(self, problems: list[ImportProblem]):
        super().__init__(MSG_REFUSED % {"count": len(problems)}, field="file")
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    updated: int


class _RowError(Exception):
    def __init__(self, column: str, message: Any):
        super().__init__(str(message))
        self.column = column
        self.message = str(message)


def _check_size(upload: Any) -> None:
    if upload is None:
        raise InvalidInput(MSG_FILE_REQUIRED, field="file")
    size = getattr(upload, "size", None)
    if size is not None and size > IMPORT_MAX_BYTES:
        raise InvalidInput(
            MSG_FILE_TOO_LARGE % {"max": IMPORT_MAX_BYTES // (1024 * 1024)}, field="file"
        )


def _carriers() -> dict[str, Carrier]:
    out: dict[str, Carrier] = {}
    for carrier in Carrier.objects.all():
        out[carrier.name] = carrier
        out[carrier.code.lower()] = carrier
    return out


def _required(cells: dict[str, str], column: str) -> str:
    value = (cells.get(column) or "").strip()
    if text_problem(value):
        raise _RowError(column, MSG_BAD_TEXT)
    if not value:
        raise _RowError(column, MSG_REQUIRED)
    return value


def _carrier(cells: dict[str, str], carriers: dict[str, Carrier]) -> Carrier:
    value = _required(cells, COL_CARRIER)
    carrier = carriers.get(value) or carriers.get(value.lower())
    if carrier is None:
        raise _RowError(COL_CARRIER, f"{MSG_CARRIER_UNKNOWN}（{value}）")
    return carrier


def _region(cells: dict[str, str]) -> tuple[str, str, str]:
    try:
        region = region_checked(
            _required(cells, COL_PROVINCE), cells.get(COL_CITY, ""), cells.get(COL_DISTRICT, "")
        )
    except InvalidInput as exc:
        raise _RowError(REGION_COLUMNS.get(exc.field or "", COL_PROVINCE), exc.message) from None
    return region.province, region.city, region.district


def _text(cells: dict[str, str], column: str, limit: int) -> str:
    value = (cells.get(column) or "").strip()
    if text_problem(value):
        raise _RowError(column, MSG_BAD_TEXT)
    if len(value) > limit:
        raise _RowError(column, MSG_TOO_LONG % {"max": limit})
    return value


def _date(cells: dict[str, str], column: str) -> dt.date:
    value = _required(cells, column)
    match = DATE_RE.match(value)
    try:
        if match is None:
            raise ValueError
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise _RowError(column, MSG_DATE % {"value": value}) from None


def _read(
    upload: Any,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    parse_row: Callable[[dict[str, str]], tuple[tuple, dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Every row parsed, or ImportRefused naming every problem. ``parse_row`` gives a row's
    key (two rows with one key are refused) and its values."""
    _check_size(upload)
    problems: list[ImportProblem] = []
    parsed: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    try:
        with open_table(
            upload, required=required, optional=optional, default_name="upload"
        ) as table:
            for row, cells in table.rows():
                if row - 1 > IMPORT_MAX_ROWS:
                    problems.append(
                        ImportProblem(0, "", str(MSG_TOO_MANY_ROWS % {"max": IMPORT_MAX_ROWS}))
                    )
                    break
                try:
                    key, values = parse_row(cells)
                except _RowError as exc:
                    problems.append(ImportProblem(row, exc.column, exc.message))
                    continue
                if key in seen:
                    problems.append(ImportProblem(row, "", str(MSG_REPEATED % {"row": seen[key]})))
                    continue
                seen[key] = row
                parsed.append(values)
            if table.error is not None:
                problems.append(ImportProblem(table.error.row, "", table.error.message))
    except TableError as exc:
        raise ImportRefused([ImportProblem(0, "", exc.error.message)]) from None
    if problems:
        raise ImportRefused(problems)
    if not parsed:
        raise ImportRefused([ImportProblem(0, "", str(MSG_NO_ROWS))])
    return parsed


def coverage_import(*, actor: User, upload: Any, now: dt.datetime) -> ImportResult:
    """Coverage rules from a file (快递公司, 省, 市, 区县, 覆盖, 说明)."""
    authorize(actor, Perm.CARRIER_MANAGE)
    carriers = _carriers()

    def parse_row(cells: dict[str, str]) -> tuple[tuple, dict[str, Any]]:
        carrier = _carrier(cells, carriers)
        province, city, district = _region(cells)
        word = _required(cells, COL_COVERAGE)
        coverage = _COVERAGE_OF.get(word.lower())
        if coverage is None:
            raise _RowError(COL_COVERAGE, MSG_COVERAGE_WORD % {"value": word})
        note = _text(cells, COL_NOTE, NOTE_MAX)
        if coverage == Coverage.LIMITED and not note:
            raise _RowError(COL_NOTE, MSG_LIMITED_NOTE)
        key = (carrier.pk, province, city, district)
        return key, {
            "carrier": carrier,
            "province": province,
            "city": city,
            "district": district,
            "coverage": coverage,
            "note": note,
        }

    rows = _read(
        upload, required=COVERAGE_REQUIRED, optional=COVERAGE_OPTIONAL, parse_row=parse_row
    )
    existing = set(
        CoverageRule.objects.filter(carrier_id__in={r["carrier"].pk for r in rows}).values_list(
            "carrier_id", "province", "city", "district"
        )
    )
    with transaction.atomic():
        CoverageRule.objects.bulk_create(
            [CoverageRule(**r, updated_at=now) for r in rows],
            update_conflicts=True,
            unique_fields=["carrier", "province", "city", "district"],
            update_fields=["coverage", "note", "updated_at"],
        )
    updated = sum(
        1 for r in rows if (r["carrier"].pk, r["province"], r["city"], r["district"]) in existing
    )
    return ImportResult(rows=len(rows), created=len(rows) - updated, updated=updated)


def suspension_import(*, actor: User, upload: Any, now: dt.datetime) -> ImportResult:
    """Outlet suspensions from a file (快递公司, 网点, 省, 市, 区县, 开始日期, 结束日期, 说明)."""
    authorize(actor, Perm.CARRIER_MANAGE)
    carriers = _carriers()

    def parse_row(cells: dict[str, str]) -> tuple[tuple, dict[str, Any]]:
        carrier = _carrier(cells, carriers)
        outlet = _text(cells, COL_OUTLET, OUTLET_MAX)
        if not outlet:
            raise _RowError(COL_OUTLET, MSG_OUTLET_REQUIRED)
        province, city, district = _region(cells)
        starts_on = _date(cells, COL_STARTS)
        ends_on = _date(cells, COL_ENDS)
        if ends_on < starts_on:
            raise _RowError(COL_ENDS, MSG_DATES_ORDER)
        key = (carrier.pk, outlet, starts_on)
        return key, {
            "carrier": carrier,
            "outlet": outlet,
            "province": province,
            "city": city,
            "district": district,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "note": _text(cells, COL_NOTE, NOTE_MAX),
        }

    rows = _read(
        upload, required=SUSPENSION_REQUIRED, optional=SUSPENSION_OPTIONAL, parse_row=parse_row
    )
    existing = set(
        OutletSuspension.objects.filter(carrier_id__in={r["carrier"].pk for r in rows}).values_list(
            "carrier_id", "outlet", "starts_on"
        )
    )
    with transaction.atomic():
        OutletSuspension.objects.bulk_create(
            [OutletSuspension(**r, updated_at=now) for r in rows],
            update_conflicts=True,
            unique_fields=["carrier", "outlet", "starts_on"],
            update_fields=["province", "city", "district", "ends_on", "note", "updated_at"],
        )
    updated = sum(1 for r in rows if (r["carrier"].pk, r["outlet"], r["starts_on"]) in existing)
    return ImportResult(rows=len(rows), created=len(rows) - updated, updated=updated)
