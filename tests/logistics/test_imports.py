"""Coverage and suspension imports: UTF-8 and GBK CSV, XLSX, headers found by their trimmed
name; every bad row reported by row and column, in Chinese, and nothing written; broken,
empty, old-Excel and oversized files refused before anything is read whole."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from aftersales.core.errors import InvalidInput, PermissionDeniedError
from aftersales.logistics.models import CoverageRule, OutletSuspension
from aftersales.logistics.services.imports import (
    IMPORT_MAX_BYTES,
    ImportRefused,
    coverage_import,
    suspension_import,
)
from tests.api import NOW
from tests.logistics.conftest import rule

COVERAGE_CSV = (
    " 快递公司 ,省,市,区县,覆盖,说明\n"
    "中通快递,西藏,,,不覆盖,全境超区\n"
    "中通快递,新疆,和田地区,于田县,有限覆盖,只到县城\n"
    "yto,新疆维吾尔自治区,乌鲁木齐市,,正常覆盖,\n"
)


def _csv(text: str, encoding: str = "utf-8", name: str = "coverage.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def _xlsx(rows: list[list[object]]) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("coverage.xlsx", out.getvalue())


def _problems(exc: pytest.ExceptionInfo) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.message) for p in exc.value.problems]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_coverage_csv_is_imported_in_any_encoding_the_seller_centre_writes(
    supervisor, zto, yto, encoding
):
    result = coverage_import(actor=supervisor, upload=_csv(COVERAGE_CSV, encoding), now=NOW)

    assert (result.rows, result.created, result.updated) == (3, 3, 0)
    assert set(
        CoverageRule.objects.values_list(
            "carrier__code", "province", "city", "district", "coverage"
        )
    ) == {
        ("zto", "西藏自治区", "", "", "none"),
        ("zto", "新疆维吾尔自治区", "和田地区", "于田县", "limited"),
        ("yto", "新疆维吾尔自治区", "乌鲁木齐市", "", "full"),
    }


def test_importing_again_updates_the_rules_of_the_same_regions(supervisor, zto, yto):
    rule(zto, "西藏自治区", coverage="limited", note="旧说明")

    result = coverage_import(actor=supervisor, upload=_csv(COVERAGE_CSV), now=NOW)

    assert (result.created, result.updated) == (2, 1)
    assert CoverageRule.objects.get(carrier=zto, province="西藏自治区").note == "全境超区"


def test_a_coverage_xlsx_is_imported(supervisor, zto):
    upload = _xlsx([["快递公司", "省", "覆盖", "说明"], ["中通快递", "西藏", "不覆盖", None]])

    coverage_import(actor=supervisor, upload=upload, now=NOW)

    assert CoverageRule.objects.get().province == "西藏自治区"


def test_every_bad_row_is_reported_and_nothing_is_written(supervisor, zto):
    text = (
        "快递公司,省,市,区县,覆盖,说明\n"
        "中通快递,西藏,,,不覆盖,\n"  # row 2: fine
        "韵达快递,西藏,,,不覆盖,\n"  # row 3: no such carrier
        "中通快递,火星,,,不覆盖,\n"  # row 4: no such place
        "中通快递,新疆,,于田县,不覆盖,\n"  # row 5: a district without a city
        "中通快递,新疆,,,也许,\n"  # row 6: not a coverage word
        "中通快递,新疆,,,有限覆盖,\n"  # row 7: limited without its limit
        "中通快递,西藏自治区,,,不覆盖,\n"  # row 8: row 2 again
        ",青海,,,不覆盖,\n"  # row 9: no carrier
    )

    with pytest.raises(ImportRefused) as refused:
        coverage_import(actor=supervisor, upload=_csv(text), now=NOW)

    assert _problems(refused) == [
        (3, "快递公司", "快递公司不存在。（韵达快递）"),
        (4, "省", "无法识别的地名：火星"),
        (5, "市", "填写区县时须同时填写市。"),
        (6, "覆盖", "无法识别“也许”：应为不覆盖、有限覆盖或正常覆盖。"),
        (7, "说明", "有限覆盖须说明限制。"),
        (8, "", "与第 2 行重复。"),
        (9, "快递公司", "不能为空。"),
    ]
    assert str(refused.value.problems[0]) == "第 3 行「快递公司」：快递公司不存在。（韵达快递）"
    assert str(refused.value.message) == "文件有 7 处错误，整个文件未导入。"
    assert not CoverageRule.objects.exists()


def test_a_file_without_a_required_column_is_refused_whole(supervisor, zto):
    with pytest.raises(ImportRefused) as refused:
        coverage_import(actor=supervisor, upload=_csv("快递公司,省\n中通快递,西藏\n"), now=NOW)

    assert _problems(refused) == [(0, "", "缺少必需的列：覆盖。整个文件未导入。")]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "文件是空的，没有表头行。"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "不支持旧版 Excel（.xls）文件"),
        (b"PK\x03\x04 this is no zip", "无法读取文件"),
        (b"\n\n", "文件是空的"),
    ],
)
def test_a_broken_file_is_refused_with_a_reason(supervisor, content, said):
    with pytest.raises(ImportRefused) as refused:
        coverage_import(actor=supervisor, upload=SimpleUploadedFile("x.csv", content), now=NOW)

    assert said in refused.value.problems[0].message


def test_a_file_with_a_header_and_no_rows_is_refused(supervisor):
    with pytest.raises(ImportRefused) as refused:
        coverage_import(actor=supervisor, upload=_csv("快递公司,省,覆盖\n"), now=NOW)

    assert _problems(refused) == [(0, "", "文件里没有数据行。")]


class _Huge(SimpleUploadedFile):
    """A file that says it is over the limit and must not be read."""

    def read(self, *args, **kwargs):  # pragma: no cover - reading it is the failure
        raise AssertionError("an oversized file was read")


def test_an_oversized_file_is_refused_by_its_size_before_it_is_read(supervisor):
    upload = _Huge("big.csv", b"x")
    upload.size = IMPORT_MAX_BYTES + 1

    with pytest.raises(InvalidInput) as refused:
        coverage_import(actor=supervisor, upload=upload, now=NOW)

    assert refused.value.field == "file"
    assert "文件过大：最多 2 MB" in str(refused.value.message)


def test_only_those_who_manage_carriers_may_import(agent, zto):
    with pytest.raises(PermissionDeniedError):
        coverage_import(actor=agent, upload=_csv(COVERAGE_CSV), now=NOW)

    assert not CoverageRule.objects.exists()


# --- suspensions ----------------------------------------------------------------------------------


def test_suspensions_are_imported_from_gbk_csv_with_dates_as_people_write_them(supervisor, zto):
    text = (
        "快递公司,网点,省,市,区县,开始日期,结束日期,说明\n"
        "中通快递,和田于田网点,新疆,和田地区,于田县,2026-11-10,2026/11/20,疫情停派\n"
        "中通快递,拉萨城关网点,西藏,拉萨市,,2026年11月12日,2026-11-12 00:00:00,\n"
    )

    result = suspension_import(actor=supervisor, upload=_csv(text, "gbk"), now=NOW)

    assert result.rows == 2
    assert set(OutletSuspension.objects.values_list("outlet", "starts_on", "ends_on")) == {
        ("和田于田网点", dt.date(2026, 11, 10), dt.date(2026, 11, 20)),
        ("拉萨城关网点", dt.date(2026, 11, 12), dt.date(2026, 11, 12)),
    }


def test_suspensions_from_xlsx_take_date_cells(supervisor, zto):
    upload = _xlsx(
        [
            ["快递公司", "网点", "省", "开始日期", "结束日期"],
            ["zto", "杭州西湖网点", "浙江", dt.date(2026, 11, 14), dt.date(2026, 11, 15)],
        ]
    )

    suspension_import(actor=supervisor, upload=upload, now=NOW)

    found = OutletSuspension.objects.get()
    assert (found.province, found.starts_on, found.ends_on) == (
        "浙江省",
        dt.date(2026, 11, 14),
        dt.date(2026, 11, 15),
    )


def test_bad_suspension_rows_are_reported_by_row_and_column(supervisor, zto):
    text = (
        "快递公司,网点,省,开始日期,结束日期\n"
        "中通快递,,浙江,2026-11-10,2026-11-12\n"
        "中通快递,网点甲,浙江,下周一,2026-11-12\n"
        "中通快递,网点乙,浙江,2026-11-12,2026-11-10\n"
        "中通快递,网点丙,浙江,2026-02-30,2026-03-01\n"
    )

    with pytest.raises(ImportRefused) as refused:
        suspension_import(actor=supervisor, upload=_csv(text), now=NOW)

    assert _problems(refused) == [
        (2, "网点", "请填写网点名称。"),
        (3, "开始日期", "日期格式不正确：下周一（应为 2026-11-10 这样的格式）"),
        (4, "结束日期", "结束日期不能早于开始日期。"),
        (5, "开始日期", "日期格式不正确：2026-02-30（应为 2026-11-10 这样的格式）"),
    ]
    assert not OutletSuspension.objects.exists()
