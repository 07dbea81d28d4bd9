"""Each kind of §1 through case_act, from return_case_open to its end, with the side records."""

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.approvals.models import Approval, ApprovalKind, ApprovalStatus
from aftersales.approvals.selectors import approval_rule_for
from aftersales.approvals.services import approval_decide
from aftersales.cases import workflows
from aftersales.cases.models import Case, CaseEvent, CaseLine
from aftersales.core.errors import (
    ConcurrentChange,
    DomainError,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from aftersales.core.models import WorkdayOverride
from aftersales.orders.models import Product, Shipment
from aftersales.returns import services as flows
from aftersales.returns.kinds import CaseKind, CaseStatus
from aftersales.returns.models import FreightCharge, Refund, RefundStatus, ReturnDetail
from aftersales.returns.services import refund_settle
from tests.factories import ProductFactory, ShipmentFactory
from tests.returns.factories import (
    NOW,
    SIGNED_AT,
    WINDOW_END,
    act,
    case_open,
    last_event,
    order_build,
    reloaded,
    sh,
    written,
)

D = Decimal
T1 = sh(2026, 11, 14, 10, 0)
T2 = sh(2026, 11, 15, 11, 0)
T3 = sh(2026, 11, 17, 15, 0)
T4 = sh(2026, 11, 17, 16, 0)
T5 = sh(2026, 11, 18, 9, 0)
SHORTS = {"title": "运动短裤", "sku_code": "DK-1", "quantity": 5, "amount_paid": D("50.00")}


def actions_of(case):
    return list(CaseEvent.objects.filter(case_id=case.pk).values_list("action", flat=True))


def freight_of(case):
    return {
        leg: (bearer, amount)
        for leg, bearer, amount in FreightCharge.objects.filter(case_id=case.pk).values_list(
            "leg", "bearer", "amount"
        )
    }


def refunds_of(case):
    return list(Refund.objects.filter(case_id=case.pk).order_by("order_line__line_no", "amount"))


def settle_all(case, now, succeeded=True):
    for refund in Refund.objects.filter(case_id=case.pk, status=RefundStatus.PENDING):
        refund_settle(actor=None, refund_id=refund.pk, succeeded=succeeded, now=now)


def _return_case(shop, agent, *, reason="no_reason", qty=2, kind="return_refund", **extra):
    order, lines = order_build(shop=shop, **extra)
    case = case_open(order=order, lines=[(lines[0], qty)], kind=kind, reason=reason, actor=agent)
    return case, lines[0]


def _to_received(case, agent, warehouse, *, line, qty, intact=True):
    act(case, "agree", agent, T1)
    act(case, "buyer_ship", agent, T2, carrier="yto", waybill_no="YT0001", freight="12.00")
    act(case, "receive", warehouse, T3, received={str(line.pk): qty}, intact=intact)


# --- return and refund ----------------------------------------------------------------------


def test_return_and_refund_from_request_to_completed(shop, agent, warehouse):
    case, line = _return_case(shop, agent)

    case = reloaded(case)
    assert case.status == CaseStatus.REQUESTED
    assert case.due_at == NOW + dt.timedelta(hours=48)
    assert case.due_rule == "response_48h"
    detail = ReturnDetail.objects.get(case=case)
    assert detail.fault_party == "buyer"
    assert detail.requested_amount == D("19.80")
    assert freight_of(case) == {"outbound": ("seller", D("0.00")), "return": ("buyer", D("0.00"))}

    act(case, "agree", agent, T1)
    case = reloaded(case)
    assert case.status == CaseStatus.AWAITING_RETURN
    detail.refresh_from_db()
    assert detail.return_address == shop.return_address
    assert detail.decided_at == T1
    # Seven days after the goods were received (signed for), not after the agreement.
    assert case.due_at == SIGNED_AT + dt.timedelta(days=7)
    assert case.due_rule == "ship_back_7d"
    assert last_event(case).after["return_address"] == shop.return_address

    act(case, "buyer_ship", agent, T2, carrier="yto", waybill_no=" YT0001 ", freight="12.00")
    case = reloaded(case)
    assert case.status == CaseStatus.RETURN_SHIPPED
    assert case.due_at is None
    shipment = Shipment.objects.get(case=case)
    assert shipment.direction == "return"
    assert shipment.order_id == case.order_id
    assert shipment.carrier.code == "yto"
    assert shipment.waybill_no == "YT0001"
    assert shipment.shipped_at == T2
    assert shipment.freight == D("12.00")
    assert freight_of(case)["return"] == ("buyer", D("12.00"))
    assert last_event(case).after == {
        "status": "return_shipped",
        "is_open": True,
        "due_at": None,
        "due_rule": "",
        "carrier": "圆通速递",
        "waybill_no": "YT0001",
        "shipment": shipment.pk,
    }

    act(case, "receive", warehouse, T3, received={str(line.pk): 2}, intact=True, note="完好")
    case = reloaded(case)
    assert case.status == CaseStatus.RECEIVED
    assert case.due_at == T3 + dt.timedelta(hours=48)
    assert CaseLine.objects.get(case=case).received_quantity == 2
    detail.refresh_from_db()
    assert detail.goods_intact is True
    assert detail.inspection_note == "完好"
    assert last_event(case).actor == warehouse

    act(case, "refund", agent, T4)
    case = reloaded(case)
    assert case.status == CaseStatus.REFUNDING
    [refund] = refunds_of(case)
    assert refund.order_line_id == line.pk
    assert refund.amount == D("19.80")
    assert refund.freight_amount == D("0.00")
    assert refund.status == RefundStatus.PENDING
    assert refund.created_by == agent
    assert refund.created_at == T4
    assert last_event(case).after["refunds"] == [[str(refund.pk), "19.80"]]

    refund_settle(actor=None, refund_id=refund.pk, succeeded=True, now=T5)
    case = reloaded(case)
    assert case.status == CaseStatus.COMPLETED
    assert case.is_open is False
    assert case.closed_at == T5
    assert case.due_at is None
    assert case.version == 6
    detail.refresh_from_db()
    assert detail.carried_out_at == T5
    event = last_event(case)
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "complete",
        None,
        "refunding",
        "completed",
    )
    assert actions_of(case) == [
        "create",
        "agree",
        "buyer_ship",
        "receive",
        "refund",
        "refund_settled",
        "complete",
    ]


def test_agree_takes_a_return_address_given_by_the_agent(shop, agent):
    case, _line = _return_case(shop, agent)

    act(case, "agree", agent, T1, return_address="上海市 闵行区 退货仓")

    assert ReturnDetail.objects.get(case=case).return_address == "上海市 闵行区 退货仓"


def test_refund_is_split_across_lines_by_what_came_back(shop, agent, warehouse):
    order, (socks, shorts) = order_build(shop=shop, lines=[{}, SHORTS])
    case = case_open(
        order=order,
        lines=[(socks, 2), (shorts, 1)],
        kind="return_refund",
        reason="quality",
        actor=agent,
    )
    act(case, "agree", agent, T1)
    act(case, "buyer_ship", agent, T2, carrier="yto", waybill_no="YT0001")
    act(case, "receive", warehouse, T3, received={socks.pk: 1, shorts.pk: 1}, intact=True)

    act(case, "refund", agent, T4)

    assert [(r.order_line_id, r.amount) for r in refunds_of(case)] == [
        (socks.pk, D("9.90")),
        (shorts.pk, D("10.00")),
    ]


def test_refund_of_a_chosen_amount_is_split_to_the_cent(shop, agent, warehouse):
    order, (socks, shorts) = order_build(shop=shop, lines=[{}, SHORTS])
    case = case_open(
        order=order,
        lines=[(socks, 1), (shorts, 1)],
        kind="return_refund",
        reason="quality",
        actor=agent,
    )
    act(case, "agree", agent, T1)
    act(case, "buyer_ship", agent, T2, carrier="yto", waybill_no="YT0001")
    act(case, "receive", warehouse, T3, intact=True)

    act(case, "refund", agent, T4, amount="15.00")

    assert [r.amount for r in refunds_of(case)] == [D("7.46"), D("7.54")]


def test_refund_of_more_than_the_returned_goods_is_refused(shop, agent, warehouse):
    order, (socks, shorts) = order_build(shop=shop, lines=[{}, SHORTS])
    case = case_open(
        order=order,
        lines=[(socks, 1), (shorts, 1)],
        kind="return_refund",
        reason="quality",
        actor=agent,
    )
    act(case, "agree", agent, T1)
    act(case, "buyer_ship", agent, T2, carrier="yto", waybill_no="YT0001")
    act(case, "receive", warehouse, T3, intact=True)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "refund", agent, T4, amount="19.91")

    assert exc.value.code == "refund_exceeds_case"
    assert exc.value.field == "amount"
    assert written(case) == before


@pytest.mark.parametrize("amount", ["0", "-5", "abc"])
def test_refund_of_a_bad_amount_is_refused(shop, agent, warehouse, amount):
    case, line = _return_case(shop, agent)
    _to_received(case, agent, warehouse, line=line, qty=2)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "refund", agent, T4, amount=amount)

    assert exc.value.field == "amount"
    assert written(case) == before


def test_refuse_at_request_needs_a_reason(shop, agent):
    case, _line = _return_case(shop, agent)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "refuse", agent, T1, reason="  ")

    assert (exc.value.field, exc.value.code, exc.value.status) == ("reason", "required", 422)
    assert str(exc.value) == "参数“reason”无效：不能为空。"
    assert written(case) == before


def test_refuse_at_request_with_a_reason_closes_the_case(shop, agent):
    case, _line = _return_case(shop, agent)

    act(case, "refuse", agent, T1, reason="已超出七天")

    case = reloaded(case)
    assert case.status == CaseStatus.REFUSED
    assert case.is_open is False
    assert case.closed_at == T1
    assert case.due_at is None
    assert ReturnDetail.objects.get(case=case).refuse_reason == "已超出七天"
    assert last_event(case).after["reason"] == "已超出七天"


def test_goods_back_not_intact_refused_then_escalated_to_a_dispute(shop, agent, warehouse):
    case, line = _return_case(shop, agent)
    _to_received(case, agent, warehouse, line=line, qty=2, intact=False)
    assert ReturnDetail.objects.get(case=case).goods_intact is False

    act(case, "refuse", agent, T4, reason="商品已洗涤，影响二次销售")
    assert reloaded(case).status == CaseStatus.REFUSED

    act(case, "escalate", agent, T5)

    case = reloaded(case)
    assert case.status == CaseStatus.DISPUTED
    assert case.is_open is False
    assert case.closed_at == T4
    assert actions_of(case)[-2:] == ["refuse", "escalate"]


def test_cancel_while_awaiting_the_return(shop, agent):
    case, _line = _return_case(shop, agent)
    act(case, "agree", agent, T1)

    act(case, "cancel", agent, T2, reason="买家撤回申请")

    case = reloaded(case)
    assert case.status == CaseStatus.CANCELLED
    assert last_event(case).after["reason"] == "买家撤回申请"
    assert case.is_open is False
    assert case.due_at is None


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"waybill_no": "YT1"}, "carrier", "required"),
        ({"carrier": "sf", "waybill_no": "YT1"}, "carrier", "invalid"),
        ({"carrier": "yto"}, "waybill_no", "required"),
        ({"carrier": "yto", "waybill_no": "YT1", "freight": "十二"}, "freight", "invalid_amount"),
    ],
)
def test_buyer_ship_refuses_what_is_missing(shop, agent, params, field, code):
    case, _line = _return_case(shop, agent)
    act(case, "agree", agent, T1)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "buyer_ship", agent, T2, **params)

    assert (exc.value.field, exc.value.code) == (field, code)
    assert written(case) == before


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"carrier": "yto", "waybill_no": "Y" * 41}, "waybill_no", "too_long"),
        ({"carrier": "yto", "waybill_no": "YT1", "freight": "-1"}, "freight", "out_of_range"),
        ({"carrier": "yto", "waybill_no": "YT1", "freight": "1e10"}, "freight", "invalid_amount"),
        ({"carrier": "yto", "waybill_no": "YT1", "freight": "NaN"}, "freight", "invalid_amount"),
    ],
)
def test_buyer_ship_refuses_what_the_records_cannot_hold(shop, agent, params, field, code):
    case, _line = _return_case(shop, agent)
    act(case, "agree", agent, T1)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "buyer_ship", agent, T2, **params)

    assert (exc.value.field, exc.value.code) == (field, code)
    assert written(case) == before


def test_agree_refuses_a_return_address_longer_than_the_record(shop, agent):
    case, _line = _return_case(shop, agent)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "agree", agent, T1, return_address="地" * 256)

    assert (exc.value.field, exc.value.code) == ("return_address", "too_long")
    assert written(case) == before


@pytest.mark.parametrize("received", ["all", [2], 2])
def test_receive_refuses_quantities_that_are_not_per_line(shop, agent, warehouse, received):
    case, _line = _return_case(shop, agent)
    act(case, "agree", agent, T1)
    act(case, "buyer_ship", agent, T2, carrier="yto", waybill_no="YT1")
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "receive", warehouse, T3, received=received, intact=True)

    assert (exc.value.field, exc.value.code) == ("received", "invalid")
    assert written(case) == before


def test_decide_refuses_an_amount_the_records_cannot_hold(shop, agent):
    case, _line = _compensation(shop, agent)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "decide", agent, T1, remedy="cash", amount="10000000000")

    assert (exc.value.field, exc.value.code) == ("amount", "invalid_amount")
    assert written(case) == before


@pytest.mark.parametrize("qty", [3, -1, "两"])
def test_receive_refuses_a_quantity_it_cannot_take(shop, agent, warehouse, qty):
    case, line = _return_case(shop, agent)
    act(case, "agree", agent, T1)
    act(case, "buyer_ship", agent, T2, carrier="yto", waybill_no="YT1")
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "receive", warehouse, T3, received={str(line.pk): qty}, intact=True)

    assert exc.value.field == f"received.{line.pk}"
    assert written(case) == before


def test_an_action_the_status_does_not_offer_writes_nothing(shop, agent):
    case, _line = _return_case(shop, agent)
    before = written(case)

    with pytest.raises(TransitionNotAllowed) as exc:
        act(case, "refund", agent, T1)

    assert str(exc.value) == workflows.MSG_NOT_ALLOWED % {"status": "待处理", "action": "退款"}
    assert written(case) == before


def test_escalate_is_only_for_a_refused_case(shop, agent):
    case, _line = _return_case(shop, agent)
    before = written(case)

    with pytest.raises(TransitionNotAllowed):
        act(case, "escalate", agent, T1)

    assert written(case) == before


def test_an_unknown_action_is_refused(shop, agent):
    case, _line = _return_case(shop, agent)
    before = written(case)

    with pytest.raises(TransitionNotAllowed) as exc:
        act(case, "teleport", agent, T1)

    assert exc.value.code == "unknown_action"
    assert written(case) == before


def test_a_stale_version_through_case_act_writes_nothing(shop, agent):
    case, _line = _return_case(shop, agent)
    act(case, "agree", agent, T1)
    before = written(case)

    with pytest.raises(ConcurrentChange):
        flows.case_act(
            case_id=case.pk,
            action="cancel",
            actor=agent,
            now=T2,
            expected_version=1,
            params={},
        )

    assert written(case) == before


@pytest.mark.parametrize("reason", ["no_reason", "changed_mind", "other"])
def test_a_return_for_the_buyers_reason_without_a_sign_in_is_refused(shop, agent, reason):
    order, lines = order_build(shop=shop, signed_at=None)

    with pytest.raises(DomainError) as exc:
        case_open(
            order=order, lines=[(lines[0], 1)], kind="return_refund", reason=reason, actor=agent
        )

    assert exc.value.code == "not_signed"
    assert Case.objects.count() == 0


@pytest.mark.parametrize("kind", ["return_refund", "exchange"])
@pytest.mark.parametrize(
    "reason", ["quality", "damaged", "shortage", "wrong_item", "not_as_described"]
)
def test_a_return_for_the_sellers_fault_is_never_refused_for_a_missing_sign_in(
    shop, agent, kind, reason
):
    order, lines = order_build(shop=shop, signed_at=None)

    case = case_open(order=order, lines=[(lines[0], 1)], kind=kind, reason=reason, actor=agent)

    assert case.status == CaseStatus.REQUESTED


@pytest.mark.parametrize(("kind", "reason"), [("repair", "quality"), ("refund_only", "bored")])
def test_open_refuses_an_unknown_kind_or_reason(shop, agent, kind, reason):
    order, lines = order_build(shop=shop)

    with pytest.raises(DomainError) as exc:
        case_open(order=order, lines=[(lines[0], 1)], kind=kind, reason=reason, actor=agent)

    assert exc.value.field in {"kind", "reason"}
    assert Case.objects.count() == 0


# --- refund only ----------------------------------------------------------------------------


def test_refund_only_from_request_to_completed(shop, agent):
    order, lines = order_build(shop=shop)
    case = case_open(
        order=order,
        lines=[(lines[0], 10)],
        kind="refund_only",
        reason="not_as_described",
        actor=agent,
        requested_amount=D("30.00"),
    )
    assert ReturnDetail.objects.get(case=case).fault_party == "seller"

    act(case, "agree", agent, T1)

    case = reloaded(case)
    assert case.status == CaseStatus.REFUNDING
    assert case.due_at is None
    [refund] = refunds_of(case)
    assert (refund.amount, refund.status) == (D("30.00"), RefundStatus.PENDING)
    assert ReturnDetail.objects.get(case=case).decided_at == T1

    refund_settle(actor=None, refund_id=refund.pk, succeeded=True, now=T2)

    assert reloaded(case).status == CaseStatus.COMPLETED
    assert actions_of(case) == ["create", "agree", "refund_settled", "complete"]


def test_refund_only_before_sign_in_is_allowed(shop, agent):
    order, lines = order_build(shop=shop, signed_at=None)
    case = case_open(
        order=order, lines=[(lines[0], 10)], kind="refund_only", reason="no_reason", actor=agent
    )

    act(case, "agree", agent, T1, amount="99.00")

    assert [r.amount for r in refunds_of(case)] == [D("99.00")]


def test_refund_only_agreed_for_a_chosen_amount(shop, agent):
    order, lines = order_build(shop=shop)
    case = case_open(
        order=order, lines=[(lines[0], 10)], kind="refund_only", reason="damaged", actor=agent
    )

    act(case, "agree", agent, T1, amount="20.00")

    assert [r.amount for r in refunds_of(case)] == [D("20.00")]


def test_refund_only_request_above_the_lines_is_refused_at_opening(shop, agent):
    order, lines = order_build(shop=shop)

    with pytest.raises(DomainError) as exc:
        case_open(
            order=order,
            lines=[(lines[0], 1)],
            kind="refund_only",
            reason="damaged",
            actor=agent,
            requested_amount=D("9.91"),
        )

    assert exc.value.field == "requested_amount"
    assert exc.value.code == "refund_exceeds_case"
    assert Case.objects.count() == 0


def test_failed_refund_is_retried_then_completes(shop, agent):
    order, lines = order_build(shop=shop)
    case = case_open(
        order=order, lines=[(lines[0], 10)], kind="refund_only", reason="damaged", actor=agent
    )
    act(case, "agree", agent, T1)
    [first] = refunds_of(case)

    refund_settle(
        actor=None, refund_id=first.pk, succeeded=False, now=T2, failure_reason="账户异常"
    )

    case = reloaded(case)
    # Back in a queue with a day to act, never left "refunding".
    assert case.status == CaseStatus.REFUND_FAILED
    assert (case.due_at, case.due_rule, case.is_open) == (
        T2 + dt.timedelta(hours=24),
        "refund_failed_24h",
        True,
    )
    event = last_event(case)
    assert (event.action, event.actor, event.to_status) == ("refund_failed", None, "refund_failed")
    settled = case.events.get(action="refund_settled")
    assert settled.after["status"] == "failed"
    assert settled.comment == "账户异常"
    assert Refund.objects.get(pk=first.pk).failure_reason == "账户异常"

    act(case, "retry_refund", agent, T3)
    assert (reloaded(case).status, reloaded(case).due_at) == (CaseStatus.REFUNDING, None)

    second = Refund.objects.get(case=case, status=RefundStatus.PENDING)
    assert second.pk != first.pk
    assert second.amount == D("99.00")
    assert second.idempotency_key != first.idempotency_key
    refund_settle(actor=None, refund_id=second.pk, succeeded=True, now=T4)
    assert reloaded(case).status == CaseStatus.COMPLETED


def test_retry_while_a_refund_is_pending_is_refused(shop, agent):
    order, lines = order_build(shop=shop)
    case = case_open(
        order=order, lines=[(lines[0], 10)], kind="refund_only", reason="damaged", actor=agent
    )
    act(case, "agree", agent, T1)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "retry_refund", agent, T2)

    # Retrying is offered only once a refund has failed and nothing is pending.
    assert exc.value.code == "transition_not_allowed"
    assert written(case) == before


def test_complete_by_hand_while_a_refund_is_pending_is_refused(shop, agent):
    order, lines = order_build(shop=shop)
    case = case_open(
        order=order, lines=[(lines[0], 10)], kind="refund_only", reason="damaged", actor=agent
    )
    act(case, "agree", agent, T1)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "complete", agent, T2)

    assert exc.value.code == "refund_not_done"
    assert written(case) == before


def _two_line_refund(shop, agent):
    order, (socks, shorts) = order_build(shop=shop, lines=[{}, SHORTS])
    case = case_open(
        order=order,
        lines=[(socks, 10), (shorts, 5)],
        kind="refund_only",
        reason="damaged",
        actor=agent,
    )
    act(case, "agree", agent, T1)
    by_line = {r.order_line_id: r for r in refunds_of(case)}
    return case, by_line[socks.pk], by_line[shorts.pk]


def test_one_line_failing_keeps_the_case_refunding(shop, agent):
    case, socks_refund, shorts_refund = _two_line_refund(shop, agent)

    refund_settle(actor=None, refund_id=socks_refund.pk, succeeded=True, now=T2)
    refund_settle(actor=None, refund_id=shorts_refund.pk, succeeded=False, now=T2)

    case = reloaded(case)
    assert case.status == CaseStatus.REFUND_FAILED
    assert case.is_open is True
    assert last_event(case).action == "refund_failed"


def test_complete_by_hand_with_a_failed_refund_not_retried_is_refused(shop, agent):
    case, socks_refund, shorts_refund = _two_line_refund(shop, agent)
    refund_settle(actor=None, refund_id=socks_refund.pk, succeeded=True, now=T2)
    refund_settle(actor=None, refund_id=shorts_refund.pk, succeeded=False, now=T2)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "complete", agent, T3)

    # The failed refund put the case in "refund failed", where only a retry is offered.
    assert exc.value.code == "transition_not_allowed"
    assert written(case) == before


def test_retry_reissues_only_the_failed_line(shop, agent):
    case, socks_refund, shorts_refund = _two_line_refund(shop, agent)
    refund_settle(actor=None, refund_id=socks_refund.pk, succeeded=True, now=T2)
    refund_settle(actor=None, refund_id=shorts_refund.pk, succeeded=False, now=T2)

    act(case, "retry_refund", agent, T3)

    retried = Refund.objects.get(case=case, status=RefundStatus.PENDING)
    assert (retried.order_line_id, retried.amount) == (shorts_refund.order_line_id, D("50.00"))
    refund_settle(actor=None, refund_id=retried.pk, succeeded=False, now=T4)
    assert reloaded(case).status == CaseStatus.REFUND_FAILED

    act(case, "retry_refund", agent, T4)

    again = Refund.objects.get(case=case, status=RefundStatus.PENDING)
    assert (again.order_line_id, again.amount) == (shorts_refund.order_line_id, D("50.00"))
    refund_settle(actor=None, refund_id=again.pk, succeeded=True, now=T5)
    case = reloaded(case)
    assert case.status == CaseStatus.COMPLETED
    succeeded = Refund.objects.filter(case=case, status=RefundStatus.SUCCEEDED)
    assert sorted(r.amount for r in succeeded) == [D("50.00"), D("99.00")]


def test_retry_for_a_smaller_amount(shop, agent):
    case, socks_refund, shorts_refund = _two_line_refund(shop, agent)
    refund_settle(actor=None, refund_id=socks_refund.pk, succeeded=True, now=T2)
    refund_settle(actor=None, refund_id=shorts_refund.pk, succeeded=False, now=T2)

    act(case, "retry_refund", agent, T3, amount="30.00")

    retried = Refund.objects.get(case=case, status=RefundStatus.PENDING)
    assert (retried.order_line_id, retried.amount) == (shorts_refund.order_line_id, D("30.00"))


def test_retry_for_more_than_failed_is_refused(shop, agent):
    case, socks_refund, shorts_refund = _two_line_refund(shop, agent)
    refund_settle(actor=None, refund_id=socks_refund.pk, succeeded=True, now=T2)
    refund_settle(actor=None, refund_id=shorts_refund.pk, succeeded=False, now=T2)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "retry_refund", agent, T3, amount="50.01")

    assert exc.value.code == "refund_exceeds_case"
    assert written(case) == before


# --- exchange -------------------------------------------------------------------------------


def _exchange(shop, agent, warehouse, *, stock, reason="changed_mind"):
    ProductFactory(shop=shop, sku_code="WZ-10", title="袜子", stock=stock)
    case, line = _return_case(shop, agent, kind="exchange", reason=reason)
    _to_received(case, agent, warehouse, line=line, qty=2)
    return case, line


def test_exchange_from_request_to_completed(shop, agent, warehouse):
    case, _line = _exchange(shop, agent, warehouse, stock=5)
    assert reloaded(case).status == CaseStatus.RECEIVED

    act(case, "ship_replacement", warehouse, T4, carrier="yto", waybill_no="YT2", freight="8")

    case = reloaded(case)
    assert case.status == CaseStatus.REPLACEMENT_SHIPPED
    assert Product.objects.get(shop=shop, sku_code="WZ-10").stock == 3
    replacement = Shipment.objects.get(case=case, direction="replacement")
    assert (replacement.waybill_no, replacement.freight, replacement.shipped_at) == (
        "YT2",
        D("8.00"),
        T4,
    )
    # A buyer's own reason: the buyer pays both legs of the exchange.
    assert freight_of(case) == {
        "outbound": ("seller", D("0.00")),
        "return": ("buyer", D("12.00")),
        "reship": ("buyer", D("8.00")),
    }
    assert Refund.objects.filter(case=case).count() == 0

    act(case, "buyer_sign", agent, T5)

    case = reloaded(case)
    assert case.status == CaseStatus.COMPLETED
    assert case.closed_at == T5
    assert ReturnDetail.objects.get(case=case).carried_out_at == T5
    assert actions_of(case) == [
        "create",
        "agree",
        "buyer_ship",
        "receive",
        "ship_replacement",
        "buyer_sign",
    ]


def test_exchange_for_a_wrong_item_is_at_the_sellers_cost(shop, agent, warehouse):
    case, _line = _exchange(shop, agent, warehouse, stock=5, reason="wrong_item")

    act(case, "ship_replacement", warehouse, T4, carrier="yto", waybill_no="YT2", freight="8")

    assert freight_of(case) == {
        "outbound": ("seller", D("0.00")),
        "return": ("seller", D("12.00")),
        "reship": ("seller", D("8.00")),
    }


def test_exchange_without_stock_is_refused_then_turned_into_a_refund(shop, agent, warehouse):
    case, line = _exchange(shop, agent, warehouse, stock=2)
    # Sold elsewhere after the agreement: one left when the replacement is to ship.
    Product.objects.filter(shop=shop, sku_code="WZ-10").update(stock=1)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "ship_replacement", warehouse, T4, carrier="yto", waybill_no="YT2")

    assert exc.value.code == "no_stock"
    assert exc.value.field == "stock"
    assert str(exc.value) == flows.MSG_NO_STOCK % {"title": line.title, "stock": 1}
    assert written(case) == before

    act(case, "convert_to_refund", agent, T4)

    case = reloaded(case)
    assert case.kind == CaseKind.RETURN_REFUND
    assert case.status == CaseStatus.REFUNDING
    assert [r.amount for r in refunds_of(case)] == [D("19.80")]
    assert Product.objects.get(shop=shop, sku_code="WZ-10").stock == 1
    event = last_event(case)
    assert event.action == "convert_to_refund"
    assert (event.before["kind"], event.after["kind"]) == ("exchange", "return_refund")

    settle_all(case, T5)

    assert reloaded(case).status == CaseStatus.COMPLETED


def test_an_exchange_is_not_agreed_without_stock_for_the_replacement(shop, agent):
    # The shop keeps no stock of the socks: agreeing would promise what cannot ship.
    case, _line = _return_case(shop, agent, kind="exchange")
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "agree", agent, T1)

    assert (exc.value.code, exc.value.field) == ("no_stock", "stock")
    assert written(case) == before


@pytest.mark.parametrize("steps", [0, 1, 2], ids=["requested", "awaiting", "shipped"])
def test_an_exchange_converts_to_a_return_at_any_step_before_the_replacement(shop, agent, steps):
    ProductFactory(shop=shop, sku_code="WZ-10", title="袜子", stock=5)
    case, _line = _return_case(shop, agent, kind="exchange")
    if steps >= 1:
        act(case, "agree", agent, T1)
    if steps >= 2:
        act(case, "buyer_ship", agent, T2, carrier="yto", waybill_no="YT1")
    status = reloaded(case).status

    act(case, "convert_to_refund", agent, T3)

    case = reloaded(case)
    # The case goes on as a return from where it was; nothing is refunded before the goods
    # are back.
    assert (case.kind, case.status) == (CaseKind.RETURN_REFUND, status)
    assert refunds_of(case) == []


def test_an_exchange_records_the_sku_the_buyer_wants_instead(shop, agent):
    ProductFactory(shop=shop, sku_code="WZ-10-BLK", title="袜子 黑色", stock=5)
    order, lines = order_build(shop=shop)

    case = case_open(
        order=order,
        lines=[(lines[0], 2)],
        kind="exchange",
        reason="changed_mind",
        actor=agent,
        exchange_sku="WZ-10-BLK",
    )

    assert ReturnDetail.objects.get(case=case).exchange_sku == "WZ-10-BLK"
    with pytest.raises(DomainError) as exc:
        case_open(
            order=order,
            lines=[(lines[0], 2)],
            kind="exchange",
            reason="changed_mind",
            actor=agent,
            exchange_sku="NOPE-1",
        )
    assert (exc.value.code, exc.value.field) == ("unknown_sku", "exchange_sku")


def test_exchange_of_two_lines_of_one_product_counts_their_sum(shop, agent, warehouse):
    ProductFactory(shop=shop, sku_code="WZ-10", stock=3)
    order, (a, b) = order_build(shop=shop, lines=[{}, {"sku_properties": "颜色:白"}])
    case = case_open(
        order=order, lines=[(a, 2), (b, 2)], kind="exchange", reason="changed_mind", actor=agent
    )
    before = written(case)

    # Two lines of one merchant code need 4; 3 are in stock.
    with pytest.raises(DomainError) as exc:
        act(case, "agree", agent, T1)

    assert exc.value.code == "no_stock"
    assert written(case) == before


def test_an_agent_cannot_ship_the_replacement(shop, agent, warehouse):
    case, _line = _exchange(shop, agent, warehouse, stock=5)
    before = written(case)

    with pytest.raises(PermissionDeniedError):
        act(case, "ship_replacement", agent, T4, carrier="yto", waybill_no="YT2")

    assert written(case) == before


# --- refusal at delivery --------------------------------------------------------------------


def _refusal(shop, agent, *, refused_at, reason="shortage", now=NOW):
    order, lines = order_build(shop=shop, signed_at=None)
    case = case_open(
        order=order,
        lines=[(lines[0], 10)],
        kind="refusal",
        reason=reason,
        actor=agent,
        refused_at=refused_at,
        now=now,
    )
    return case, lines[0]


@pytest.mark.parametrize(
    ("hours", "late"), [(25, True), (24, False), (1, False)], ids=["25h", "24h", "1h"]
)
def test_refusal_reported_late_or_in_time(shop, agent, hours, late):
    refused_at = NOW - dt.timedelta(hours=hours)

    case, _line = _refusal(shop, agent, refused_at=refused_at)

    event = CaseEvent.objects.get(case=case, action="refusal_reported")
    assert event.after == {"refused_at": refused_at.isoformat(), "reported_late": late}
    assert event.actor == agent
    assert ReturnDetail.objects.get(case=case).refused_at == refused_at


def test_a_refused_parcel_is_always_at_the_sellers_cost(shop, agent):
    case, _line = _refusal(shop, agent, refused_at=NOW, reason="changed_mind")

    assert ReturnDetail.objects.get(case=case).fault_party == "seller"
    assert freight_of(case)["return"] == ("seller", D("0.00"))


def test_refusal_parcel_back_then_reshipped_and_signed(shop, agent, warehouse):
    case, line = _refusal(shop, agent, refused_at=NOW - dt.timedelta(hours=2))

    act(case, "parcel_back", warehouse, T1, received={str(line.pk): 9}, note="少一双")
    case = reloaded(case)
    assert case.status == CaseStatus.PARCEL_RETURNED
    assert CaseLine.objects.get(case=case).received_quantity == 9
    assert ReturnDetail.objects.get(case=case).inspection_note == "少一双"
    assert case.due_at == T1 + dt.timedelta(hours=48)

    act(case, "decide_reship", agent, T2)
    case = reloaded(case)
    assert case.status == CaseStatus.RESHIPPING
    assert case.due_rule == "reship_3_workdays"
    assert ReturnDetail.objects.get(case=case).remedy == "reship"

    act(case, "reship", warehouse, T3, carrier="yto", waybill_no="YT3", freight="10.00")
    case = reloaded(case)
    assert case.status == CaseStatus.RESHIPPED
    assert case.due_at is None
    reship = Shipment.objects.get(case=case, direction="reship")
    assert (reship.waybill_no, reship.freight) == ("YT3", D("10.00"))
    assert freight_of(case)["reship"] == ("seller", D("10.00"))
    assert ReturnDetail.objects.get(case=case).carried_out_at == T3

    act(case, "buyer_sign", agent, T5)
    assert reloaded(case).status == CaseStatus.COMPLETED
    assert actions_of(case) == [
        "create",
        "refusal_reported",
        "parcel_back",
        "decide_reship",
        "reship",
        "buyer_sign",
    ]


def test_refusal_parcel_back_then_refunded(shop, agent, warehouse):
    case, line = _refusal(shop, agent, refused_at=NOW)
    act(case, "parcel_back", agent, T1, received={str(line.pk): 10})

    act(case, "refund", agent, T2)

    assert [r.amount for r in refunds_of(case)] == [D("99.00")]
    settle_all(case, T3)
    assert reloaded(case).status == CaseStatus.COMPLETED


@pytest.mark.parametrize(
    ("decided_at", "due_at"),
    [
        # Wed 30 Sep, 00:30 in Shanghai (still 29 Sep in UTC): National Day runs 1-7 Oct, and
        # Sat 10 Oct is a make-up working day, so the three are 8, 9 and 10 Oct.
        (sh(2026, 9, 30, 0, 30), sh(2026, 10, 11, 0, 0)),
        # Thu 30 Apr 23:30: Labour Day runs 1-5 May; 6, 7 and 8 May.
        (sh(2026, 4, 30, 23, 30), sh(2026, 5, 9, 0, 0)),
        # Wed 6 May: 7, 8 and the make-up Saturday 9 May.
        (sh(2026, 5, 6, 15, 0), sh(2026, 5, 10, 0, 0)),
        # Fri 13 Nov, an ordinary week: Mon 16, Tue 17, Wed 18.
        (sh(2026, 11, 13, 18, 0), sh(2026, 11, 19, 0, 0)),
    ],
)
def test_decide_reship_is_due_by_the_end_of_the_third_working_day(
    shop, agent, warehouse, decided_at, due_at
):
    case, line = _refusal(shop, agent, refused_at=decided_at - dt.timedelta(days=2))
    act(case, "parcel_back", warehouse, decided_at - dt.timedelta(hours=1))

    act(case, "decide_reship", agent, decided_at)

    assert reloaded(case).due_at == due_at
    assert ReturnDetail.objects.get(case=case).decided_at == decided_at


def test_decide_reship_follows_the_administrators_override(shop, agent, warehouse):
    # Mon 16 Nov declared a day off: Tue 17, Wed 18, Thu 19.
    WorkdayOverride.objects.create(date=dt.date(2026, 11, 16), is_workday=False, note="店休")
    case, _line = _refusal(shop, agent, refused_at=NOW)
    act(case, "parcel_back", warehouse, T1)

    act(case, "decide_reship", agent, sh(2026, 11, 13, 18, 0))

    assert reloaded(case).due_at == sh(2026, 11, 20, 0, 0)


def test_reship_is_the_warehouses(shop, agent, warehouse):
    case, _line = _refusal(shop, agent, refused_at=NOW)
    act(case, "parcel_back", warehouse, T1)
    act(case, "decide_reship", agent, T2)
    before = written(case)

    with pytest.raises(PermissionDeniedError):
        act(case, "reship", agent, T3, carrier="yto", waybill_no="YT3")

    assert written(case) == before


# --- compensation ---------------------------------------------------------------------------


def _compensation(shop, agent, *, qty=1, reason="damaged"):
    order, lines = order_build(shop=shop)
    case = case_open(
        order=order, lines=[(lines[0], qty)], kind="compensation", reason=reason, actor=agent
    )
    return case, lines[0]


def test_compensation_above_the_threshold_goes_through_approval(shop, agent, supervisor):
    case, _line = _compensation(shop, agent)

    act(case, "decide", agent, T1, remedy="cash", amount="60.00")

    case = reloaded(case)
    assert case.status == CaseStatus.AWAITING_APPROVAL
    approval = Approval.objects.get(case=case)
    assert approval.kind == ApprovalKind.COMPENSATION
    assert approval.status == ApprovalStatus.PENDING
    assert approval.amount == D("60.00")
    assert approval.requested_by == agent
    assert approval.requested_at == T1
    detail = ReturnDetail.objects.get(case=case)
    assert (detail.remedy, detail.compensation_amount, detail.decided_at) == ("cash", 60, T1)

    approval_decide(approval_id=approval.pk, actor=supervisor, approve=True, comment="同意", now=T2)

    case = reloaded(case)
    assert case.status == CaseStatus.APPROVED
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    assert (approval.decided_by, approval.decided_at, approval.comment) == (supervisor, T2, "同意")
    event = last_event(case)
    assert (event.action, event.actor, event.comment) == ("approve", supervisor, "同意")
    assert event.after["approval"] == approval.pk

    act(case, "carry_out", agent, T3)

    case = reloaded(case)
    assert case.status == CaseStatus.COMPLETED
    assert ReturnDetail.objects.get(case=case).carried_out_at == T3
    assert last_event(case).after["amount"] == "60.00"
    assert Refund.objects.filter(case=case).count() == 0
    assert actions_of(case) == [
        "create",
        "decide",
        "approval_requested",
        "approval_approved",
        "approve",
        "carry_out",
    ]


def test_the_requester_cannot_approve_their_own_compensation(shop, supervisor):
    case, _line = _compensation(shop, supervisor)
    act(case, "decide", supervisor, T1, remedy="cash", amount="80.00")
    approval = Approval.objects.get(case=case)
    before = written(case)

    with pytest.raises(PermissionDeniedError) as exc:
        approval_decide(approval_id=approval.pk, actor=supervisor, approve=True, comment="", now=T2)

    assert exc.value.code == "own_approval"
    assert str(exc.value) == flows.MSG_OWN_APPROVAL
    assert written(case) == before


def test_an_agent_cannot_approve(shop, agent, agent2):
    case, _line = _compensation(shop, agent)
    act(case, "decide", agent, T1, remedy="cash", amount="80.00")
    approval = Approval.objects.get(case=case)
    before = written(case)

    with pytest.raises(PermissionDeniedError) as exc:
        approval_decide(approval_id=approval.pk, actor=agent2, approve=True, comment="", now=T2)

    assert exc.value.code == "permission_denied"
    assert written(case) == before


def test_a_rejected_compensation_goes_back_to_the_agent(shop, agent, supervisor):
    case, _line = _compensation(shop, agent)
    act(case, "decide", agent, T1, remedy="cash", amount="80.00")
    approval = Approval.objects.get(case=case)

    approval_decide(
        approval_id=approval.pk, actor=supervisor, approve=False, comment="太高", now=T2
    )

    case = reloaded(case)
    assert case.status == CaseStatus.REQUESTED
    assert case.is_open is True
    assert case.due_at == T2 + dt.timedelta(hours=48)
    assert case.due_rule == "response_48h"
    approval.refresh_from_db()
    assert (approval.status, approval.comment) == (ApprovalStatus.REJECTED, "太高")
    assert last_event(case).action == "reject"

    act(case, "decide", agent, T3, remedy="cash", amount="30.00")

    assert reloaded(case).status == CaseStatus.APPROVED
    assert Approval.objects.filter(case=case).count() == 1


def test_an_approval_is_decided_once(shop, agent, supervisor):
    case, _line = _compensation(shop, agent)
    act(case, "decide", agent, T1, remedy="cash", amount="80.00")
    approval = Approval.objects.get(case=case)
    approval_decide(approval_id=approval.pk, actor=supervisor, approve=True, comment="", now=T2)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        approval_decide(
            approval_id=approval.pk, actor=supervisor, approve=False, comment="", now=T3
        )

    assert exc.value.code == "approval_decided"
    assert written(case) == before


def test_compensation_at_exactly_the_threshold_needs_no_approval(shop, agent):
    # Every shop's default rule: above 50.00 a supervisor approves.
    assert approval_rule_for(
        shop_id=shop.pk, case_kind="compensation", cost=D("50.01")
    ).threshold == D("50.00")
    case, _line = _compensation(shop, agent)

    act(case, "decide", agent, T1, remedy="cash", amount="50.00")

    assert reloaded(case).status == CaseStatus.APPROVED
    assert Approval.objects.filter(case=case).count() == 0


def test_compensation_by_refund_goes_through_the_ledger(shop, agent):
    case, line = _compensation(shop, agent)
    act(case, "decide", agent, T1, remedy="refund", amount="5.00")
    assert reloaded(case).status == CaseStatus.APPROVED

    act(case, "carry_out", agent, T2)

    case = reloaded(case)
    assert case.status == CaseStatus.REFUNDING
    [refund] = refunds_of(case)
    assert (refund.order_line_id, refund.amount) == (line.pk, D("5.00"))
    settle_all(case, T3)
    assert reloaded(case).status == CaseStatus.COMPLETED


def test_compensation_by_refund_of_more_than_the_lines_is_refused(shop, agent):
    # One pair of ten paid 99.00 is 9.90; the rest of the line is not this case's to refund.
    case, _line = _compensation(shop, agent, qty=1)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "decide", agent, T1, remedy="refund", amount="9.91")

    assert exc.value.code == "refund_exceeds_case"
    assert exc.value.field == "amount"
    assert written(case) == before


def test_compensation_by_reship(shop, agent, warehouse):
    case, _line = _compensation(shop, agent, reason="shortage")
    act(case, "decide", agent, T1, remedy="reship")
    assert Approval.objects.filter(case=case).count() == 0

    act(case, "carry_out", agent, sh(2026, 11, 13, 18, 0))

    case = reloaded(case)
    assert case.status == CaseStatus.RESHIPPING
    assert case.due_at == sh(2026, 11, 19, 0, 0)
    act(case, "reship", warehouse, T3, carrier="yto", waybill_no="YT3", freight="6")
    act(case, "buyer_sign", agent, T5)
    assert reloaded(case).status == CaseStatus.COMPLETED
    assert freight_of(case)["reship"] == ("seller", D("6.00"))


def test_compensation_in_goods(shop, agent):
    case, _line = _compensation(shop, agent)

    act(case, "decide", agent, T1, remedy="goods", goods="同款袜子 1 双", goods_value="9.90")
    act(case, "carry_out", agent, T2)

    assert reloaded(case).status == CaseStatus.COMPLETED
    detail = ReturnDetail.objects.get(case=case)
    assert (detail.compensation_goods, detail.compensation_cost) == ("同款袜子 1 双", D("9.90"))


def test_compensation_in_goods_needs_their_value(shop, agent):
    case, _line = _compensation(shop, agent)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "decide", agent, T1, remedy="goods", goods="同款袜子 1 双")

    assert (exc.value.field, exc.value.code) == ("goods_value", "required")
    assert written(case) == before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "remedy"),
        ({"remedy": "hug"}, "remedy"),
        ({"remedy": "cash"}, "amount"),
        ({"remedy": "cash", "amount": "0"}, "amount"),
        ({"remedy": "refund", "amount": "-1"}, "amount"),
        ({"remedy": "goods", "goods": " "}, "goods"),
    ],
)
def test_decide_refuses_an_incomplete_remedy(shop, agent, params, field):
    case, _line = _compensation(shop, agent)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "decide", agent, T1, **params)

    assert exc.value.field == field
    assert written(case) == before


# --- the seven-day no-reason rule -----------------------------------------------------------


def _open_no_reason(shop, agent, now, *, line_spec=None, reason="no_reason", **sign):
    order, lines = order_build(shop=shop, lines=[line_spec or {}], **sign)
    return case_open(
        order=order,
        lines=[(lines[0], 1)],
        kind="return_refund",
        reason=reason,
        actor=agent,
        now=now,
    )


def test_no_reason_return_a_second_before_the_end_of_the_window_is_allowed(shop, agent):
    case = _open_no_reason(shop, agent, WINDOW_END - dt.timedelta(seconds=1))

    assert reloaded(case).status == CaseStatus.REQUESTED


def test_no_reason_return_at_exactly_168_hours_is_refused_naming_the_end(shop, agent):
    with pytest.raises(DomainError) as exc:
        _open_no_reason(shop, agent, WINDOW_END)

    assert exc.value.code == "window_closed"
    assert exc.value.field == "reason"
    assert str(exc.value) == flows.MSG_WINDOW_CLOSED % {
        "title": "男士中筒袜子 10双装",
        "end": "2026-11-19 10:00",
    }
    assert Case.objects.count() == 0
    assert CaseEvent.objects.count() == 0


def test_no_reason_window_from_a_sign_in_date_ends_168_hours_after_next_midnight(shop, agent):
    end = sh(2026, 11, 20, 0, 0)
    signed = {"signed_on": dt.date(2026, 11, 12)}

    _open_no_reason(shop, agent, end - dt.timedelta(seconds=1), **signed)
    with pytest.raises(DomainError) as exc:
        # 00:00 of the eighth day: outside.
        _open_no_reason(shop, agent, end, **signed)

    assert exc.value.code == "window_closed"
    assert "2026-11-20 00:00" in str(exc.value)
    assert Case.objects.count() == 1


def test_no_reason_window_runs_from_the_latest_sign_in_of_the_order(shop, agent):
    # Two parcels: one signed for on a date only (window ends 20 Nov 00:00), one signed for
    # exactly on 15 Nov 10:00 (window ends 22 Nov 10:00). The later one decides, on every
    # database (PostgreSQL sorts the missing time of the first one ahead of the other).
    order, lines = order_build(shop=shop, signed_at=sh(2026, 11, 15, 10, 0))
    ShipmentFactory(order=order, sign_precision="date", signed_on=dt.date(2026, 11, 12))

    case = case_open(
        order=order,
        lines=[(lines[0], 1)],
        kind="return_refund",
        reason="no_reason",
        actor=agent,
        now=sh(2026, 11, 21, 12, 0),
    )

    assert reloaded(case).status == CaseStatus.REQUESTED


def test_a_periodical_has_no_no_reason_return(shop, agent):
    periodical = {
        "title": "读者 2026年第22期",
        "seven_day_eligible": False,
        "seven_day_exclusion": "periodical",
    }

    with pytest.raises(DomainError) as exc:
        _open_no_reason(shop, agent, NOW, line_spec=periodical)

    assert exc.value.code == "line_excluded"
    assert exc.value.field == "reason"
    assert str(exc.value) == "“读者 2026年第22期”不支持七天无理由退换货（报纸、期刊）。"
    assert Case.objects.count() == 0


def test_a_line_the_shop_marked_ineligible_gives_its_note(shop, agent):
    marked = {
        "title": "定制刻字钢笔",
        "seven_day_eligible": False,
        "seven_day_exclusion": "shop_marked",
        "seven_day_exclusion_note": "已刻字",
    }

    with pytest.raises(DomainError) as exc:
        _open_no_reason(shop, agent, NOW, line_spec=marked)

    assert (
        str(exc.value) == "“定制刻字钢笔”不支持七天无理由退换货（店铺在售时标注不支持：已刻字）。"
    )


def test_a_quality_problem_after_the_window_is_accepted(shop, agent):
    case = _open_no_reason(shop, agent, WINDOW_END + dt.timedelta(days=30), reason="quality")

    assert reloaded(case).status == CaseStatus.REQUESTED
    assert ReturnDetail.objects.get(case=case).fault_party == "seller"


def test_a_change_of_mind_after_the_window_is_refused_like_no_reason(shop, agent):
    with pytest.raises(DomainError) as exc:
        _open_no_reason(shop, agent, WINDOW_END + dt.timedelta(seconds=1), reason="changed_mind")

    assert exc.value.code == "window_closed"
    assert Case.objects.count() == 0


def test_a_periodical_returned_for_a_change_of_mind_is_refused(shop, agent):
    periodical = {"seven_day_eligible": False, "seven_day_exclusion": "periodical"}

    with pytest.raises(DomainError) as exc:
        _open_no_reason(shop, agent, NOW, line_spec=periodical, reason="changed_mind")

    assert exc.value.code == "line_excluded"


def test_a_quality_return_agreed_after_the_window_gives_the_buyer_seven_days(shop, agent):
    agreed = WINDOW_END + dt.timedelta(days=30)
    case = _open_no_reason(shop, agent, agreed, reason="quality")

    act(case, "agree", agent, agreed)

    case = reloaded(case)
    assert case.status == CaseStatus.AWAITING_RETURN
    assert case.due_at == agreed + dt.timedelta(days=7)


def test_a_quality_problem_with_a_periodical_is_accepted(shop, agent):
    periodical = {"seven_day_eligible": False, "seven_day_exclusion": "periodical"}

    case = _open_no_reason(shop, agent, NOW, line_spec=periodical, reason="quality")

    assert reloaded(case).status == CaseStatus.REQUESTED


# --- who pays the freight --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "freight_paid", "insurance", "expected"),
    [
        # The seller at fault bears every leg.
        ("quality", D("10.00"), False, {"outbound": "seller", "return": "seller"}),
        ("quality", D("0.00"), True, {"outbound": "seller", "return": "seller"}),
        # A buyer's own reason on free-shipping goods: each side its own leg.
        ("no_reason", D("0.00"), False, {"outbound": "seller", "return": "buyer"}),
        # A buyer's own reason, freight paid by the buyer: both legs the buyer's.
        ("changed_mind", D("10.00"), False, {"outbound": "buyer", "return": "buyer"}),
        # Return-freight insurance carries the buyer's return leg.
        ("no_reason", D("0.00"), True, {"outbound": "seller", "return": "insurance"}),
    ],
)
def test_freight_legs_and_who_bears_them(shop, agent, reason, freight_paid, insurance, expected):
    order, lines = order_build(shop=shop, freight_paid=freight_paid)
    case = case_open(
        order=order,
        lines=[(lines[0], 2)],
        kind="return_refund",
        reason=reason,
        actor=agent,
        freight_insurance=insurance,
    )
    act(case, "agree", agent, T1)

    act(case, "buyer_ship", agent, T2, carrier="yto", waybill_no="YT1", freight="12.00")

    assert freight_of(case) == {
        "outbound": (expected["outbound"], freight_paid),
        "return": (expected["return"], D("12.00")),
    }
    assert ReturnDetail.objects.get(case=case).freight_insurance is insurance


# --- what the buyer is told -----------------------------------------------------------------


def test_agreeing_a_return_tells_the_buyer_where_to_send_it(
    shop, agent, django_capture_on_commit_callbacks
):
    from aftersales.messaging.models import BuyerMessage, MessageStatus

    order, lines = order_build(shop=shop)
    case = case_open(
        order=order, lines=[(lines[0], 1)], kind="return_refund", reason="quality", actor=agent
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        act(case, "agree", agent, NOW)

    message = BuyerMessage.objects.get(case=case)
    assert len(callbacks) == 1
    assert message.template_code == "return_address"
    assert message.status == MessageStatus.SENT
    assert message.body == (
        f"亲，您的售后申请（{case.number}）已同意，请将商品寄回：{shop.return_address}，"
        "并在售后页面填写退货运单号。"
    )


def test_a_refused_case_tells_the_buyer_nothing(shop, agent):
    from aftersales.messaging.models import BuyerMessage

    order, lines = order_build(shop=shop)
    case = case_open(
        order=order, lines=[(lines[0], 1)], kind="return_refund", reason="quality", actor=agent
    )

    act(case, "refuse", agent, NOW, reason="商品已使用")

    assert BuyerMessage.objects.filter(case=case).count() == 0


# --- the rules at their edges (refusal, reship, not intact, cancel) --------------------------


def test_a_refusal_without_its_time_is_refused(shop, agent):
    order, lines = order_build(shop=shop, signed_at=None)

    with pytest.raises(DomainError) as exc:
        case_open(
            order=order,
            lines=[(lines[0], 10)],
            kind="refusal",
            reason="shortage",
            actor=agent,
            refused_at=None,
        )

    assert (exc.value.field, exc.value.code) == ("refused_at", "required")
    assert Case.objects.count() == 0


@pytest.mark.parametrize(("hours", "late"), [(24, False), (24.01, True)])
def test_a_late_refusal_report_is_kept_on_the_case(shop, agent, hours, late):
    case, _line = _refusal(shop, agent, refused_at=NOW - dt.timedelta(hours=hours))

    assert ReturnDetail.objects.get(case=case).refusal_reported_late is late


def test_a_refused_parcel_back_short_is_refunded_in_full(shop, agent, warehouse):
    # The buyer kept nothing: 9 of 10 came back, yet the refund is what all 10 cost.
    case, line = _refusal(shop, agent, refused_at=NOW)
    act(case, "parcel_back", warehouse, T1, received={str(line.pk): 9})

    act(case, "refund", agent, T2)

    assert [r.amount for r in refunds_of(case)] == [D("99.00")]


def test_a_refused_parcel_back_short_is_reshipped_and_the_missing_part_refunded(
    shop, agent, warehouse
):
    ProductFactory(shop=shop, sku_code="WZ-10", title="袜子", stock=20)
    case, line = _refusal(shop, agent, refused_at=NOW)
    act(case, "parcel_back", warehouse, T1, received={str(line.pk): 9})

    act(case, "reship_returned", agent, T2)

    case = reloaded(case)
    assert (case.status, case.due_rule) == (CaseStatus.RESHIPPING, "reship_3_workdays")
    # One pair missing is refunded; nine go out again, their stock taken at the decision.
    assert [r.amount for r in refunds_of(case)] == [D("9.90")]
    assert list(case.reship_lines.values_list("order_line_id", "quantity")) == [(line.pk, 9)]
    assert Product.objects.get(shop=shop, sku_code="WZ-10").stock == 11


def test_a_reship_without_stock_falls_back_to_a_refund(shop, agent, warehouse):
    ProductFactory(shop=shop, sku_code="WZ-10", title="袜子", stock=3)
    case, line = _refusal(shop, agent, refused_at=NOW)
    act(case, "parcel_back", warehouse, T1, received={str(line.pk): 10})

    act(case, "decide_reship", agent, T2)

    case = reloaded(case)
    assert case.status == CaseStatus.REFUNDING
    assert last_event(case).after["no_stock"] is True
    assert [r.amount for r in refunds_of(case)] == [D("99.00")]
    assert case.reship_lines.count() == 0
    assert Product.objects.get(shop=shop, sku_code="WZ-10").stock == 3


def test_a_reship_records_its_lines_and_takes_stock(shop, agent, warehouse):
    ProductFactory(shop=shop, sku_code="WZ-10", title="袜子", stock=10)
    case, line = _refusal(shop, agent, refused_at=NOW)
    act(case, "parcel_back", warehouse, T1, received={str(line.pk): 10})

    act(case, "decide_reship", agent, T2)

    case = reloaded(case)
    assert case.status == CaseStatus.RESHIPPING
    assert list(case.reship_lines.values_list("quantity", flat=True)) == [10]
    assert Product.objects.get(shop=shop, sku_code="WZ-10").stock == 0


def test_a_no_reason_return_back_not_intact_is_not_refunded_in_full(shop, agent, warehouse):
    case, line = _return_case(shop, agent, reason="no_reason")
    _to_received(case, agent, warehouse, line=line, qty=2, intact=False)
    before = written(case)

    with pytest.raises(DomainError) as full:
        act(case, "refund", agent, T4, amount="19.80")
    with pytest.raises(DomainError) as no_reason_given:
        act(case, "refund", agent, T4, amount="10.00")

    assert (full.value.field, full.value.code) == ("amount", "not_intact_full")
    assert (no_reason_given.value.field, no_reason_given.value.code) == (
        "deduction_reason",
        "required",
    )
    assert written(case) == before

    act(case, "refund", agent, T4, amount="10.00", deduction_reason="包装已拆，吊牌缺失")

    assert [r.amount for r in refunds_of(case)] == [D("10.00")]
    assert ReturnDetail.objects.get(case=case).deduction_reason == "包装已拆，吊牌缺失"


def test_a_return_for_the_sellers_fault_back_not_intact_is_refunded_in_full(shop, agent, warehouse):
    case, line = _return_case(shop, agent, reason="quality")
    _to_received(case, agent, warehouse, line=line, qty=2, intact=False)

    act(case, "refund", agent, T4, amount="19.80")

    assert [r.amount for r in refunds_of(case) if r.amount] == [D("19.80")]


def test_cancelling_needs_a_reason(shop, agent):
    case, _line = _return_case(shop, agent)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "cancel", agent, T1)

    assert (exc.value.field, exc.value.code) == ("reason", "required")
    assert written(case) == before
