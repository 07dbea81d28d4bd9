"""The after-sales stories the demo tells: one per case, each a buyer's request and the steps
the team took on it, so every case's timeline comes from the real services.

A story only says what happened and roughly how long each step took; the generator picks the
order, the times (counting back from now) and the actors, and calls the services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aftersales.cases.models import Priority, Reason
from aftersales.demo.catalog import (
    CLAIMS,
    FASHION,
    HOME,
    NO_REASON_REFUSALS,
    NOT_INTACT_REFUSAL,
    OTHER,
)
from aftersales.returns.kinds import CaseKind
from aftersales.returns.models import Remedy

Params = dict[str, Any] | Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Step:
    """One thing done on a case, ``gap`` hours (low, high) after the one before.

    Besides the actions of ``case_act`` a step may be ``assign``, ``note``, ``approve``,
    ``reject``, ``settle_ok`` or ``settle_fail`` (the payment channel answering).
    """

    action: str
    gap: tuple[float, float]
    params: Params | None = None
    comment: str = ""


@dataclass(frozen=True)
class Story:
    shop: str
    kind: str
    reason: str
    skus: tuple[str, ...]  # the case line's product is one of these
    claims: tuple[str, ...]  # "{defect}" stands for what is wrong with that product
    steps: tuple[Step, ...]
    idle: tuple[float, float]  # hours from the last step to now
    # signed | unsigned (on its way; for a refusal, refused at the door) | unshipped
    order: str = "signed"
    sign_gap: tuple[float, float] = (10, 130)  # hours from the sign-in to the request
    line_qty: int | None = None
    case_qty: int | None = None
    requested: Callable[[Any], Decimal] | None = None
    assignee: str | None = "any"  # a username; "any" agent of the two; None: nobody yet
    insurance: bool = False
    refused_late: bool = False
    priority: int | None = None
    tag: str = ""
    extra_lines: bool = True


# --- the steps ----------------------------------------------------------------------------


def _ship_back(ctx) -> dict[str, Any]:
    return ctx.parcel(buyer=True)


def _ship_out(ctx) -> dict[str, Any]:
    return ctx.parcel(buyer=False)


AGREE = Step("agree", (0.3, 5))
SHIP_BACK = Step("buyer_ship", (6, 40), _ship_back)
RECEIVE = Step("receive", (20, 60), {"intact": True, "note": "包装完好，吊牌齐全，可二次销售"})
RECEIVE_DAMAGED = Step(
    "receive",
    (20, 60),
    {"intact": False, "note": "吊牌已剪，有明显穿着和洗涤痕迹"},
)
REFUND = Step("refund", (0.3, 6))
OK = Step("settle_ok", (0.05, 2))
FAIL = Step("settle_fail", (0.05, 1), comment="买家支付宝账户已注销，原路退回失败")
RETRY = Step("retry_refund", (3, 20), comment="买家已更换收款账户，重新发起退款")
ESCALATE = Step("escalate", (12, 60), comment="买家已在平台申请客服介入")
SHIP_REPLACEMENT = Step("ship_replacement", (2, 20), _ship_out)
BUYER_SIGN = Step("buyer_sign", (24, 72))
PARCEL_BACK = Step("parcel_back", (40, 90), {"note": "拒收件已退回，开箱核对：与买家反馈一致"})
PARCEL_BACK_OK = Step("parcel_back", (40, 90), {"note": "拒收件已退回，核对件数齐全、商品完好"})
DECIDE_RESHIP = Step("decide_reship", (0.5, 6), comment="与买家确认：补寄缺少的商品")
RESHIP = Step("reship", (4, 30), _ship_out)
CARRY_OUT = Step("carry_out", (0.2, 5))
APPROVE = Step("approve", (1, 10), comment="情况属实，同意按方案补偿")
REJECT = Step("reject", (1, 10), comment="金额偏高，请与买家再协商，控制在 30 元以内")


def _refuse(reason: str, gap: tuple[float, float] = (1, 12)) -> Step:
    return Step("refuse", gap, {"reason": reason})


def _cancel(comment: str = "买家撤销了申请", gap: tuple[float, float] = (2, 30)) -> Step:
    return Step("cancel", gap, {"reason": comment}, comment=comment)


def _decide(remedy: str, low: int, high: int, goods: str = "", goods_value: int = 0) -> Step:
    def params(ctx) -> dict[str, Any]:
        amount = ctx.whole_yuan(low, high) if high else Decimal("0.00")
        out = {"remedy": remedy, "amount": amount, "goods": goods}
        if goods_value:
            out["goods_value"] = Decimal(goods_value)
        return out

    return Step("decide", (0.5, 8), params)


def _note(text: str, gap: tuple[float, float] = (0.2, 3)) -> Step:
    return Step("note", gap, comment=text)


def _share(fraction: str) -> Callable[[Any], Decimal]:
    """The buyer asks for this part of what the case line was paid."""
    return lambda ctx: ctx.line_part(Decimal(fraction))


# --- the stories --------------------------------------------------------------------------

FASHION_RETURNABLE = ("NZK-27", "TX-01", "WY-03", "WJ-12", "WZ-10")
HOME_RETURNABLE = ("MT-15", "SJT-18", "ZT-02", "DD-01", "DR-12")
FASHION_ANY = (*FASHION_RETURNABLE, "MY-QC5", "ZZ-2611")
HOME_ANY = (*HOME_RETURNABLE, "BWB-500")  # fresh fruit has a story of its own

# Hours since the last step: how the inbox looks today.
FRESH = (1, 10)
DUE_SOON = (38, 45)  # a 48-hour response deadline a few hours away
OVERDUE = (62, 90)  # still past 48 hours when moved out of the small hours
DONE = (6, 200)


def _returnable(shop: str) -> tuple[str, ...]:
    return FASHION_RETURNABLE if shop == FASHION else HOME_RETURNABLE


def _any(shop: str) -> tuple[str, ...]:
    return FASHION_ANY if shop == FASHION else HOME_ANY


def _alternate(i: int) -> str:
    return (FASHION, HOME)[i % 2]


def _story(i: int, kind: str, reason: str, steps, idle, **kw) -> Story:
    shop = kw.pop("shop", _alternate(i))
    claim_kind = {
        CaseKind.REFUND_ONLY: "refund",
        CaseKind.RETURN_REFUND: "return",
    }.get(kind, kind)
    skus = kw.pop("skus", None)
    if skus is None:
        # A buyer's own reason is bounded by the seven-day rule, which excluded goods fail.
        buyers = reason in (Reason.NO_REASON, Reason.CHANGED_MIND, Reason.OTHER)
        skus = _returnable(shop) if buyers else _any(shop)
    return Story(
        shop=shop,
        kind=kind,
        reason=reason,
        skus=skus,
        claims=CLAIMS[(claim_kind, reason)],
        steps=tuple(steps),
        idle=idle,
        **kw,
    )


def refund_only_stories() -> list[Story]:
    k = CaseKind.REFUND_ONLY
    unshipped = {"order": "unshipped", "reason": Reason.CHANGED_MIND, "extra_lines": False}
    partial = {"requested": _share("0.30")}
    rows = [
        ([], FRESH, {**unshipped, "assignee": None}),
        ([], DUE_SOON, {"reason": Reason.NOT_AS_DESCRIBED, **partial, "assignee": "agent2"}),
        ([], OVERDUE, {"reason": Reason.DAMAGED, **partial, "assignee": None}),
        ([], FRESH, {"order": "unsigned", "reason": Reason.OTHER, "assignee": "agent"}),
        ([AGREE], (0.5, 5), unshipped),
        ([AGREE], (0.5, 5), {"reason": Reason.DAMAGED, **partial}),
        ([AGREE], (0.5, 5), {"reason": Reason.NOT_AS_DESCRIBED, **partial}),
        ([AGREE, OK], DONE, unshipped),
        ([AGREE, OK], DONE, unshipped),
        ([AGREE, OK], DONE, {"reason": Reason.DAMAGED, **partial}),
        ([AGREE, OK], DONE, {"reason": Reason.NOT_AS_DESCRIBED, **partial}),
        ([AGREE, OK], DONE, {"reason": Reason.DAMAGED, **partial}),
        ([AGREE, FAIL, RETRY, OK], DONE, unshipped),
        ([AGREE, FAIL, RETRY], (0.5, 3), {"reason": Reason.DAMAGED, **partial}),
        ([AGREE, FAIL], (1, 6), unshipped),
        (
            [_refuse("商品已发出，请签收后申请退货退款")],
            DONE,
            {"order": "unsigned", "reason": Reason.CHANGED_MIND, "extra_lines": False},
        ),
        ([_refuse(NO_REASON_REFUSALS[1])], DONE, {"reason": Reason.DAMAGED, **partial}),
        ([_refuse(NO_REASON_REFUSALS[1]), ESCALATE], DONE, {"reason": Reason.NOT_AS_DESCRIBED}),
        ([_cancel()], DONE, unshipped),
        (
            [_cancel("买家表示已收到，不需要退款了")],
            DONE,
            {"reason": Reason.OTHER, "order": "unsigned"},
        ),
    ]
    out = []
    for i, (steps, idle, kw) in enumerate(rows):
        kw = dict(kw)
        reason = kw.pop("reason")
        out.append(_story(i, k, reason, steps, idle, **kw))
    return out


def return_refund_stories() -> list[Story]:
    k = CaseKind.RETURN_REFUND
    nr, q = Reason.NO_REASON, Reason.QUALITY
    to_receive = [AGREE, SHIP_BACK, RECEIVE]
    clothes = {"shop": FASHION, "skus": ("NZK-27", "TX-01", "WY-03")}
    rows = [
        (nr, [], FRESH, {"assignee": None}),
        (nr, [], DUE_SOON, {"assignee": "agent2"}),
        (q, [], OVERDUE, {"assignee": None, "sign_gap": (30, 200)}),
        (Reason.WRONG_ITEM, [], FRESH, {"assignee": "agent"}),
        # Agreed: the buyer ships within 7 days of receiving the goods.
        (nr, [AGREE], (90, 100), {"sign_gap": (90, 100)}),  # overdue
        (nr, [AGREE], (18, 24), {"sign_gap": (120, 130)}),  # due within a day
        (nr, [AGREE], (2, 8), {"sign_gap": (10, 30), "insurance": True}),
        (Reason.NOT_AS_DESCRIBED, [AGREE], (3, 10), {"sign_gap": (10, 40)}),
        (nr, [AGREE, SHIP_BACK], (10, 40), {"insurance": True}),
        (q, [AGREE, SHIP_BACK], (10, 40), {}),
        (nr, [AGREE, SHIP_BACK], (10, 40), {}),
        (nr, to_receive, DUE_SOON, {}),
        (q, to_receive, OVERDUE, {}),
        (nr, to_receive, FRESH, {"insurance": True}),
        (nr, [*to_receive, REFUND], (0.5, 5), {}),
        (q, [*to_receive, REFUND], (0.5, 5), {"skus": ("DR-12",), "shop": HOME}),
        (Reason.WRONG_ITEM, [*to_receive, REFUND], (0.5, 5), {}),
        (nr, [*to_receive, REFUND, OK], DONE, {}),
        (nr, [*to_receive, REFUND, OK], DONE, {"insurance": True}),
        (q, [*to_receive, REFUND, OK], DONE, {}),
        (nr, [*to_receive, REFUND, OK], DONE, {}),
        (Reason.NOT_AS_DESCRIBED, [*to_receive, REFUND, OK], DONE, {}),
        (q, [*to_receive, REFUND, OK], DONE, {"skus": ("ZZ-2611",), "shop": FASHION}),
        (nr, [*to_receive, REFUND, FAIL, RETRY, OK], DONE, {}),
        (nr, [_refuse(NO_REASON_REFUSALS[0])], DONE, {}),
        # Clothes sent back worn, tags cut: refused, and one buyer takes it to the platform.
        (nr, [AGREE, SHIP_BACK, RECEIVE_DAMAGED, _refuse(NOT_INTACT_REFUSAL)], DONE, clothes),
        (
            nr,
            [AGREE, SHIP_BACK, RECEIVE_DAMAGED, _refuse(NOT_INTACT_REFUSAL), ESCALATE],
            DONE,
            {**clothes, "priority": Priority.HIGH},
        ),
        (nr, [_cancel()], DONE, {}),
        (nr, [AGREE, _cancel("买家决定留下商品，撤销退货")], DONE, {}),
    ]
    return [_story(i, k, r, s, idle, **kw) for i, (r, s, idle, kw) in enumerate(rows)]


def exchange_stories() -> list[Story]:
    k = CaseKind.EXCHANGE
    nr, q = Reason.NO_REASON, Reason.QUALITY
    f = {"shop": FASHION, "skus": ("NZK-27", "TX-01", "WY-03")}
    h = {"shop": HOME, "skus": ("MT-15", "SJT-18", "ZT-02")}
    to_receive = [AGREE, SHIP_BACK, RECEIVE]
    rows = [
        (nr, [], FRESH, {**f, "assignee": None}),
        (q, [], OVERDUE, {**h, "assignee": "agent2", "sign_gap": (30, 200)}),
        (nr, [], DUE_SOON, {**f, "assignee": "agent"}),
        (nr, [AGREE], (3, 20), f),
        (q, [AGREE], (3, 20), h),
        (nr, [AGREE, SHIP_BACK], (10, 40), f),
        (q, [AGREE, SHIP_BACK], (10, 40), f),
        (nr, to_receive, DUE_SOON, f),
        (q, to_receive, FRESH, h),
        (nr, [*to_receive, SHIP_REPLACEMENT], (10, 40), f),
        (q, [*to_receive, SHIP_REPLACEMENT], (10, 40), h),
        (nr, [*to_receive, SHIP_REPLACEMENT], (10, 40), f),
        (nr, [*to_receive, SHIP_REPLACEMENT, BUYER_SIGN], DONE, f),
        (q, [*to_receive, SHIP_REPLACEMENT, BUYER_SIGN], DONE, f),
        (nr, [*to_receive, SHIP_REPLACEMENT, BUYER_SIGN], DONE, h),
        (Reason.WRONG_ITEM, [*to_receive, SHIP_REPLACEMENT, BUYER_SIGN], DONE, f),
        (nr, [AGREE, SHIP_BACK, RECEIVE_DAMAGED, _refuse(NOT_INTACT_REFUSAL)], DONE, f),
        (
            nr,
            [AGREE, SHIP_BACK, RECEIVE_DAMAGED, _refuse(NOT_INTACT_REFUSAL), ESCALATE],
            DONE,
            {**f, "priority": Priority.HIGH},
        ),
        (nr, [_cancel("买家改为直接下单新尺码")], DONE, f),
    ]
    out = [_story(i, k, r, s, idle, **kw) for i, (r, s, idle, kw) in enumerate(rows)]
    # No stock for the replacement (the down jacket and the floor lamp are sold out): the
    # exchange is not agreed as one; it becomes a return and refund and goes on as that.
    convert = Step("convert_to_refund", (1, 8), comment="换货商品已无库存，与买家协商改为退货退款")
    for reason, steps, idle, shop, sku in (
        (nr, [convert, *to_receive, REFUND], (0.5, 5), FASHION, "YRF-09"),
        (q, [convert, *to_receive, REFUND, OK], DONE, HOME, "LD-07"),
    ):
        out.append(_story(0, k, reason, steps, idle, shop=shop, skus=(sku,), extra_lines=False))
    return out


def refusal_stories() -> list[Story]:
    k = CaseKind.REFUSAL
    sh, dm = Reason.SHORTAGE, Reason.DAMAGED
    u = {"order": "unsigned"}
    to_reship = [PARCEL_BACK, DECIDE_RESHIP]
    rows = [
        (sh, [], FRESH, {**u, "assignee": None}),
        (dm, [], DUE_SOON, {**u, "assignee": "agent2", "refused_late": True}),
        (sh, [], FRESH, {**u, "assignee": "agent"}),
        (sh, [PARCEL_BACK], DUE_SOON, u),
        (dm, [PARCEL_BACK], OVERDUE, u),
        (dm, [PARCEL_BACK, REFUND], (0.5, 5), u),
        (sh, [PARCEL_BACK, REFUND], (0.5, 5), u),
        (sh, to_reship, (170, 190), u),  # decided more than 3 working days ago
        (dm, to_reship, (40, 60), u),
        (sh, to_reship, (3, 20), u),
        (sh, [*to_reship, RESHIP], (10, 40), u),
        (dm, [*to_reship, RESHIP], (10, 40), u),
        (dm, [PARCEL_BACK, REFUND, OK], DONE, u),
        (sh, [*to_reship, RESHIP, BUYER_SIGN], DONE, u),
        (dm, [*to_reship, RESHIP, BUYER_SIGN], DONE, {**u, "refused_late": True}),
        (
            sh,
            [PARCEL_BACK_OK, _refuse("退回件核对齐全完好，非商家原因拒收，来回运费由买家承担")],
            DONE,
            u,
        ),
        (sh, [PARCEL_BACK_OK, _refuse("退回件核对齐全完好，不予补寄"), ESCALATE], DONE, u),
        (dm, [_cancel("买家联系快递重新派送，已签收")], DONE, u),
    ]
    return [_story(i, k, r, s, idle, **kw) for i, (r, s, idle, kw) in enumerate(rows)]


def compensation_stories() -> list[Story]:
    k = CaseKind.COMPENSATION
    sh, dm, q = Reason.SHORTAGE, Reason.DAMAGED, Reason.QUALITY
    cash_small = _decide(Remedy.CASH, 10, 30)
    cash_big = _decide(Remedy.CASH, 60, 120)
    refund_small = _decide(Remedy.REFUND, 10, 30)
    reship = _decide(Remedy.RESHIP, 0, 0)
    goods = _decide(Remedy.GOODS, 0, 0, goods="赠送同款地垫 1 块", goods_value=39)
    pricey = {"shop": HOME, "skus": ("SJT-18", "DR-12")}
    two = {"line_qty": 2, "case_qty": 1}
    rows = [
        (dm, [], FRESH, {"assignee": None}),
        (q, [], DUE_SOON, {"assignee": "agent2"}),
        (q, [cash_big, REJECT], (2, 20), {"assignee": "agent"}),
        (dm, [cash_big], (2, 30), {}),
        (q, [cash_big], (2, 30), {}),
        (dm, [cash_small], (1, 8), {}),
        (q, [_decide(Remedy.REFUND, 60, 90), APPROVE], (1, 8), pricey),
        (dm, [refund_small, CARRY_OUT], (0.5, 5), {}),
        (q, [refund_small, CARRY_OUT], (0.5, 5), {}),
        (sh, [reship, CARRY_OUT], (160, 180), two),  # reship overdue
        (sh, [reship, CARRY_OUT, RESHIP], (10, 40), two),
        (dm, [refund_small, CARRY_OUT, OK], DONE, {}),
        (sh, [reship, CARRY_OUT, RESHIP, BUYER_SIGN], DONE, two),
        (dm, [cash_small, CARRY_OUT], DONE, {}),
        (q, [cash_big, APPROVE, CARRY_OUT], DONE, pricey),
        (q, [goods, CARRY_OUT], DONE, {"shop": HOME, "skus": ("DD-01",)}),
        (q, [_refuse("买家描述的问题属正常使用磨损，不在补偿范围")], DONE, {}),
        (q, [_refuse("照片显示为人为损坏"), ESCALATE], DONE, {}),
        (dm, [_cancel("买家表示问题已自行解决")], DONE, {}),
    ]
    out = [_story(i, k, r, s, idle, **kw) for i, (r, s, idle, kw) in enumerate(rows)]
    # Rotten oranges: refund what was spoiled; fresh fruit never goes back to the warehouse.
    out.append(
        Story(
            shop=HOME,
            kind=k,
            reason=dm,
            skus=("SG-QC5",),
            claims=("收到的橙子有 3 个压烂了，其余还好，不想退了，退点钱吧",),
            steps=(_note("买家照片显示 3 个果子压烂，按比例退款"), refund_small, CARRY_OUT, OK),
            idle=DONE,
            sign_gap=(4, 20),
            extra_lines=False,
        )
    )
    # A custom engraving done wrong: the seller's fault, remade and sent again.
    out.append(
        Story(
            shop=HOME,
            kind=k,
            reason=Reason.WRONG_ITEM,
            skus=("BWB-500",),
            claims=("刻字刻错了，我留言的是“平安喜乐”，杯子上刻成了“平安快乐”",),
            steps=(_note("核对买家留言属实，安排重新刻字"), reship, CARRY_OUT, RESHIP),
            idle=(20, 50),
            extra_lines=False,
        )
    )
    return out


def worked_cases() -> list[Story]:
    """The two worked cases of the source: the missing sock and the jeans that lose colour."""
    socks = Story(
        shop=FASHION,
        kind=CaseKind.COMPENSATION,
        reason=Reason.SHORTAGE,
        skus=("WZ-10",),
        claims=("买的 10 双装袜子，拆开数了只有 19 只，少了一只，麻烦补发一只或者退一双的钱",),
        steps=(
            _note("已核对订单和打包记录：出库称重比标准轻 18 克，确认少装一只，补寄一双"),
            _decide(Remedy.RESHIP, 0, 0),
            CARRY_OUT,
        ),
        idle=(2, 6),
        sign_gap=(6, 30),
        line_qty=1,
        requested=lambda ctx: ctx.line_part(Decimal("0.1")),  # one pair of the ten
        extra_lines=False,
        priority=Priority.HIGH,
        assignee="agent",
        tag="socks",
    )
    jeans_claim = (
        "三周前买的这条牛仔裤，穿了几次一直掉色，按客服说的用盐水泡过也没用，"
        "还把我新买的米色帆布包染蓝了。要求退货退款，包的损失也请给个说法。"
    )
    jeans_return = Story(
        shop=FASHION,
        kind=CaseKind.RETURN_REFUND,
        reason=Reason.QUALITY,
        skus=("NZK-27",),
        claims=(jeans_claim,),
        steps=(
            _note("质量问题，不受七天无理由期限限制；退货运费由我方承担"),
            AGREE,
            SHIP_BACK,
        ),
        idle=(8, 14),
        sign_gap=(450, 480),  # signed some three weeks before the request
        line_qty=1,
        extra_lines=False,
        priority=Priority.HIGH,
        assignee="agent",
        tag="jeans-return",
    )
    jeans_bag = Story(
        shop=FASHION,
        kind=CaseKind.COMPENSATION,
        reason=Reason.QUALITY,
        skus=("NZK-27",),
        claims=("牛仔裤掉色把帆布包染了，包是 199 元买的，洗不掉了，希望赔偿。",),
        steps=(
            _note("买家提供了包的购买记录和染色照片，协商现金补偿 120 元"),
            Step("decide", (1, 4), {"remedy": Remedy.CASH, "amount": Decimal("120.00")}),
        ),
        idle=(1, 3),
        requested=lambda ctx: Decimal("199.00"),
        priority=Priority.HIGH,
        assignee="agent",
        tag="jeans-bag",
    )
    return [socks, jeans_return, jeans_bag]


def other_shop_stories() -> list[Story]:
    """A few cases of the third shop, so its own staff see a queue and ours see nothing."""
    base = {"shop": OTHER, "skus": ("HZ-03", "MKB-350"), "assignee": "outsider"}
    return [
        _story(
            0, CaseKind.REFUND_ONLY, Reason.DAMAGED, [], FRESH, requested=_share("0.50"), **base
        ),
        _story(1, CaseKind.RETURN_REFUND, Reason.NO_REASON, [AGREE], (3, 20), **base),
        _story(
            2,
            CaseKind.REFUND_ONLY,
            Reason.CHANGED_MIND,
            [AGREE, OK],
            DONE,
            order="unshipped",
            extra_lines=False,
            **base,
        ),
    ]


def all_stories() -> list[Story]:
    return [
        *worked_cases(),
        *refund_only_stories(),
        *return_refund_stories(),
        *exchange_stories(),
        *refusal_stories(),
        *compensation_stories(),
        *other_shop_stories(),
    ]
