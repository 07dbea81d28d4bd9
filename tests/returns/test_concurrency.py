"""Many hands at once: the refund ledger and the case lock under real concurrent transactions.

Each test fires threads at a committed database (transaction=True), each thread on its own
connection, released together by a barrier. They run on PostgreSQL only: the row locks they
prove exist only there (``select_for_update`` is a no-op on SQLite). The ledger tests were
tried on SQLite too, and cannot run there: the SQLite test database is in memory with a shared
cache, where a second writer fails at once with "database table is locked" (SQLITE_LOCKED,
which the busy timeout does not wait on) instead of queueing as it does on the file database
in IMMEDIATE mode that a small shop runs.
"""

import random
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from aftersales.accounts.models import Role
from aftersales.cases.models import CaseEvent
from aftersales.core.errors import ConcurrentChange, DomainError, TransitionNotAllowed
from aftersales.orders.models import Product
from aftersales.returns.kinds import CaseStatus
from aftersales.returns.models import Refund, RefundStatus
from aftersales.returns.services import case_act, refund_request, refund_settle
from tests.concurrency import run_together
from tests.factories import ProductFactory, UserFactory, ledger_case
from tests.returns.factories import NOW, act, case_open, order_build, reloaded, sh

D = Decimal
LATER = sh(2026, 11, 15, 9, 30)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _role_groups(transactional_db):
    # A transactional test ends with a flush that empties every table, the role groups of
    # the data migration included; one that ran before this one may have taken them.
    for role in Role.values:
        Group.objects.get_or_create(name=role)


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: row locks (select_for_update) are a no-op on SQLite, and the "
    "in-memory SQLite test database refuses a second writer ('database table is locked') "
    "instead of queueing it; set DATABASE_URL=postgres://… to run it",
)


def _errors(results):
    return [value for outcome, value in results if outcome == "error"]


def _oks(results):
    return [value for outcome, value in results if outcome == "ok"]


def _held(line):
    return sum(
        Refund.objects.filter(
            order_line=line, status__in=[RefundStatus.PENDING, RefundStatus.SUCCEEDED]
        ).values_list("amount", flat=True),
        D("0.00"),
    )


@pytest.fixture
def line(shop):
    _order, (line,) = order_build(shop=shop, lines=[{"quantity": 50, "amount_paid": D("500.00")}])
    return line


# --- the refund ledger on one line ---------------------------------------------------------


@pytest.mark.postgres
@postgres_only
def test_sixty_equal_refunds_at_once_fill_the_line_exactly(line):
    """60 x 10.00 on a line paid 500.00: exactly 50 fit, 10 are refused by the cap."""

    ledger = ledger_case(line.order).pk

    def work(i):
        return refund_request(
            case_id=ledger,
            order_line=line,
            amount=D("10.00"),
            idempotency_key=f"eq-{i}",
            actor=None,
            now=NOW,
        )

    results = run_together(60, work)

    errors = _errors(results)
    assert len(_oks(results)) == 50
    assert len(errors) == 10
    assert all(isinstance(e, DomainError) for e in errors), errors
    assert {e.code for e in errors} == {"refund_exceeds_paid"}
    assert Refund.objects.filter(order_line=line).count() == 50
    assert _held(line) == D("500.00")


@pytest.mark.postgres
@postgres_only
def test_refunds_of_mixed_amounts_at_once_never_exceed_what_was_paid(line):
    rng = random.Random(20261111)
    amounts = [D(rng.randint(500, 2000)) / 100 for _ in range(60)]
    assert sum(amounts) > line.amount_paid

    ledger = ledger_case(line.order).pk

    def work(i):
        return refund_request(
            case_id=ledger,
            order_line=line,
            amount=amounts[i],
            idempotency_key=f"mix-{i}",
            actor=None,
            now=NOW,
        )

    results = run_together(60, work)

    won = [amounts[i] for i, (outcome, _) in enumerate(results) if outcome == "ok"]
    lost = [amounts[i] for i, (outcome, _) in enumerate(results) if outcome == "error"]
    errors = _errors(results)
    assert all(isinstance(e, DomainError) for e in errors), errors
    assert {e.code for e in errors} == {"refund_exceeds_paid"}
    held = _held(line)
    assert held == sum(won, D("0.00"))
    assert held <= line.amount_paid
    assert Refund.objects.filter(order_line=line).count() == len(won)
    # What was refused did not fit then, and the line only filled up since: it still does not
    # fit. So the winners are exactly what fits, in the order the lock let them in.
    left = line.amount_paid - held
    assert lost
    assert all(amount > left for amount in lost)


@pytest.mark.postgres
@postgres_only
def test_fifty_requests_with_one_key_make_one_refund(line):
    ledger = ledger_case(line.order).pk

    def work(i):
        return refund_request(
            case_id=ledger,
            order_line=line,
            amount=D("19.80"),
            idempotency_key="same",
            actor=None,
            now=NOW,
        )

    results = run_together(50, work)

    assert _errors(results) == []
    refunds = _oks(results)
    assert len({refund.pk for refund, _created in refunds}) == 1
    assert Counter(created for _refund, created in refunds) == {True: 1, False: 49}
    assert Refund.objects.filter(order_line=line).count() == 1
    assert _held(line) == D("19.80")


# --- one case, several people ----------------------------------------------------------------


@pytest.fixture
def agents(shop):
    return [UserFactory(username=f"agent-{i}", roles=["agent"], shops=[shop]) for i in range(10)]


def _return_case(shop, actor):
    order, (socks,) = order_build(shop=shop)
    return case_open(
        order=order, lines=[(socks, 2)], kind="return_refund", reason="quality", actor=actor
    )


@pytest.mark.postgres
@postgres_only
@pytest.mark.parametrize("count", [2, 10])
def test_agents_agreeing_at_once_on_the_version_they_saw_one_wins(shop, agents, count):
    case = _return_case(shop, agents[0])

    def work(i):
        return case_act(
            case_id=case.pk, action="agree", actor=agents[i], now=LATER, expected_version=1
        )

    results = run_together(count, work)

    errors = _errors(results)
    assert len(_oks(results)) == 1
    assert len(errors) == count - 1
    assert all(isinstance(e, ConcurrentChange) for e in errors), errors
    case = reloaded(case)
    assert (case.status, case.version) == (CaseStatus.AWAITING_RETURN, 2)
    assert CaseEvent.objects.filter(case=case, action="agree").count() == 1


@pytest.mark.postgres
@postgres_only
def test_agents_agreeing_at_once_without_a_version_one_wins(shop, agents):
    case = _return_case(shop, agents[0])

    def work(i):
        return case_act(case_id=case.pk, action="agree", actor=agents[i], now=LATER)

    results = run_together(2, work)

    errors = _errors(results)
    assert len(_oks(results)) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], TransitionNotAllowed), errors
    assert CaseEvent.objects.filter(case=case, action="agree").count() == 1


@pytest.mark.postgres
@postgres_only
def test_two_refund_actions_at_once_refund_once(shop, agents, warehouse):
    case = _return_case(shop, agents[0])
    act(case, "agree", agents[0], LATER)
    act(case, "buyer_ship", agents[0], LATER, carrier="yto", waybill_no="YT1")
    act(case, "receive", warehouse, LATER, intact=True)

    def work(i):
        return case_act(case_id=case.pk, action="refund", actor=agents[i], now=LATER)

    results = run_together(2, work)

    assert len(_oks(results)) == 1
    assert all(isinstance(e, TransitionNotAllowed) for e in _errors(results))
    assert [r.amount for r in Refund.objects.filter(case=case)] == [D("19.80")]


@pytest.mark.postgres
@postgres_only
def test_settling_one_refund_both_ways_at_once_settles_it_once(line):
    refund, _ = refund_request(
        order_line=line,
        amount=D("19.80"),
        idempotency_key="k",
        actor=None,
        now=NOW,
        case_id=ledger_case(line.order).pk,
    )

    def work(i):
        return refund_settle(actor=None, refund_id=refund.pk, succeeded=i % 2 == 0, now=LATER)

    results = run_together(2, work)

    errors = _errors(results)
    assert len(_oks(results)) == 1
    assert [e.code for e in errors] == ["refund_already_settled"]
    refund.refresh_from_db()
    assert refund.status in {RefundStatus.SUCCEEDED, RefundStatus.FAILED}


@pytest.mark.postgres
@postgres_only
def test_the_last_two_refunds_of_a_case_settling_at_once_complete_it_once(shop, agents):
    order, (socks, shorts) = order_build(
        shop=shop, lines=[{}, {"sku_code": "DK-1", "quantity": 5, "amount_paid": D("50.00")}]
    )
    case = case_open(
        order=order,
        lines=[(socks, 10), (shorts, 5)],
        kind="refund_only",
        reason="damaged",
        actor=agents[0],
    )
    act(case, "agree", agents[0], LATER)
    refunds = list(Refund.objects.filter(case=case))
    assert len(refunds) == 2

    def work(i):
        return refund_settle(actor=None, refund_id=refunds[i].pk, succeeded=True, now=LATER)

    results = run_together(2, work)

    assert _errors(results) == []
    assert reloaded(case).status == CaseStatus.COMPLETED
    assert CaseEvent.objects.filter(case=case, action="complete").count() == 1


@pytest.mark.postgres
@postgres_only
def test_two_exchanges_for_the_last_unit_ship_one_replacement(shop, agents, warehouse):
    ProductFactory(shop=shop, sku_code="WZ-10", stock=1)
    cases = []
    for _ in range(2):
        order, (socks,) = order_build(shop=shop)
        case = case_open(
            order=order, lines=[(socks, 1)], kind="exchange", reason="quality", actor=agents[0]
        )
        act(case, "agree", agents[0], LATER)
        act(case, "buyer_ship", agents[0], LATER, carrier="yto", waybill_no="YT1")
        act(case, "receive", warehouse, LATER, intact=True)
        cases.append(case)

    def work(i):
        return case_act(
            case_id=cases[i].pk,
            action="ship_replacement",
            actor=warehouse,
            now=LATER,
            params={"carrier": "yto", "waybill_no": f"YT-R{i}"},
        )

    results = run_together(2, work)

    errors = _errors(results)
    assert len(_oks(results)) == 1
    assert [e.code for e in errors] == ["no_stock"]
    assert Product.objects.get(shop=shop, sku_code="WZ-10").stock == 0
