"""The refund ledger: caps per line and per order, idempotency, settling once."""

from decimal import Decimal

import pytest

from aftersales.core.errors import DomainError
from aftersales.returns.models import Refund, RefundStatus
from aftersales.returns.services import refund_request, refund_settle
from aftersales.returns.services import refunds as ledger
from tests.factories import ledger_case
from tests.returns.factories import case_open, order_build, sh

D = Decimal
NOW = sh(2026, 11, 14, 9, 30)
LATER = sh(2026, 11, 15, 9, 30)
SHORTS = {"title": "运动短裤", "sku_code": "DK-1", "quantity": 5, "amount_paid": D("50.00")}


@pytest.fixture
def order(shop):
    return order_build(shop=shop, lines=[{}, SHORTS], freight_paid=D("10.00"))


def _request(line, amount, key, actor=None, **extra):
    extra.setdefault("case_id", ledger_case(line.order).pk)
    return refund_request(
        order_line=line, amount=amount, idempotency_key=key, actor=actor, now=NOW, **extra
    )


def _held(line):
    return sum(
        (
            r.amount
            for r in Refund.objects.filter(order_line=line, status__in=["pending", "succeeded"])
        ),
        D("0.00"),
    )


def test_request_records_a_pending_refund(order, agent):
    _order, (socks, _shorts) = order

    refund, created = _request(socks, D("19.80"), "k1", actor=agent)

    assert created is True
    refund = Refund.objects.get(pk=refund.pk)
    assert refund.shop_id == _order.shop_id
    assert refund.order_line == socks
    assert refund.case == ledger_case(_order)
    assert refund.amount == D("19.80")
    assert refund.freight_amount == D("0.00")
    assert refund.status == RefundStatus.PENDING
    assert refund.idempotency_key == "k1"
    assert refund.created_by == agent
    assert refund.created_at == NOW
    assert refund.settled_at is None


def test_a_line_refunds_up_to_what_was_paid_and_no_more(order):
    _order, (socks, _shorts) = order
    _request(socks, D("60.00"), "k1")
    _request(socks, D("39.00"), "k2")

    with pytest.raises(DomainError) as exc:
        _request(socks, D("0.01"), "k3")

    assert exc.value.code == "refund_exceeds_paid"
    assert exc.value.field == "amount"
    assert str(exc.value) == ledger.MSG_LINE_CAP % {
        "paid": D("99.00"),
        "held": D("99.00"),
        "left": D("0.00"),
    }
    assert Refund.objects.count() == 2
    assert _held(socks) == D("99.00")


def test_the_whole_paid_amount_in_one_refund_is_allowed(order):
    _order, (socks, _shorts) = order

    _request(socks, D("99.00"), "k1")

    assert _held(socks) == D("99.00")


def test_the_cap_names_what_is_left(order):
    _order, (socks, _shorts) = order
    _request(socks, D("90.00"), "k1")

    with pytest.raises(DomainError) as exc:
        _request(socks, D("9.01"), "k2")

    assert "最多还可退 9.00 元" in str(exc.value)


def test_a_succeeded_refund_holds_its_amount(order):
    _order, (socks, _shorts) = order
    first, _ = _request(socks, D("99.00"), "k1")
    refund_settle(actor=None, refund_id=first.pk, succeeded=True, now=LATER)

    with pytest.raises(DomainError) as exc:
        _request(socks, D("0.01"), "k2")

    assert exc.value.code == "refund_exceeds_paid"
    assert Refund.objects.count() == 1


def test_a_failed_refund_frees_its_amount(order):
    _order, (socks, _shorts) = order
    first, _ = _request(socks, D("99.00"), "k1")
    refund_settle(
        actor=None, refund_id=first.pk, succeeded=False, now=LATER, failure_reason="账户冻结"
    )

    again, created = _request(socks, D("99.00"), "k2")

    assert created is True
    assert again.pk != first.pk
    assert _held(socks) == D("99.00")


def test_the_cap_is_per_line_across_cases(order, agent):
    _order, (socks, shorts) = order
    case_a = case_open(
        order=_order, lines=[(socks, 5)], kind="refund_only", reason="damaged", actor=agent
    )
    case_b = case_open(
        order=_order, lines=[(socks, 5)], kind="refund_only", reason="damaged", actor=agent
    )
    _request(socks, D("49.50"), "a", case_id=case_a.pk)
    _request(socks, D("49.50"), "b", case_id=case_b.pk)

    with pytest.raises(DomainError):
        _request(socks, D("0.01"), "c", case_id=case_b.pk)
    # The other line of the order is untouched by the first one's refunds.
    _request(shorts, D("50.00"), "d")

    assert _held(socks) == D("99.00")
    assert _held(shorts) == D("50.00")


def test_freight_refunds_are_capped_per_order_across_lines(order):
    _order, (socks, shorts) = order
    _request(socks, D("0.00"), "f1", freight_amount=D("6.00"))
    _request(shorts, D("1.00"), "f2", freight_amount=D("4.00"))

    with pytest.raises(DomainError) as exc:
        _request(shorts, D("1.00"), "f3", freight_amount=D("0.01"))

    assert exc.value.code == "freight_exceeds_paid"
    assert exc.value.field == "freight_amount"
    assert str(exc.value) == ledger.MSG_FREIGHT_CAP % {"paid": D("10.00"), "left": D("0.00")}
    assert Refund.objects.count() == 2


def test_a_failed_freight_refund_frees_the_freight(order):
    _order, (socks, shorts) = order
    first, _ = _request(socks, D("0.00"), "f1", freight_amount=D("10.00"))
    refund_settle(actor=None, refund_id=first.pk, succeeded=False, now=LATER)

    _request(shorts, D("0.00"), "f2", freight_amount=D("10.00"))

    assert Refund.objects.filter(status=RefundStatus.PENDING).count() == 1


def test_no_freight_refund_on_a_free_shipping_order(shop):
    _order, (socks,) = order_build(shop=shop)

    with pytest.raises(DomainError) as exc:
        _request(socks, D("1.00"), "f1", freight_amount=D("0.01"))

    assert exc.value.code == "freight_exceeds_paid"
    assert Refund.objects.count() == 0


def test_the_same_key_and_content_returns_the_first_refund(order, agent):
    _order, (socks, _shorts) = order
    first, created = _request(socks, D("19.80"), "k1", actor=agent)

    again, created_again = _request(socks, D("19.80"), "k1", actor=agent)

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Refund.objects.count() == 1


def test_the_same_key_is_replayed_even_when_the_line_is_now_full(order):
    _order, (socks, _shorts) = order
    first, _ = _request(socks, D("99.00"), "k1")

    again, created = _request(socks, D("99.00"), "k1")

    assert (again.pk, created) == (first.pk, False)
    assert Refund.objects.count() == 1


def test_the_same_key_after_the_refund_failed_returns_it_and_sends_nothing(order):
    _order, (socks, _shorts) = order
    first, _ = _request(socks, D("19.80"), "k1")
    refund_settle(actor=None, refund_id=first.pk, succeeded=False, now=LATER)

    again, created = _request(socks, D("19.80"), "k1")

    assert (again.pk, again.status, created) == (first.pk, RefundStatus.FAILED, False)
    assert Refund.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"amount": D("19.81")},
        {"line": "shorts"},
        {"freight_amount": D("1.00")},
        {"case": True},
    ],
    ids=["amount", "line", "freight", "case"],
)
def test_the_same_key_with_other_content_is_refused(order, agent, change):
    _order, (socks, shorts) = order
    _request(socks, D("19.80"), "k1")
    case = case_open(
        order=_order, lines=[(socks, 1)], kind="refund_only", reason="damaged", actor=agent
    )
    line = shorts if change.get("line") else socks
    extra = {}
    if "freight_amount" in change:
        extra["freight_amount"] = change["freight_amount"]
    if change.get("case"):
        extra["case_id"] = case.pk

    with pytest.raises(DomainError) as exc:
        _request(line, change.get("amount", D("19.80")), "k1", **extra)

    assert exc.value.code == "idempotency_reused"
    assert exc.value.field == "idempotency_key"
    assert str(exc.value) == ledger.MSG_IDEMPOTENCY_REUSED
    assert Refund.objects.count() == 1


def test_a_key_belongs_to_its_shop(order, other_shop):
    _order, (socks, _shorts) = order
    _other, (their_socks,) = order_build(shop=other_shop)
    mine, _ = _request(socks, D("19.80"), "k1")

    theirs, created = _request(their_socks, D("19.80"), "k1")

    assert created is True
    assert theirs.pk != mine.pk
    assert Refund.objects.count() == 2


@pytest.mark.parametrize(
    ("amount", "freight", "field"),
    [
        (D("0.00"), D("0.00"), "amount"),
        (D("-0.01"), D("0.00"), "amount"),
        (D("-5.00"), D("5.00"), "amount"),
        (D("0.004"), D("0.00"), "amount"),
        (D("5.00"), D("-1.00"), "freight_amount"),
    ],
)
def test_amounts_not_above_zero_are_refused(order, amount, freight, field):
    _order, (socks, _shorts) = order

    with pytest.raises(DomainError) as exc:
        _request(socks, amount, "k1", freight_amount=freight)

    assert exc.value.code == "amount_not_positive"
    assert exc.value.field == field
    assert Refund.objects.count() == 0


@pytest.mark.parametrize("key", ["", "k" * 65])
def test_a_key_empty_or_longer_than_its_column_is_refused(order, key):
    _order, (socks, _shorts) = order

    with pytest.raises(DomainError) as exc:
        _request(socks, D("1.00"), key)

    assert (exc.value.field, exc.value.code) == ("idempotency_key", "invalid")
    assert Refund.objects.count() == 0


def test_a_key_of_64_characters_is_kept_whole(order):
    _order, (socks, _shorts) = order

    refund, _ = _request(socks, D("1.00"), "k" * 64)

    assert Refund.objects.get(pk=refund.pk).idempotency_key == "k" * 64


def test_a_float_amount_is_refused(order):
    _order, (socks, _shorts) = order

    with pytest.raises(TypeError):
        _request(socks, 9.9, "k1")

    assert Refund.objects.count() == 0


# --- settling --------------------------------------------------------------------------------


def test_settle_succeeded_once(order):
    _order, (socks, _shorts) = order
    refund, _ = _request(socks, D("19.80"), "k1")

    settled, changed = refund_settle(actor=None, refund_id=refund.pk, succeeded=True, now=LATER)

    assert changed is True
    refund.refresh_from_db()
    assert (refund.status, refund.settled_at) == (RefundStatus.SUCCEEDED, LATER)
    assert settled.status == RefundStatus.SUCCEEDED


def test_settle_failed_keeps_the_reason(order):
    _order, (socks, _shorts) = order
    refund, _ = _request(socks, D("19.80"), "k1")

    refund_settle(
        actor=None, refund_id=refund.pk, succeeded=False, now=LATER, failure_reason="账户冻结"
    )

    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason, refund.settled_at) == (
        RefundStatus.FAILED,
        "账户冻结",
        LATER,
    )


@pytest.mark.parametrize("succeeded", [True, False])
def test_settle_twice_the_same_way_changes_nothing(order, succeeded):
    _order, (socks, _shorts) = order
    refund, _ = _request(socks, D("19.80"), "k1")
    refund_settle(actor=None, refund_id=refund.pk, succeeded=succeeded, now=LATER)

    again, changed = refund_settle(
        actor=None, refund_id=refund.pk, succeeded=succeeded, now=sh(2026, 11, 20, 0, 0)
    )

    assert changed is False
    refund.refresh_from_db()
    assert refund.settled_at == LATER
    assert again.settled_at == LATER


@pytest.mark.parametrize("succeeded", [True, False])
def test_settle_the_opposite_way_is_refused(order, succeeded):
    _order, (socks, _shorts) = order
    refund, _ = _request(socks, D("19.80"), "k1")
    refund_settle(actor=None, refund_id=refund.pk, succeeded=succeeded, now=LATER)
    settled_as = RefundStatus.SUCCEEDED if succeeded else RefundStatus.FAILED

    with pytest.raises(DomainError) as exc:
        refund_settle(
            actor=None, refund_id=refund.pk, succeeded=not succeeded, now=sh(2026, 11, 20, 0, 0)
        )

    assert exc.value.code == "refund_already_settled"
    refund.refresh_from_db()
    assert (refund.status, refund.settled_at) == (settled_as, LATER)


def test_a_refund_without_a_case_is_refused_and_the_database_agrees(order, agent):
    from django.db import IntegrityError, transaction

    _order, (socks, _shorts) = order

    with pytest.raises(DomainError) as exc:
        refund_request(
            order_line=socks,
            amount=D("1.00"),
            idempotency_key="k",
            actor=agent,
            now=NOW,
            case_id=None,
        )
    assert (exc.value.code, exc.value.field) == ("case_required", "case_id")
    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.create(
            shop_id=_order.shop_id,
            order_line=socks,
            amount=D("1.00"),
            idempotency_key="raw",
            request_fingerprint="raw",
            created_at=NOW,
        )
    assert Refund.objects.count() == 0
