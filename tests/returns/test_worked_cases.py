"""The two worked cases of the source chapter, end to end through the services."""

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.approvals.models import Approval, ApprovalStatus
from aftersales.approvals.services import approval_decide
from aftersales.cases.models import Case, CaseEvent, CaseNote
from aftersales.cases.services import note_add
from aftersales.core.errors import DomainError, PermissionDeniedError
from aftersales.returns.kinds import CaseStatus
from aftersales.returns.models import FreightCharge, Refund, RefundStatus, ReturnDetail
from aftersales.returns.services import refund_request, refund_settle
from tests.returns.factories import act, case_open, order_build, reloaded, sh, written

D = Decimal


def freight_of(case):
    return {
        leg: (bearer, amount)
        for leg, bearer, amount in FreightCharge.objects.filter(case=case).values_list(
            "leg", "bearer", "amount"
        )
    }


def settle_all(case, now):
    for refund in Refund.objects.filter(case=case, status=RefundStatus.PENDING):
        refund_settle(actor=None, refund_id=refund.pk, succeeded=True, now=now)


# --- 1. Socks: ten pairs bought, one missing ------------------------------------------------

# Signed for on Thu 12 Nov 2026; the buyer reports the missing pair on Fri 13 Nov at 18:00.
SOCKS_REPORTED = sh(2026, 11, 13, 18, 0)
SOCKS_DECIDED = sh(2026, 11, 13, 18, 30)
# Three working days after Fri 13 Nov: Mon 16, Tue 17, Wed 18 -> due by the end of Wed 18.
SOCKS_RESHIP_DUE = sh(2026, 11, 19, 0, 0)


@pytest.fixture
def socks(shop):
    order, (line,) = order_build(shop=shop)
    assert (line.quantity, line.amount_paid) == (10, D("99.00"))
    return order, line


def _socks_shortage(order, line, agent):
    case = case_open(
        order=order,
        lines=[(line, 1)],
        kind="compensation",
        reason="shortage",
        actor=agent,
        now=SOCKS_REPORTED,
        buyer_claim="10双袜子少了一只",
    )
    # The agent checks the order and the packing record before deciding.
    note_add(case=case, author=agent, body="已核对订单和打包记录：少发一双", now=SOCKS_REPORTED)
    return case


def test_socks_missing_pair_is_reshipped_within_three_working_days(socks, agent, warehouse):
    order, line = socks
    case = _socks_shortage(order, line, agent)
    assert ReturnDetail.objects.get(case=case).fault_party == "seller"

    act(case, "decide", agent, SOCKS_DECIDED, remedy="reship")
    assert reloaded(case).status == CaseStatus.APPROVED
    act(case, "carry_out", agent, SOCKS_DECIDED)

    case = reloaded(case)
    assert case.status == CaseStatus.RESHIPPING
    assert case.due_at == SOCKS_RESHIP_DUE
    assert case.due_rule == "reship_3_workdays"

    act(case, "reship", warehouse, sh(2026, 11, 16, 10, 0), carrier="yto", waybill_no="YT9")
    act(case, "buyer_sign", agent, sh(2026, 11, 18, 15, 0))

    case = reloaded(case)
    assert case.status == CaseStatus.COMPLETED
    # Every extra cost of a shortage is the seller's.
    assert {bearer for bearer, _amount in freight_of(case).values()} == {"seller"}
    assert "reship" in freight_of(case)
    assert Refund.objects.filter(order_line=line).count() == 0
    assert CaseNote.objects.get(case=case).body == "已核对订单和打包记录：少发一双"


def test_socks_parcel_refused_one_pair_short_is_reshipped_at_the_sellers_cost(
    shop, agent, warehouse
):
    order, (line,) = order_build(shop=shop, signed_at=None)
    case = case_open(
        order=order,
        lines=[(line, 10)],
        kind="refusal",
        reason="shortage",
        actor=agent,
        now=SOCKS_REPORTED,
        refused_at=SOCKS_REPORTED - dt.timedelta(hours=3),
    )
    refusal = CaseEvent.objects.get(case=case, action="refusal_reported")
    assert refusal.after["reported_late"] is False

    act(case, "parcel_back", warehouse, SOCKS_DECIDED, received={str(line.pk): 9})
    act(case, "decide_reship", agent, SOCKS_DECIDED)

    case = reloaded(case)
    assert case.due_at == SOCKS_RESHIP_DUE
    act(case, "reship", warehouse, sh(2026, 11, 16, 10, 0), carrier="yto", waybill_no="YT9")
    assert freight_of(case)["reship"] == ("seller", D("0.00"))
    assert ReturnDetail.objects.get(case=case).fault_party == "seller"


def test_socks_missing_pair_refunded_at_the_price_of_one_pair(socks, agent):
    order, line = socks
    case = _socks_shortage(order, line, agent)

    act(case, "decide", agent, SOCKS_DECIDED, remedy="refund", amount="9.90")
    act(case, "carry_out", agent, SOCKS_DECIDED)

    [refund] = Refund.objects.filter(case=case)
    assert (refund.order_line_id, refund.amount) == (line.pk, D("9.90"))
    settle_all(case, sh(2026, 11, 14, 9, 0))
    assert reloaded(case).status == CaseStatus.COMPLETED


def test_socks_refund_above_one_pair_is_refused(socks, agent):
    order, line = socks
    case = _socks_shortage(order, line, agent)
    before = written(case)

    with pytest.raises(DomainError) as exc:
        act(case, "decide", agent, SOCKS_DECIDED, remedy="refund", amount="10.00")

    assert exc.value.code == "refund_exceeds_case"
    assert "9.90" in str(exc.value)
    assert written(case) == before


def test_socks_line_never_refunds_more_than_was_paid_across_cases(socks, agent, warehouse):
    order, line = socks
    case = _socks_shortage(order, line, agent)
    act(case, "decide", agent, SOCKS_DECIDED, remedy="refund", amount="9.90")
    act(case, "carry_out", agent, SOCKS_DECIDED)
    # Later the buyer returns the nine pairs that did arrive, for their own reason.
    back = case_open(
        order=order,
        lines=[(line, 9)],
        kind="return_refund",
        reason="no_reason",
        actor=agent,
        now=sh(2026, 11, 14, 9, 0),
    )
    act(back, "agree", agent, sh(2026, 11, 14, 9, 30))
    act(back, "buyer_ship", agent, sh(2026, 11, 15, 9, 0), carrier="yto", waybill_no="YT8")
    act(back, "receive", warehouse, sh(2026, 11, 17, 9, 0), intact=True)
    act(back, "refund", agent, sh(2026, 11, 17, 10, 0))

    assert sum(r.amount for r in Refund.objects.filter(order_line=line)) == D("99.00")
    with pytest.raises(DomainError) as exc:
        refund_request(
            order_line=line,
            amount=D("0.01"),
            idempotency_key="one-cent-more",
            actor=agent,
            now=sh(2026, 11, 17, 11, 0),
            case_id=back.pk,
        )
    assert exc.value.code == "refund_exceeds_paid"


# --- 2. Jeans: colour runs weeks after Christmas, and stains the bag -------------------------

JEANS = {
    "title": "直筒牛仔裤 深蓝 32码",
    "sku_code": "NZK-32",
    "unit_price": D("299.00"),
    "quantity": 1,
    "amount_paid": D("299.00"),
}
JEANS_SIGNED = sh(2025, 12, 27, 15, 20)
# Weeks later: worn a few times, soaked in salt water, still losing colour.
JEANS_REPORTED = sh(2026, 1, 20, 10, 0)


@pytest.fixture
def jeans(shop):
    order, (line,) = order_build(shop=shop, lines=[JEANS], signed_at=JEANS_SIGNED)
    return order, line


def test_jeans_no_reason_return_weeks_later_is_out_of_the_window(jeans, agent):
    order, line = jeans

    with pytest.raises(DomainError) as exc:
        case_open(
            order=order,
            lines=[(line, 1)],
            kind="return_refund",
            reason="no_reason",
            actor=agent,
            now=JEANS_REPORTED,
        )

    assert exc.value.code == "window_closed"
    assert "2026-01-03 15:20" in str(exc.value)
    assert Case.objects.count() == 0


def test_jeans_quality_return_weeks_later_is_accepted_at_the_sellers_cost(jeans, agent, warehouse):
    order, line = jeans
    case = case_open(
        order=order,
        lines=[(line, 1)],
        kind="return_refund",
        reason="quality",
        actor=agent,
        now=JEANS_REPORTED,
        buyer_claim="穿了几次一直掉色，盐水泡过也不行",
    )
    assert ReturnDetail.objects.get(case=case).fault_party == "seller"

    act(case, "agree", agent, sh(2026, 1, 20, 11, 0))
    act(
        case,
        "buyer_ship",
        agent,
        sh(2026, 1, 21, 9, 0),
        carrier="yto",
        waybill_no="YT7",
        freight="15.00",
    )
    # Worn, so not as new; the fault is the goods', so the refund stands.
    act(case, "receive", warehouse, sh(2026, 1, 23, 9, 0), intact=False, note="已穿着，掉色")
    act(case, "refund", agent, sh(2026, 1, 23, 10, 0))

    assert freight_of(case) == {
        "outbound": ("seller", D("0.00")),
        "return": ("seller", D("15.00")),
    }
    # The jeans' price, and apart from it the buyer's return freight, the seller's to bear.
    assert sorted(
        (r.amount, r.return_freight_amount) for r in Refund.objects.filter(case=case)
    ) == [(D("0.00"), D("15.00")), (D("299.00"), D("0.00"))]
    settle_all(case, sh(2026, 1, 24, 9, 0))
    assert reloaded(case).status == CaseStatus.COMPLETED


def test_jeans_bag_compensation_above_the_threshold_goes_through_approval(jeans, agent, supervisor):
    order, line = jeans
    case = case_open(
        order=order,
        lines=[(line, 1)],
        kind="compensation",
        reason="quality",
        actor=agent,
        now=JEANS_REPORTED,
        buyer_claim="牛仔裤掉色染坏了包，要求赔偿",
        requested_amount=D("200.00"),
    )
    assert ReturnDetail.objects.get(case=case).requested_amount == D("200.00")

    act(case, "decide", agent, sh(2026, 1, 20, 11, 0), remedy="cash", amount="150.00")

    case = reloaded(case)
    assert case.status == CaseStatus.AWAITING_APPROVAL
    approval = Approval.objects.get(case=case)
    assert (approval.amount, approval.status) == (D("150.00"), ApprovalStatus.PENDING)
    with pytest.raises(PermissionDeniedError):
        approval_decide(
            approval_id=approval.pk, actor=agent, approve=True, comment="", now=JEANS_REPORTED
        )

    approval_decide(
        approval_id=approval.pk,
        actor=supervisor,
        approve=True,
        comment="质量问题，同意赔偿包的清洗费",
        now=sh(2026, 1, 20, 14, 0),
    )
    act(case, "carry_out", agent, sh(2026, 1, 20, 15, 0))

    case = reloaded(case)
    assert case.status == CaseStatus.COMPLETED
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == (ApprovalStatus.APPROVED, supervisor)
    # Cash for the bag is not a refund of the jeans: the line's ledger is untouched.
    assert Refund.objects.filter(order_line=line).count() == 0
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == [
        "create",
        "decide",
        "approval_requested",
        "approval_approved",
        "approve",
        "carry_out",
    ]
