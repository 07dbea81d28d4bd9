"""The courier area's demo records: each carrier's coverage of the far west (Tibet, Xinjiang,
Qinghai: not served, or served with limits), one outlet suspended in Hangzhou, a contingency
plan for every carrier and kind of problem, routes for the two demo shops, a few orders paid
this morning for far places — and a first run of the pre-ship sweep, so the order page shows
a routing decision and the pre-ship list has its flags (limited coverage, the primary carrier
passed over, no carrier at all, an address given as free text). Called by the demo once its
orders exist; a second call adds nothing."""

from __future__ import annotations

import datetime as dt

from aftersales.accounts.models import Shop
from aftersales.core.models import Carrier
from aftersales.core.workdays import shanghai_date
from aftersales.logistics.models import (
    ContingencyPlan,
    CoverageRule,
    OutletSuspension,
    PlanAction,
    ProblemKind,
    Route,
    RouteCarrier,
)
from aftersales.logistics.services.flags import sweep
from aftersales.orders.models import Order, OrderLine, OrderStatus

HOME = "暖暖家居旗舰店"
FASHION = "潮流服饰专营店"

XJ = "新疆维吾尔自治区"
TIBET = "西藏自治区"
QH = "青海省"

# (carrier code, province, city, district, coverage, note)
COVERAGE = (
    ("zto", TIBET, "", "", "none", "全境超区，转邮政发货"),
    ("zto", XJ, "", "", "limited", "时效 7-10 天，不送货上门，需到网点自提"),
    ("zto", XJ, "和田地区", "", "none", "无网点"),
    ("zto", QH, "", "", "limited", "只派送到县城"),
    ("yto", TIBET, "", "", "none", "全境超区"),
    ("yto", XJ, "和田地区", "", "none", "无网点"),
    ("yto", XJ, "喀什地区", "", "limited", "时效 7 天以上"),
    ("yto", QH, "玉树藏族自治州", "", "none", "无网点"),
    ("yd", TIBET, "", "", "none", "全境超区"),
    ("yd", XJ, "", "", "limited", "加收偏远附加费，时效 7-10 天"),
    ("yd", XJ, "乌鲁木齐市", "", "full", ""),
    ("sto", TIBET, "", "", "none", "全境超区"),
    ("sto", XJ, "", "", "none", "全境超区"),
    ("sto", XJ, "乌鲁木齐市", "", "full", ""),
    ("jt", TIBET, "", "", "none", "全境超区"),
    ("jt", XJ, "", "", "none", "全境超区"),
    ("jt", QH, "", "", "none", "全境超区"),
    ("sf", TIBET, "阿里地区", "", "limited", "时效 5-7 天，陆运转运"),
    ("sf", XJ, "和田地区", "于田县", "limited", "只到县城网点"),
)

# (carrier code): {problem kind: (action, note)}
_GENERIC = {
    ProblemKind.OUT_OF_AREA: (
        PlanAction.FORWARD,
        "转邮政 EMS 派送，运费由快递承担，时效加 3-5 天。",
    ),
    ProblemKind.BLIND_AREA: (
        PlanAction.DELIVER_OTHER,
        "放最近的驿站或合作网点，短信通知买家自提。",
    ),
    ProblemKind.STRANDED: (PlanAction.FORWARD, "转运中心改派相邻网点，48 小时内发出。"),
    ProblemKind.REFUSED: (PlanAction.RETURN_TO_SENDER, "拒收件 3 日内原路退回，退回运费按协议价。"),
    ProblemKind.RETURNING: (PlanAction.RETURN_TO_SENDER, "退回途中可拦截改派一次，需提供新地址。"),
}
PLAN_OVERRIDES = {
    "sf": {
        ProblemKind.OUT_OF_AREA: (PlanAction.DELIVER_OTHER, "顺丰自营陆运转运，不另收费。"),
        ProblemKind.BLIND_AREA: (PlanAction.DELIVER_OTHER, "顺丰站点代收，电话通知买家。"),
    },
    "post": {
        ProblemKind.OUT_OF_AREA: (PlanAction.DELIVER_OTHER, "邮政全国通达，乡镇邮局代投。"),
        ProblemKind.BLIND_AREA: (PlanAction.DELIVER_OTHER, "乡镇邮局代投或买家自取。"),
    },
    "jt": {
        ProblemKind.OUT_OF_AREA: (PlanAction.RETURN_TO_SENDER, "超区件不转寄，5 日内退回。"),
    },
}

# shop: [(province, city, [carrier codes in order])]; a blank province is the shop's default.
ROUTES = {
    FASHION: [
        ("", "", ["zto", "yto", "yd", "post"]),
        (XJ, "", ["zto", "yd", "post"]),
        (TIBET, "", ["sf", "post"]),
        ("浙江省", "杭州市", ["zto", "sto", "yto"]),
    ],
    HOME: [
        ("", "", ["yd", "zto", "sto", "post"]),
        (QH, "", ["zto", "post"]),
        ("广东省", "", ["jt", "yd", "zto"]),
        # No post office for Tibet: an order there has no carrier (the pre-ship list says so).
        (TIBET, "", ["zto", "yto", "yd"]),
    ],
}


# Orders paid this morning and not yet shipped, to places the carriers find hard to reach:
# (shop, order no., buyer, province, city, district, street). One gives its whole address as
# free text in the street, as some exports do.
FAR_ORDERS = (
    (
        FASHION,
        "4926111400000000001",
        "tb阿里羊倌",
        TIBET,
        "阿里地区",
        "改则县",
        "改则镇商业街 3 号",
    ),
    (FASHION, "4926111400000000002", "tb于田小马", XJ, "和田地区", "于田县", "加依乡 12 号"),
    (FASHION, "4926111400000000003", "tb西湖边", "浙江省", "杭州市", "西湖区", "文三路 90 号"),
    (HOME, "4926111400000000004", "tb喀什古城", "", "", "", "新疆喀什地区喀什市人民东路 8 号"),
    (HOME, "4926111400000000005", "tb玉树格桑", QH, "玉树藏族自治州", "玉树市", "结古镇 6 号"),
    (HOME, "4926111400000000006", "tb拉萨卓玛", TIBET, "拉萨市", "城关区", "北京中路 20 号"),
)


def _far_orders(shops: dict[str, Shop], now: dt.datetime) -> int:
    """Copies of one of the shop's order lines, sent to far places; paid two hours ago."""
    made = 0
    for n, (shop_name, order_no, nick, province, city, district, street) in enumerate(FAR_ORDERS):
        shop = shops.get(shop_name)
        template = OrderLine.objects.filter(order__shop=shop, quantity=1).order_by("pk").first()
        if shop is None or template is None:
            continue
        created_at = now - dt.timedelta(hours=3, minutes=7 * n)
        order, created = Order.objects.get_or_create(
            shop=shop,
            order_no=order_no,
            defaults={
                "buyer_nick": nick,
                "receiver_name": nick.removeprefix("tb")[:2],
                "receiver_phone": f"1399100{n:04d}",
                "province": province,
                "city": city,
                "district": district,
                "street": street,
                "status": OrderStatus.WAIT_SELLER_SEND,
                "goods_total": template.unit_price,
                "freight_paid": 0,
                "amount_paid": template.amount_paid,
                "created_at": created_at,
                "paid_at": created_at + dt.timedelta(minutes=2),
            },
        )
        if created:
            OrderLine.objects.create(
                order=order,
                line_no=1,
                title=template.title,
                sku_code=template.sku_code,
                sku_properties=template.sku_properties,
                unit_price=template.unit_price,
                quantity=1,
                amount_paid=template.amount_paid,
                seven_day_eligible=template.seven_day_eligible,
                seven_day_exclusion=template.seven_day_exclusion,
                seven_day_exclusion_note=template.seven_day_exclusion_note,
                warranty_months=template.warranty_months,
            )
            made += 1
    return made


def load(*, now: dt.datetime) -> str:
    carriers = {c.code: c for c in Carrier.objects.all()}
    shops = {s.name: s for s in Shop.objects.filter(name__in=(HOME, FASHION))}
    if not shops or Route.objects.filter(shop__in=shops.values()).exists():
        return "logistics: nothing to do (no demo shops, or their routes exist)"
    rules = [
        CoverageRule(
            carrier=carriers[code],
            province=p,
            city=c,
            district=d,
            coverage=coverage,
            note=note,
            updated_at=now,
        )
        for code, p, c, d, coverage, note in COVERAGE
        if code in carriers
    ]
    CoverageRule.objects.bulk_create(rules, ignore_conflicts=True)
    today = shanghai_date(now)
    suspensions = 0
    if "zto" in carriers:
        _s, created = OutletSuspension.objects.get_or_create(
            carrier=carriers["zto"],
            outlet="中通杭州西湖网点",
            starts_on=today - dt.timedelta(days=1),
            defaults={
                "province": "浙江省",
                "city": "杭州市",
                "district": "西湖区",
                "ends_on": today + dt.timedelta(days=3),
                "note": "网点整改，临时停派",
                "updated_at": now,
            },
        )
        suspensions += created
    plans = [
        ContingencyPlan(
            carrier=carrier,
            problem_kind=kind,
            action=PLAN_OVERRIDES.get(code, {}).get(kind, _GENERIC[kind])[0],
            note=PLAN_OVERRIDES.get(code, {}).get(kind, _GENERIC[kind])[1],
            updated_at=now,
        )
        for code, carrier in carriers.items()
        for kind in ProblemKind
    ]
    ContingencyPlan.objects.bulk_create(plans, ignore_conflicts=True)
    routes = 0
    for shop_name, entries in ROUTES.items():
        shop = shops.get(shop_name)
        if shop is None:
            continue
        for province, city, codes in entries:
            route = Route.objects.create(
                shop=shop, province=province, city=city, district="", updated_at=now
            )
            RouteCarrier.objects.bulk_create(
                RouteCarrier(route=route, position=n, carrier=carriers[code])
                for n, code in enumerate((c for c in codes if c in carriers), 1)
            )
            routes += 1
    orders = _far_orders(shops, now)
    result = sweep(now=now)
    return (
        f"logistics: {len(rules)} coverage rules, {suspensions} outlet suspension, "
        f"{len(plans)} contingency plans, {routes} routes, {orders} orders awaiting shipment "
        f"to far places, {result.raised} pre-ship flags"
    )
