"""The cell parsers of the order import: pure functions, no database."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.orders import importers
from aftersales.orders.importers import CellError, rows, tables


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("西藏自治区 阿里地区 噶尔县 狮泉河镇 文化路 3号(859400)",
         ("西藏自治区", "阿里地区", "噶尔县", "狮泉河镇 文化路 3号", "859400")),
        ("北京 北京市 朝阳区 望京街道 阜通东大街 6号院 3号楼 902(100102)",
         ("北京", "北京市", "朝阳区", "望京街道 阜通东大街 6号院 3号楼 902", "100102")),
        # Full-width brackets and doubled spaces, as a hand-edited sheet may have them.
        ("浙江省  杭州市 西湖区 文三路 478号（310012）",
         ("浙江省", "杭州市", "西湖区", "文三路 478号", "310012")),
        ("浙江省 杭州市 西湖区", ("浙江省", "杭州市", "西湖区", "", "")),
        # No structure to go by: kept whole rather than cut at a guess.
        ("杭州市西湖区文三路478号(310012)", ("", "", "", "杭州市西湖区文三路478号", "310012")),
        ("", ("", "", "", "", "")),
    ],
)  # fmt: skip
def test_split_address(raw, expected):
    assert importers.split_address(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("378.00", Decimal("378.00")),
        ("9.9", Decimal("9.90")),
        ("0", Decimal("0.00")),
        ("1,234.50", Decimal("1234.50")),
        ("¥12.00", Decimal("12.00")),
        ("12.00元", Decimal("12.00")),
        ("1,234.5 元", Decimal("1234.50")),
        (' ="20.00" ', Decimal("20.00")),
    ],
)
def test_parse_money(raw, expected):
    result = importers.parse_money(raw)

    assert result == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("元", "required"),
        ("12元50", "invalid_money"),
        ("39O.00", "invalid_money"),
        ("1e3", "invalid_money"),
        ("NaN", "invalid_money"),
        ("-5.00", "negative_money"),
        ("9.999", "money_precision"),
        ("10000000000.00", "money_range"),
    ],
)
def test_parse_money_refuses(raw, code):
    with pytest.raises(CellError) as refused:
        importers.parse_money(raw)

    assert refused.value.code == code


def test_check_money_refuses_a_float():
    with pytest.raises(CellError) as refused:
        importers.check_money(9.9)

    assert (refused.value.code, refused.value.message) == ("invalid_money", "类型不正确。")


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), ("10", 10), (" 2 ", 2)])
def test_parse_quantity(raw, expected):
    assert importers.parse_quantity(raw) == expected


@pytest.mark.parametrize("raw", ["0", "-1", "1.5", "两", "99999999999"])
def test_parse_quantity_refuses(raw):
    with pytest.raises(CellError) as refused:
        importers.parse_quantity(raw)

    assert refused.value.message == importers.MSG_QUANTITY % {"value": raw}


@pytest.mark.parametrize(
    ("raw", "utc"),
    [
        ("2026-11-13 07:19:00", dt.datetime(2026, 11, 12, 23, 19, tzinfo=dt.UTC)),
        ("2026/11/3 7:19", dt.datetime(2026, 11, 2, 23, 19, tzinfo=dt.UTC)),
        ("2026-01-01 00:00:00", dt.datetime(2025, 12, 31, 16, 0, tzinfo=dt.UTC)),
    ],
)
def test_parse_datetime_is_shanghai_wall_time(raw, utc):
    parsed = importers.parse_datetime(raw)

    assert parsed == utc
    assert parsed.utcoffset() == dt.timedelta(hours=8)


def test_an_empty_time_did_not_happen():
    assert importers.parse_datetime("  ") is None


@pytest.mark.parametrize("raw", ["2026-11-31 10:00:00", "2026-11-13", "13/11/2026 07:19", "昨天"])
def test_parse_datetime_refuses(raw):
    with pytest.raises(CellError) as refused:
        importers.parse_datetime(raw)

    assert refused.value.code == "invalid_datetime"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("交易成功", "success"),
        ("交易关闭", "closed"),
        ("卖家已发货，等待买家确认", "wait_buyer_confirm"),
        ("买家已付款,等待卖家发货", "wait_seller_send"),
        ("等待买家付款", "wait_buyer_pay"),
        ("付款以后用户退款成功，交易自动关闭", "closed"),
    ],
)
def test_parse_status(raw, status):
    assert importers.parse_status(raw) == status


def test_an_unknown_status_is_refused_by_name():
    with pytest.raises(CellError) as refused:
        importers.parse_status("已退款")

    assert refused.value.message == "无法识别的订单状态：已退款"


@pytest.mark.parametrize(
    ("parse", "raw", "expected"),
    [
        (importers.parse_order_no, '="4164111318168545451"', "4164111318168545451"),
        (importers.parse_order_no, "4164111318168545451\t", "4164111318168545451"),
        (importers.parse_phone, "'17382896655", "17382896655"),
        (importers.parse_waybill, "No:77956997616807", "77956997616807"),
        (importers.parse_waybill, "no：SF9870258565754", "SF9870258565754"),
        (importers.parse_waybill, "", ""),
    ],
)
def test_spreadsheet_guards_are_removed(parse, raw, expected):
    assert parse(raw) == expected


def test_an_order_number_must_look_like_one():
    with pytest.raises(CellError) as refused:
        importers.parse_order_no("4.16411E+18")

    assert refused.value.code == "invalid_order_no"


def test_carrier_codes_are_fixed_for_the_common_ones_and_stable_for_others():
    assert [importers.carrier_code(n) for n in ["顺丰速运", "邮政快递包裹", "京东快递"]] == [
        "sf",
        "post",
        "jd",
    ]
    code = importers.carrier_code("某地方快递")
    assert code == importers.carrier_code("某地方快递")
    assert code.startswith("c-")
    assert len(code) == 14
    assert code != importers.carrier_code("另一家快递")


def test_an_xlsx_number_cell_becomes_its_decimal_text():
    assert tables._xlsx_cell(9.9) == "9.9"
    assert tables._xlsx_cell(378.0) == "378"
    assert tables._xlsx_cell(None) == ""
    assert tables._xlsx_cell(dt.datetime(2026, 11, 13, 7, 19)) == "2026-11-13 07:19:00"  # noqa: DTZ001


@pytest.mark.parametrize(
    ("head", "encoding"),
    [
        ("订单编号".encode("gbk"), "gb18030"),
        ("订单编号".encode(), "utf-8"),
        ("订单编号".encode("utf-8-sig"), "utf-8-sig"),
        # The sample cut in the middle of a character is still UTF-8.
        ("订单编号".encode()[:-1], "utf-8"),
    ],
)
def test_the_encoding_is_told_from_the_content(head, encoding):
    assert tables._sniff_encoding(head) == encoding


def test_parse_order_row_reports_every_bad_cell_by_column():
    cells = {
        "订单编号": '="4110804066827487927"',
        "买家会员名": "",
        "买家应付货款": "abc",
        "买家应付邮费": "0.00",
        "买家实际支付金额": "0.00",
        "订单状态": "交易成功",
        "订单创建时间": "2026-11-13 07:19:00",
        "收货人姓名": "李" * 65,
    }

    parsed = importers.parse_order_row(7, cells)

    assert (parsed.row, parsed.order_no, parsed.data) == (7, "4110804066827487927", None)
    assert [(e.field, e.code) for e in parsed.errors] == [("买家应付货款", "invalid_money")]

    cells["买家应付货款"] = "1.00"
    parsed = importers.parse_order_row(7, cells)

    assert [(e.field, e.code, e.message) for e in parsed.errors] == [
        ("买家会员名", "required", "不能为空。"),
        ("收货人姓名", "too_long", "内容过长：最多 64 个字符，实际 65 个。"),
    ]


def test_open_table_names_every_missing_column():
    data = "订单编号,标题\n1,袜子\n".encode()

    with (
        pytest.raises(importers.TableError) as refused,
        importers.open_table(
            io.BytesIO(data), required=importers.ITEM_COLUMNS_REQUIRED, default_name="宝贝报表"
        ),
    ):
        pass  # pragma: no cover

    assert refused.value.error.as_dict() == {
        "file": "宝贝报表",
        "row": 1,
        "field": "",
        "code": "missing_columns",
        "message": "缺少必需的列：价格、购买数量。整个文件未导入。",
        "columns": ["价格", "购买数量"],
    }


@pytest.mark.parametrize(
    ("cell", "name"),
    [
        ("收货地址 ", "收货地址"),
        ("\ufeff订单编号", "订单编号"),
        ("订单付款时间\u3000", "订单付款时间"),
        (" 买家 会员名\n", "买家会员名"),
        ('="物流单号 "', "物流单号"),
    ],
)
def test_a_header_is_its_name_without_spaces(cell, name):
    assert importers.header_name(cell) == name


def test_a_column_is_found_under_its_other_name_only_when_its_usual_one_is_missing():
    assert importers.header_index(["订单编号", "买家实付金额"]) == {
        "订单编号": 0,
        "买家实付金额": 1,
        "买家实际支付金额": 1,
    }
    both = importers.header_index(["买家实付金额", "买家实际支付金额", "买家实际支付金额"])
    assert both["买家实际支付金额"] == 1


def test_the_keys_a_file_does_not_carry():
    assert importers.order_keys_not_in(importers.ORDER_COLUMNS_REQUIRED) == {
        "buyer_message", "receiver_name", "province", "city", "district", "street",
        "postal_code", "receiver_phone", "paid_at", "waybill_no", "carrier_name",
        "seller_note", "success_at", "shipped_at",
    }  # fmt: skip
    # A key two columns fill is carried by either.
    every = (*importers.ORDER_COLUMNS_REQUIRED, *importers.ORDER_COLUMNS_OPTIONAL)
    older = [c for c in every if c not in {"联系手机", "订单备注", "确认收货时间", "发货时间"}]
    assert importers.order_keys_not_in(older) == {"success_at", "shipped_at"}


def test_open_table_reads_optional_columns_only_when_there():
    data = "订单编号 ,标题,价格 ,购买数量,备注\n1,a,1,1,x\n".encode("gbk")

    with importers.open_table(
        io.BytesIO(data),
        required=importers.ITEM_COLUMNS_REQUIRED,
        optional=importers.ITEM_COLUMNS_OPTIONAL,
    ) as table:
        assert table.index == {"订单编号": 0, "标题": 1, "价格": 2, "购买数量": 3}
        read = importers.item_rows(table.index)
        parsed = [read(row, cells) for row, cells in table.records()]

    assert [(p.order_no, p.data, p.errors) for p in parsed] == [
        (
            "1",
            {
                "title": "a",
                "sku_code": "",
                "unit_price": Decimal("1.00"),
                "quantity": 1,
                "sku_properties": "",
            },
            [],
        )
    ]


def test_open_table_skips_blank_rows_and_counts_rows_as_a_spreadsheet_does():
    data = '\ufeff订单编号,标题,价格,购买数量,商家编码\n1,a,1,1,\n,,,,\n2,"b\nc",1,1,\n3,d,1,1,X\n'
    with importers.open_table(
        io.BytesIO(data.encode()), required=importers.ITEM_COLUMNS_REQUIRED
    ) as table:
        rows = [(row, cells["订单编号"], cells["标题"]) for row, cells in table.rows()]

    # A line break inside a quoted cell does not start a new row.
    assert rows == [(2, "1", "a"), (4, "2", "b\nc"), (5, "3", "d")]


# --- the whole-file readers take a shorter road to the same values ----------------------------

MONEY_TEXTS = ["0", "9.9", "378.00", "1,234.50", "¥12.00", ' ="20.00" ', "-5.00", "9.999", "1e3"]
MONEY_TEXTS += ["", "abc", "10000000000.00", "１２.００", " 7.50\t", "12.00元", "元", "-1元"]
TIMES = [
    "",
    "2026-11-13 07:19:00",
    "2026/11/3 7:19",
    "2026-11-31 10:00:00",
    "2026-11-13 24:00:00",
    "2026-11-13 23:59:60",
    " 2026-11-13 07:19:00",
    "2026-11-13 07:19:00 ",
    "2026-02-29 01:00:00",
    "2028-02-29 01:00:00",
    "2026-11-13T07:19:00",
    "２０２６-11-13 07:19:00",
    "2026-11-13 ０7:19:00",
    '="2026-11-13 07:19:00"',
    "2026-11-13  7:19:00",
    "2026-11-13 07:19:0",
    "2026-11-13 7:19:00",
]
times = st.one_of(
    st.sampled_from(TIMES),
    st.builds(
        "{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}".format,
        st.integers(1999, 2031), st.integers(0, 13), st.integers(0, 32),
        st.integers(0, 25), st.integers(0, 61), st.integers(0, 61),
    ),
)  # fmt: skip
ORDER_NOS = ['="4164111318168545451"', "4164111318168545451", "'4164111318168545451", '=""']
ORDER_NOS += ['="abc-1_2"', '="' + "9" * 33 + '"', "", "4.16411E+18", '="４１６"', ' ="123" ']
ORDER_NOS += ['="4164111318168545451"\n', "41641113\n"]
texts = st.one_of(st.text(max_size=8), st.sampled_from(["", " a ", '="x"', "长" * 70, "x" * 600]))
ADDRESSES = [
    "西藏自治区 阿里地区 噶尔县 狮泉河镇 文化路 3号(859400)",
    "浙江省 杭州市 西湖区（310012）",
    "杭州市西湖区(310012)",
    "a b c (１２３４５６)",
    "a b c d( 123456 )",
    "",
    "a b",
    "x" * 40 + " b c",
]
addresses = st.one_of(st.sampled_from(ADDRESSES), st.text(max_size=12))
WAYBILLS = ["No:77956997616807", "no：SF98", "", "'No: 123", "NO:ABC", "n", "  No:  12 ", "x" * 41]
QUANTITIES = ["1", "10", " 2 ", "0", "-1", "1.5", "", "２"]
STATUSES = [*importers.STATUS_BY_TEXT, "已退款", "", "买家已付款,等待卖家发货", " 交易成功\t"]


@st.composite
def order_cells(draw):
    columns = {
        importers.COL_ORDER_NO: draw(st.sampled_from(ORDER_NOS)),
        importers.COL_BUYER_NICK: draw(st.one_of(st.just("tb9277271"), texts)),
        importers.COL_GOODS_TOTAL: draw(st.sampled_from(MONEY_TEXTS)),
        importers.COL_FREIGHT: draw(st.sampled_from(MONEY_TEXTS)),
        importers.COL_AMOUNT_PAID: draw(st.sampled_from(MONEY_TEXTS)),
        importers.COL_STATUS: draw(st.sampled_from(STATUSES)),
        importers.COL_BUYER_MESSAGE: draw(texts),
        importers.COL_RECEIVER_NAME: draw(texts),
        importers.COL_ADDRESS: draw(addresses),
        importers.COL_MOBILE: draw(st.sampled_from(["'17382896655", "", " '138 ", '="1380"'])),
        importers.COL_PHONE: draw(st.sampled_from(["", "0571-8888", "'0571"])),
        importers.COL_CREATED_AT: draw(times),
        importers.COL_PAID_AT: draw(times),
        importers.COL_WAYBILL: draw(st.one_of(st.sampled_from(WAYBILLS), texts)),
        importers.COL_CARRIER: draw(st.one_of(st.just("申通快递"), texts)),
        importers.COL_SELLER_NOTE: draw(st.one_of(st.just(""), texts)),
        importers.COL_SELLER_MEMO: draw(texts),
        importers.COL_SUCCESS_AT: draw(times),
        importers.COL_SHIPPED_AT: draw(times),
    }
    # Any optional column may be missing, as in an older export.
    for optional in importers.ORDER_COLUMNS_OPTIONAL:
        if draw(st.booleans()):
            del columns[optional]
    return columns


@given(cells=order_cells())
def test_the_order_report_reader_gives_what_the_row_parser_gives(cells):
    index = {column: i for i, column in enumerate(cells)}
    read = importers.order_rows(index)

    fast = read(7, list(cells.values()))
    full = importers.parse_order_row(7, cells)

    assert (fast.row, fast.order_no, fast.data, fast.errors) == (
        full.row, full.order_no, full.data, full.errors,
    )  # fmt: skip


@st.composite
def item_cells(draw):
    columns = {
        importers.COL_ORDER_NO: draw(st.sampled_from(ORDER_NOS)),
        importers.COL_TITLE: draw(st.one_of(st.just("袜子"), texts)),
        importers.COL_PRICE: draw(st.sampled_from(MONEY_TEXTS)),
        importers.COL_QUANTITY: draw(st.sampled_from(QUANTITIES)),
        importers.COL_SKU_CODE: draw(st.one_of(st.just("WZ-10"), texts)),
        importers.COL_PROPERTIES: draw(texts),
        importers.COL_PACKAGE: draw(texts),
    }
    for optional in importers.ITEM_COLUMNS_OPTIONAL:
        if draw(st.booleans()):
            del columns[optional]
    return columns


@given(first=item_cells(), second=item_cells())
def test_the_item_report_reader_gives_what_the_row_parser_gives(first, second):
    # Two rows through one reader: it remembers the last order number it read.
    second = {column: second.get(column, "") for column in first}
    index = {column: i for i, column in enumerate(first)}
    read = importers.item_rows(index)

    for row, cells in ((2, first), (3, second), (4, first)):
        fast = read(row, list(cells.values()))
        full = importers.parse_item_row(row, cells)
        assert (fast.order_no, fast.data, fast.errors) == (full.order_no, full.data, full.errors)


@given(text=times)
def test_times_by_day_and_time_of_day_are_the_parsed_times(text):
    parse = rows._times(required=False)

    def outcome(parse_one):
        try:
            return parse_one(text)
        except CellError as e:
            return e.code

    expected = outcome(importers.parse_datetime)
    assert outcome(parse) == expected
    assert outcome(parse) == expected  # remembered


def test_an_order_without_a_creation_time_is_refused():
    parsed = importers.parse_order_row(
        3,
        {
            "订单编号": '="4110804066827487927"',
            "买家会员名": "tb1",
            "买家应付货款": "1.00",
            "买家应付邮费": "0.00",
            "买家实际支付金额": "1.00",
            "订单状态": "交易成功",
            "订单创建时间": "",
        },
    )

    assert [(e.field, e.code) for e in parsed.errors] == [("订单创建时间", "required")]


def test_a_structured_order_number_may_not_end_in_a_line_break():
    errors = importers.order_input_errors(importers.order_input_defaults({"order_no": "42\n"}))

    assert ("order_no", "invalid_order_no") in [(e.field, e.code) for e in errors]
