"""Write the export variants in this directory from the sample export (../samples/).

    .venv/bin/python tests/data/exports/make_exports.py

The same 60 orders and 90 lines as the sample, laid out as three versions of the seller
centre's export write them (see README.md here and docs/import-columns.md), each as CSV in GBK
and as XLSX. The files are committed; this script is how they were made, and how to make them
again if a version is added. Deterministic, apart from the time stamps openpyxl writes into
an XLSX's document properties.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent / "samples"

# Headers exactly as each version writes them, trailing spaces included.

# An export of about 2016, as integrations of that time list it: it ends at 是否是O2O交易, so
# it has no 确认收货时间 (nor 退款金额); a shop's copy of it has been through Excel, which
# writes times as 2026/11/13 7:25 (to the minute).
OLDER = [
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分",
    "总金额", "返点积分", "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言",
    "收货人姓名", "收货地址 ", "运送方式", "联系电话 ", "联系手机", "订单创建时间",
    "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注",
    "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头",
    "是否手机订单", "分阶段订单信息", "特权订金订单id", "定金排名", "修改后的sku",
    "修改后的收货地址", "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易",
]  # fmt: skip

# A newer Taobao export: 支付单号 and 支付详情 moved in after 买家支付宝账号, and at the end the
# columns PLATFORMS.md §5 lists as added (发货时间, 商家备忘, 主订单编号 …).
NEWER = [
    "订单编号", "买家会员名", "买家支付宝账号", "支付单号", "支付详情", "买家应付货款",
    "买家应付邮费", "买家支付积分", "总金额", "返点积分", "买家实际支付金额", "买家实际支付积分",
    "订单状态", "买家留言", "收货人姓名", "收货地址 ", "运送方式", "联系电话 ", "联系手机",
    "订单创建时间", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司",
    "订单备注", "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费",
    "发票抬头", "是否手机订单", "分阶段订单信息", "特权订金订单id", "是否上传合同照片",
    "是否上传小票", "是否代付", "定金排名", "修改后的sku", "修改后的收货地址", "异常信息",
    "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易", "新零售交易类型", "新零售导购门店名称",
    "新零售导购门店id", "新零售发货门店名称", "新零售发货门店id", "退款金额", "预约门店",
    "确认收货时间", "打款商家金额", "含应开票给个人的个人红包", "是否信用购", "体验期结束时间",
    "前N有礼", "配送类型", "直播返现状态", "返现金额", "延迟发货自动赔付金额", "预售订单",
    "发货时间", "商家备忘", "主订单编号",
]  # fmt: skip

# A Tmall shop's export, in the order PLATFORMS.md §5 lists: the whole base list (天猫卡券抵扣,
# 集分宝抵扣, 打款商家金额 …), then the added columns, 支付单号 and 支付详情 among them; the
# amounts written with their unit (388.00元).
TMALL = [
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分",
    "总金额", "返点积分", "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言",
    "收货人姓名", "收货地址 ", "运送方式", "联系电话 ", "联系手机", "订单创建时间",
    "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注",
    "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头",
    "是否手机订单", "分阶段订单信息", "特权订金订单id", "是否上传合同照片", "是否上传小票",
    "是否代付", "定金排名", "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣",
    "集分宝抵扣", "是否是O2O交易", "新零售交易类型", "新零售导购门店名称", "新零售导购门店id",
    "新零售发货门店名称", "新零售发货门店id", "退款金额", "预约门店", "确认收货时间",
    "打款商家金额", "含应开票给个人的个人红包", "支付单号", "支付详情", "直播返现状态",
    "返现金额", "延迟发货自动赔付金额", "预售订单", "发货时间", "商家备忘", "主订单编号",
]  # fmt: skip

ITEMS = ["订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注",
         "订单状态", "商家编码"]  # fmt: skip
# ⚠ The older item report without 商家编码, which integrations of that time treat as optional.
ITEMS_OLDER = ITEMS[:-1]

AMOUNTS = {"买家应付货款", "买家应付邮费", "总金额", "买家实际支付金额", "退款金额", "打款商家金额"}
TIMES = {"订单创建时间", "订单付款时间", "确认收货时间", "发货时间"}

# Parcels leave this long after payment (every sample order is confirmed later than that).
SHIPPED_AFTER = dt.timedelta(hours=26)
# The seller's memo: in 订单备注 and 商家备忘 alike for one order, in 商家备忘 only for another.
MEMO_BOTH = "4110804066827487927"
MEMO_ONLY = "4128977815920521574"
MEMO = {MEMO_BOTH: "加急，顺丰优先", MEMO_ONLY: "赠品：袜子一双"}
# Paid together with another order: its 主订单编号 is that order's number.
MERGED = ("4188019615896476325", "4188614411571564651")


def read_sample(name: str) -> list[dict[str, str]]:
    text = (SAMPLES / name).read_bytes().decode("gb18030")
    header, *rows = csv.reader(io.StringIO(text, newline=""))
    return [dict(zip(header, row, strict=True)) for row in rows]


def order_no(row: dict[str, str]) -> str:
    return row["订单编号"][2:-1]  # ="…"


def when(text: str) -> dt.datetime | None:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S") if text else None  # noqa: DTZ007


def newer_cells(row: dict[str, str]) -> dict[str, str]:
    """What the columns the sample lacks hold for one order."""
    no = order_no(row)
    paid = when(row["订单付款时间"])
    success = when(row["确认收货时间"])
    shipped = paid + SHIPPED_AFTER if paid and row["物流单号"] else None
    assert shipped is None or success is None or shipped < success, no
    return {
        "支付单号": f'="2026{no[-16:]}"' if paid else "",
        "支付详情": f"支付宝:{row['买家实际支付金额']}元" if paid else "",
        "打款商家金额": f"{row['买家实际支付金额']}元" if success else "0.00元",
        "天猫卡券抵扣": "0.00",
        "集分宝抵扣": "0",
        "是否是O2O交易": "否",
        "是否信用购": "否",
        "直播返现状态": "",
        "返现金额": "0.00",
        "延迟发货自动赔付金额": "0.00",
        "预售订单": "否",
        "发货时间": shipped.strftime("%Y-%m-%d %H:%M:%S") if shipped else "",
        "订单备注": MEMO[no] if no == MEMO_BOTH else row["订单备注"],
        "商家备忘": MEMO.get(no, ""),
        "主订单编号": f'="{MERGED[0] if no == MERGED[1] else no}"',
    }


def older_time(text: str) -> str:
    # As Excel saves it: no leading zeros, no seconds.
    t = when(text)
    return f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}" if t else ""


def order_rows(columns: list[str], version: str) -> list[list[str]]:
    rows = []
    for sample in read_sample("ExportOrderList_sample.csv"):
        cells = sample | newer_cells(sample) if version != "older" else dict(sample)
        if version == "older":
            cells.update({c: older_time(cells[c]) for c in TIMES if c in cells})
            cells["买家服务费"] = "0元"
        if version == "tmall":
            cells.update({c: f"{cells[c]}元" for c in AMOUNTS if cells.get(c, "")[-1:] != "元"})
        rows.append([cells.get(c.strip(), "") for c in columns])
    return [columns, *rows]


def item_rows(columns: list[str]) -> list[list[str]]:
    items = read_sample("ExportOrderDetailList_sample.csv")
    return [columns, *([row.get(c, "") for c in columns] for row in items)]


def write_csv(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode("gbk"))


def xlsx_value(column: str, text: str) -> object:
    """A cell as a spreadsheet holds it: numbers as numbers, times as times, the guards a CSV
    needs (="…", a leading ') gone."""
    column = column.strip()
    if text == "":
        return None
    if text.startswith('="'):
        return text[2:-1]
    if text.startswith("'"):
        return text[1:]
    if column in TIMES:
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"):
            try:
                return dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - wall time, as the sheet
            except ValueError:
                pass
    if column in AMOUNTS or column == "价格":
        try:
            return float(text)
        except ValueError:
            return text  # 388.00元 stays text, as the Tmall sheet has it
    if column == "购买数量":
        return int(text)
    return text


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    header = rows[0]
    sheet.append(header)
    for row in rows[1:]:
        sheet.append([xlsx_value(c, v) for c, v in zip(header, row, strict=True)])
    workbook.save(path)


VERSIONS: dict[str, tuple[list[str], list[str]]] = {
    "older": (OLDER, ITEMS_OLDER),
    "newer": (NEWER, ITEMS),
    "tmall": (TMALL, ITEMS),
}


def main() -> None:
    writers: dict[str, Callable[[Path, list[list[str]]], None]] = {
        "csv": write_csv,
        "xlsx": write_xlsx,
    }
    for version, (order_columns, item_columns) in VERSIONS.items():
        for ext, write in writers.items():
            write(HERE / f"ExportOrderList_{version}.{ext}", order_rows(order_columns, version))
            write(HERE / f"ExportOrderDetailList_{version}.{ext}", item_rows(item_columns))


if __name__ == "__main__":
    main()
