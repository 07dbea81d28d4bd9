"""§1 tells the case core what it adds: its five kinds, their actions and how to open them.
Called once from ``ReturnsConfig.ready()``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from aftersales.cases.models import Case
from aftersales.cases.registry import (
    Action,
    ActionContext,
    Kind,
    NoParams,
    Opener,
    Outcome,
    registry,
)
from aftersales.core.money import ZERO, to_money
from aftersales.returns import forms, kinds, schemas
from aftersales.returns.kinds import CaseKind, CaseStatus
from aftersales.returns.models import RefundStatus, Remedy, ReturnDetail
from aftersales.returns.services.flows.actions import ACTIONS, buyer_message_queue
from aftersales.returns.services.flows.helpers import (
    _detail,
    _refunds_done,
    _stock_needed,
    _unreplaced_failures,
    refund_goods_default,
    stock_short,
)
from aftersales.returns.services.refunds import (
    case_return_freight_held,
    case_return_freight_owed,
)

MSG_SETTLED_OK = _("退款成功 ¥%(amount)s")
MSG_SETTLED_FAILED = _("退款失败 ¥%(amount)s")
MSG_REFUND_ISSUED = _("发起退款 ¥%(amount)s")

PARAMS: dict[str, type] = {
    "agree": schemas.AgreeParams,
    "refuse": schemas.RefuseParams,
    "cancel": schemas.RefuseParams,
    "buyer_ship": schemas.ShipParams,
    "ship_replacement": schemas.ShipParams,
    "reship": schemas.ShipParams,
    "receive": schemas.ReceiveParams,
    "parcel_back": schemas.ParcelBackParams,
    "refund": schemas.RefundParams,
    "retry_refund": schemas.RefundParams,
    "decide": schemas.DecideParams,
}

# Moved by services of their own: the approval decision and the refund ledger's settlement.
INTERNAL = frozenset({"approve", "reject", "refund_failed"})


def _run(name: str):
    handler = ACTIONS.get(name)

    def run(ctx: ActionContext) -> Outcome:
        # The handlers of §1 read their parameters by name; the schema has already checked
        # them, so what they read is typed and bounded.
        params = ctx.params.model_dump(exclude_none=True)
        result = handler(ctx.case, _detail(ctx.case), ctx.actor, ctx.now, params)
        to_status, changes, detail = result[:3]
        # A fourth element is what follows the move (an approval requested).
        then = result[3] if len(result) > 3 else None
        return Outcome(to_status=to_status, changes=changes, detail=detail, then=then)

    def internal(ctx: ActionContext) -> Outcome:  # pragma: no cover - never dispatched
        raise AssertionError(f"{name} is moved by its own service")

    return run if handler is not None else internal


MSG_CONFIRM_AGREE_REFUND = _("确认同意并向买家 %(buyer)s 退款 ¥%(amount)s？退款将立即发起。")
MSG_CONFIRM_AGREE_RETURN = _("确认同意？将把退货地址发给买家 %(buyer)s：%(address)s")
MSG_CONFIRM_REFUND = _(
    "确认向买家 %(buyer)s 发起退款？不填金额时退 ¥%(amount)s"
    "（其中卖家承担的退回运费 ¥%(freight)s）。退款发起后不能撤回。"
)
MSG_CONFIRM_RETRY = _("确认向买家 %(buyer)s 重新退款 ¥%(amount)s？")
MSG_CONFIRM_CARRY_REFUND = _("确认执行补偿：向买家 %(buyer)s 退款 ¥%(amount)s？")
MSG_CONFIRM_CARRY_CASH = _("确认执行补偿：向买家 %(buyer)s 支付现金 ¥%(amount)s？")
MSG_CONFIRM_CARRY_GOODS = _("确认执行补偿：向买家 %(buyer)s 寄送 %(goods)s？")
MSG_CONFIRM_CARRY_RESHIP = _("确认执行补偿：为买家 %(buyer)s 安排补寄？")


def _default_refund(case: Case) -> tuple[Any, Any]:
    """What a refund action with no amount would pay: the units' share and the return
    freight the seller bears."""
    freight = case_return_freight_owed(case.pk) - case_return_freight_held(case.pk)
    # The same rule the refund action applies: a refused parcel's whole quantity.
    return refund_goods_default(case), max(freight, ZERO)


def _confirm(name: str):
    """The question a money action asks, with the amount and the buyer."""
    static = kinds.ACTION_CONFIRMS.get(name)

    def ask(case: Case) -> str:
        buyer = case.order.buyer_nick
        detail = ReturnDetail.objects.filter(case=case).first()
        if name == "agree" and detail is not None:
            if case.kind == CaseKind.REFUND_ONLY:
                return str(
                    MSG_CONFIRM_AGREE_REFUND % {"buyer": buyer, "amount": detail.requested_amount}
                )
            address = detail.return_address or case.shop.return_address
            return str(MSG_CONFIRM_AGREE_RETURN % {"buyer": buyer, "address": address})
        if name in ("refund", "convert_to_refund"):
            units, freight = _default_refund(case)
            return str(
                MSG_CONFIRM_REFUND % {"buyer": buyer, "amount": units + freight, "freight": freight}
            )
        if name == "retry_refund":
            owed = sum(
                (r.amount + r.return_freight_amount for r in _unreplaced_failures(case)), ZERO
            )
            return str(MSG_CONFIRM_RETRY % {"buyer": buyer, "amount": owed})
        if name == "carry_out" and detail is not None:
            message = {
                Remedy.REFUND: MSG_CONFIRM_CARRY_REFUND,
                Remedy.CASH: MSG_CONFIRM_CARRY_CASH,
                Remedy.GOODS: MSG_CONFIRM_CARRY_GOODS,
                Remedy.RESHIP: MSG_CONFIRM_CARRY_RESHIP,
            }.get(detail.remedy)
            if message is not None:
                return str(
                    message
                    % {
                        "buyer": buyer,
                        "amount": detail.compensation_amount,
                        "goods": detail.compensation_goods,
                    }
                )
        return str(static or "")

    return (
        ask
        if name in ("agree", "refund", "convert_to_refund", "retry_refund", "carry_out")
        else static
    )


def _can_retry(case: Case) -> bool:
    return not case.refunds.filter(status=RefundStatus.PENDING).exists() and bool(
        _unreplaced_failures(case)
    )


def _replacement_in_stock(case: Case) -> bool:
    if case.kind != CaseKind.EXCHANGE:
        return True
    return not stock_short(shop_id=case.shop_id, needed=_stock_needed(case))


# Offered only when they can succeed now: completing by hand once every refund went through,
# retrying once a refund failed and nothing is pending, agreeing to an exchange and shipping
# its replacement while the replacement is in stock (else converting to a return is offered).
AVAILABLE = {
    "complete": _refunds_done,
    "retry_refund": _can_retry,
    "agree": _replacement_in_stock,
    "ship_replacement": _replacement_in_stock,
}


def _form(name: str):
    def build(case: Case, data: Any = None):
        return forms.action_form(name, case, data)

    return build


ACTION_SPECS = {
    name: Action(
        name=name,
        label=label,
        handler=_run(name),
        roles=kinds.ACTION_ROLES.get(name, kinds.AGENTS),
        params=PARAMS.get(name, NoParams),
        confirm=_confirm(name),
        internal=name in INTERNAL,
        form=_form(name),
        available=AVAILABLE.get(name),
    )
    for name, label in kinds.ACTION_LABELS.items()
}


def detail_context(case: Case) -> dict[str, Any]:
    """What the §1 panel of the case page shows."""
    return {
        "detail": getattr(case, "returns", None),
        "refunds": list(case.refunds.select_related("order_line").order_by("created_at")),
        "freight": list(case.freight.order_by("id")),
        "reship_lines": list(case.reship_lines.select_related("order_line").order_by("id")),
        "approvals": list(case.approvals.select_related("requested_by", "decided_by")),
        "pending": RefundStatus.PENDING,
    }


def detail_api(case: Case) -> dict[str, Any]:
    detail = ReturnDetail.objects.filter(case=case).first()
    if detail is None:
        return {}
    refunded = case.refunds.filter(status=RefundStatus.SUCCEEDED).aggregate(
        a=Sum("amount"), f=Sum("freight_amount")
    )
    return {
        "fault_party": detail.fault_party,
        "requested_amount": str(detail.requested_amount),
        "remedy": detail.remedy,
        "compensation_amount": str(detail.compensation_amount),
        "return_address": detail.return_address,
        "refuse_reason": detail.refuse_reason,
        "goods_intact": detail.goods_intact,
        "freight_insurance": detail.freight_insurance,
        "refunded": str(to_money(refunded["a"] or ZERO)),
        "freight": [
            {"leg": f.leg, "bearer": f.bearer, "amount": str(f.amount)}
            for f in case.freight.order_by("id")
        ],
    }


def describe_event(event) -> str:
    """The refund's outcome and amount under its settlement; the amounts of a decision."""
    after = event.after or {}
    if event.action == "refund_settled":
        amount = to_money(after.get("amount") or "0") + to_money(
            after.get("return_freight_amount") or "0"
        )
        if after.get("status") == RefundStatus.SUCCEEDED:
            return str(MSG_SETTLED_OK % {"amount": amount})
        return str(MSG_SETTLED_FAILED % {"amount": amount})
    if event.action in ("decide", "agree", "refund", "retry_refund", "carry_out") and after.get(
        "refunds"
    ):
        total = sum((to_money(a) for _pk, a in after["refunds"]), ZERO)
        return str(MSG_REFUND_ISSUED % {"amount": total})
    return ""


MSG_MESSAGE_SENT = _("买家消息")
MSG_MESSAGE_STATUS = _("（%(status)s）")


@dataclass
class _MessageItem:
    created_at: Any
    summary: str
    comment: str
    action: str = "buyer_message"
    actor: Any = None
    changes: tuple = ()
    from_status: str = ""
    to_status: str = ""
    label: str = ""


def timeline_items(case: Case) -> list[_MessageItem]:
    """The messages sent (or waiting to be sent) to the buyer, on the case's timeline."""
    return [
        _MessageItem(
            created_at=m.created_at,
            label=str(MSG_MESSAGE_SENT),
            summary=str(MSG_MESSAGE_STATUS % {"status": m.get_status_display()}),
            comment=m.body,
        )
        for m in case.messages.order_by("created_at", "id")
    ]


def _after_action(*, case: Case, action: str, detail: dict[str, Any], now) -> None:
    buyer_message_queue(case=case, action=action, after=detail, now=now)


def register() -> None:
    for kind in CaseKind:
        moves = tuple(kinds.MOVES[kind])
        used = {a for _s, a, _t in moves}
        reached = {kinds.INITIAL_STATUS} | {s for s, _a, _t in moves} | {t for _s, _a, t in moves}
        registry.register(
            Kind(
                code=kind.value,
                label=kind.label,
                area="returns",
                statuses={s.value: s.label for s in CaseStatus if s in reached},
                closed=frozenset(s.value for s in kinds.CLOSED_STATUSES if s in reached),
                initial=kinds.INITIAL_STATUS.value,
                moves=moves,
                actions={name: ACTION_SPECS[name] for name in sorted(used)},
                deadline_rules=kinds.DEADLINE_RULES,
                detail_template="returns/_case_detail.html",
                detail_context=detail_context,
                detail_api=detail_api,
                after_action=_after_action,
                event_labels=kinds.EVENT_LABELS,
                describe_event=describe_event,
                timeline_items=timeline_items,
                alert_statuses=frozenset({CaseStatus.REFUND_FAILED.value}) & reached,
                stages=kinds.STAGES[kind],
                inbox_amount=kinds.INBOX_AMOUNT,
                inbox_flag=("returns__refusal_reported_late", _("逾期报告")),
            )
        )
    from aftersales.returns.services.flows.opening import return_case_open_from

    registry.register_opener(
        Opener(
            kinds=tuple(k.value for k in CaseKind),
            schema=schemas.ReturnCaseIn,
            open=return_case_open_from,
            form=forms.NewCaseForm,
        )
    )
