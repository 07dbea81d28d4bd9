"""Seller-centre exports of any size, in the shape of the samples in /work/shared/samples: the
order report and the item report, GBK, every column of the samples in their order, the
spreadsheet guards (``="…"``, a leading ``'``, ``No:``) and the order of a real export (newest
first, an order's lines together).

``write_export(..., realistic=False)`` is the uniform export the streaming tests pin (every
order alike, one or two lines); ``realistic=True`` is what a large shop's Double 11 export
looks like: a day of orders, repeat buyers, addresses all over the country, one to three
lines, coupons and free shipping, every status, waybills of several carriers.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "samples"
ORDERS_NAME = "ExportOrderList.csv"
ITEMS_NAME = "ExportOrderDetailList.csv"
CARRIERS = ["顺丰速运", "中通快递", "圆通速递", "申通快递", "韵达快递", "极兔速递", "某地方快递"]


@dataclass(frozen=True)
class Export:
    orders_path: Path
    items_path: Path
    orders: int
    lines: int

    @property
    def rows(self) -> int:
        return self.orders + self.lines


def _sample(name: str) -> list[list[str]]:
    with (SAMPLES / name).open(encoding="gb18030", newline="") as f:
        return list(csv.reader(f))


def write_export(
    directory: Path, orders: int, *, realistic: bool = False, seed: int = 11
) -> Export:
    """Write both reports of ``orders`` orders into ``directory``, row by row."""
    order_rows = _sample("ExportOrderList_sample.csv")
    item_header = _sample("ExportOrderDetailList_sample.csv")[0]
    order_header, template = order_rows[0], order_rows[1]
    orders_path, items_path = directory / ORDERS_NAME, directory / ITEMS_NAME
    make = (
        _Realistic(order_header, template, seed) if realistic else _Uniform(order_header, template)
    )
    lines = 0
    with (
        orders_path.open("w", encoding="gb18030", newline="") as of,
        items_path.open("w", encoding="gb18030", newline="") as itf,
    ):
        order_out, item_out = csv.writer(of), csv.writer(itf)
        order_out.writerow(order_header)
        item_out.writerow(item_header)
        for n in range(orders):
            order, items = make(n, orders)
            order_out.writerow(order)
            item_out.writerows(items)
            lines += len(items)
    return Export(orders_path, items_path, orders, lines)


class _Uniform:
    """Every order alike: 交易成功, 174.80 or 105.00 paid, one line or two."""

    def __init__(self, header: list[str], template: list[str]):
        self.col = {name: i for i, name in enumerate(header)}
        self.template = template

    def __call__(self, n: int, total: int) -> tuple[list[str], list[list[str]]]:
        col = self.col
        order_no = f"5{n:018d}"
        two_lines = n % 2 == 0
        row = list(self.template)
        row[col["订单编号"]] = f'="{order_no}"'
        row[col["买家会员名"]] = f"tb{n:08d}"
        row[col["买家应付货款"]] = "178.80" if two_lines else "99.00"
        row[col["买家应付邮费"]] = "6.00"
        row[col["买家实际支付金额"]] = "174.80" if two_lines else "105.00"
        row[col["订单状态"]] = "交易成功"
        row[col["订单付款时间"]] = "2026-11-11 00:01:00"
        row[col["确认收货时间"]] = "2026-11-15 10:00:00"
        row[col["物流单号"]] = f"No:{7 * 10**13 + n}"
        row[col["物流公司"]] = CARRIERS[n % len(CARRIERS)]
        items = [
            [f'="{order_no}"', "纯棉男士中筒袜子 10双装", "9.90", "10", "", "颜色分类:混色"]
            + ["", "", "交易成功", "WZ-10"]
        ]
        if two_lines:
            items.append(
                [f'="{order_no}"', "新鲜现摘赣南脐橙 5斤装", "39.90", "2", "", "规格:5斤中果"]
                + ["", "", "交易成功", "SX-QC5"]
            )
        return row, items


# --- a realistic export --------------------------------------------------------------------

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫斌宇浩凯健"
_REGIONS = [
    ("浙江省", "杭州市", "西湖区", "310012"),
    ("浙江省", "宁波市", "鄞州区", "315100"),
    ("江苏省", "南京市", "玄武区", "210018"),
    ("江苏省", "苏州市", "工业园区", "215021"),
    ("广东省", "广州市", "天河区", "510630"),
    ("广东省", "深圳市", "南山区", "518052"),
    ("北京", "北京市", "朝阳区", "100102"),
    ("上海", "上海市", "浦东新区", "200120"),
    ("四川省", "成都市", "武侯区", "610041"),
    ("四川省", "甘孜藏族自治州", "色达县", "626600"),
    ("湖北省", "武汉市", "洪山区", "430070"),
    ("山东省", "青岛市", "市南区", "266071"),
    ("河南省", "郑州市", "金水区", "450008"),
    ("新疆维吾尔自治区", "阿勒泰地区", "福海县", "836400"),
    ("西藏自治区", "阿里地区", "噶尔县", "859400"),
    ("黑龙江省", "哈尔滨市", "南岗区", "150001"),
]
_STREETS = ["文三路", "金马大道", "团结路", "人民路", "中山路", "解放路", "建设路", "和平街"]
_MESSAGES = [
    "",
    "",
    "",
    "",
    "",
    "",
    "不要放快递柜，谢谢",
    "请尽快发货",
    "刻字：平安喜乐",
    "送人的，别放发票",
]
# (title, sku code, price, properties)
_CATALOGUE = [
    ("纯棉男士中筒袜子 10双装", "WZ-10", "9.90", "颜色分类:混色;尺码:均码"),
    ("新鲜现摘赣南脐橙 5斤装", "SX-QC5", "39.90", "规格:5斤中果"),
    ("高腰直筒牛仔裤 女 秋冬款", "NZK-27", "189.00", "颜色分类:深蓝;尺码:27"),
    ("羊毛混纺圆领毛衣 包邮", "MY-L", "59.00", "颜色分类:米白;尺码:L"),
    ("时尚杂志 2026年11月刊", "ZZ-2611", "20.00", "期数:2026-11"),
    ("儿童保温饭盒 三层", "FH-3", "69.00", "颜色分类:粉色"),
    ("蓝牙耳机 降噪版", "EJ-BT1", "299.00", "颜色分类:黑色"),
    ("不锈钢保温杯 500ml", "BWB-5", "45.50", "颜色分类:银色;容量:500ml"),
    ("加厚珊瑚绒睡衣套装", "SY-XL", "88.00", "颜色分类:灰色;尺码:XL"),
    ("手工定制刻字钢笔", "GB-DZ", "128.00", "笔尖:F尖;刻字:是"),
]
# (status text, weight, paid, shipped, confirmed)
_STATUSES = [
    ("交易成功", 58, True, True, True),
    ("卖家已发货，等待买家确认", 20, True, True, False),
    ("买家已付款，等待卖家发货", 9, True, False, False),
    ("交易关闭", 4, False, False, False),
    ("付款以后用户退款成功，交易自动关闭", 3, True, True, False),
    ("付款以前，卖家或买家主动关闭交易", 2, False, False, False),
    ("等待买家付款", 4, False, False, False),
]


def _pick(rnd, seq):
    return seq[int(rnd() * len(seq))]


class _Realistic:
    # Written for speed: a million orders should take well under a minute to write, so this
    # draws from random() alone and formats times by hand.

    def __init__(self, header: list[str], template: list[str], seed: int):
        self.col = {name: i for i, name in enumerate(header)}
        self.template = template
        self.random = random.Random(seed).random
        self.statuses = [s for s in _STATUSES for _ in range(s[1])]
        self.lines = [1] * 60 + [2] * 30 + [3] * 10
        self.quantities = [1] * 70 + [2] * 20 + [3] * 7 + [10] * 3
        self.catalogue = [(*p, round(float(p[2]) * 100)) for p in _CATALOGUE]

    def __call__(self, n: int, total: int) -> tuple[list[str], list[list[str]]]:
        rnd, col = self.random, self.col
        # Newest first, as the seller centre lists them: a day of Double 11, by the second.
        created = 10 * 86_400 + 86_399 - n * 86_400 // max(total, 1)
        # A 19-digit number, unique per n: an odd multiplier prime to 10 permutes 10**18.
        order_no = f"4{(n * 7_919_773 + 1_234_567) % 10**18:018d}"
        status, _w, paid, shipped, confirmed = _pick(rnd, self.statuses)
        first = int(rnd() * len(self.catalogue))
        count = _pick(rnd, self.lines)
        products = [self.catalogue[(first + 3 * k) % len(self.catalogue)] for k in range(count)]
        items, goods_cents = [], 0
        wrapped = f'="{order_no}"'
        for title, sku, price, properties, cents in products:
            quantity = _pick(rnd, self.quantities)
            goods_cents += cents * quantity
            items.append(
                [wrapped, title, price, str(quantity), "", properties, "", "", status, sku]
            )
        freight_cents = _pick(rnd, (0, 0, 0, 0, 0, 600, 800, 1000, 1200))
        discount = rnd()
        if discount < 0.25:  # a shop coupon
            coupon = min(_pick(rnd, (300, 500, 1000, 2000)), goods_cents // 2)
        elif discount < 0.35:  # 10% off
            coupon = goods_cents // 10
        else:
            coupon = 0
        paid_cents = goods_cents - coupon + freight_cents if paid else 0
        name = (
            _pick(rnd, _SURNAMES) + _pick(rnd, _GIVEN) + (_pick(rnd, _GIVEN) if rnd() < 0.6 else "")
        )
        province, city, district, postal = _pick(rnd, _REGIONS)
        street = f"{_pick(rnd, _STREETS)} {int(rnd() * 999) + 1}号"
        if rnd() < 0.3:
            street += f" {int(rnd() * 30) + 1}栋{int(rnd() * 2700) + 101}"
        address = f"{province} {city} {district} {street}"
        if rnd() < 0.9:
            address += f"({postal})"

        row = list(self.template)
        row[col["订单编号"]] = wrapped
        # Repeat buyers: a pool smaller than the orders.
        row[col["买家会员名"]] = f"tb{int(rnd() * max(total * 6 // 10, 1)):09d}"
        row[col["买家应付货款"]] = _money(goods_cents)
        row[col["买家应付邮费"]] = _money(freight_cents)
        row[col["总金额"]] = _money(goods_cents + freight_cents)
        row[col["买家实际支付金额"]] = _money(paid_cents)
        row[col["订单状态"]] = status
        row[col["买家留言"]] = _pick(rnd, _MESSAGES)
        row[col["收货人姓名"]] = name
        row[col["收货地址"]] = address
        row[col["联系手机"]] = f"'1{_pick(rnd, '3578')}{int(rnd() * 10**9):09d}"
        row[col["订单创建时间"]] = _when(created)
        row[col["订单付款时间"]] = _when(created + 5 + int(rnd() * 900)) if paid else ""
        row[col["宝贝标题"]] = "，".join(p[0] for p in products)
        row[col["宝贝种类"]] = str(count)
        row[col["宝贝总数量"]] = str(sum(int(item[3]) for item in items))
        if shipped:
            carrier = _pick(rnd, CARRIERS)
            digits = f"{int(rnd() * 10**13):013d}"
            waybill = "SF" + digits if carrier == "顺丰速运" else "7" + digits
            row[col["物流单号"]] = f"No:{waybill}"
            row[col["物流公司"]] = carrier
        else:
            row[col["物流单号"]] = row[col["物流公司"]] = ""
        row[col["订单备注"]] = "赠品已放" if rnd() < 0.05 else ""
        row[col["订单关闭原因"]] = "买家不想买了" if status == "交易关闭" else "订单未关闭"
        row[col["确认收货时间"]] = (
            _when(created + 3 * 86_400 + int(rnd() * 7 * 86_400)) if confirmed else ""
        )
        return row, items


def _when(seconds: int) -> str:
    """Seconds since 2026-11-01 00:00 (local) as the seller centre writes them; every time
    here falls within November."""
    day, rest = divmod(seconds, 86_400)
    hour, rest = divmod(rest, 3600)
    return f"2026-11-{day + 1:02d} {hour:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
