"""The refund ledger through the API: idempotent creation, the caps, settling, who may."""

import uuid
from decimal import Decimal

import pytest

from aftersales.cases.models import Case
from aftersales.cases.services import case_act
from aftersales.core.idempotency import STALE_AFTER, fingerprint_of
from aftersales.core.models import IdempotencyRecord
from aftersales.returns.models import Refund
from aftersales.returns.services import return_case_open
from tests.api import API, NOW, bearer_client, error_of, order_build, post_json
from tests.factories import CarrierFactory, UserFactory


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def socks(shop):
    return order_build(shop=shop, freight_paid=Decimal("8.00"))


@pytest.fixture
def line(socks):
    return socks[1][0]


@pytest.fixture
def api(agent):
    return bearer_client(agent)


def _refund(api, line, key: str | None = "k-1", **body):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return post_json(api, f"{API}/refunds", {"order_line_id": line.pk, **body}, headers=headers)


def test_a_refund_without_a_case_is_a_compensation_carried_out(api, agent, shop, line):
    response = _refund(api, line, amount="30.00")

    assert response.status_code == 201
    refund = Refund.objects.get()
    case = Case.objects.get()
    assert response.json() == {
        "id": str(refund.pk),
        "order_line_id": line.pk,
        "case_id": case.pk,
        "amount": "30.00",
        "freight_amount": "0.00",
        "return_freight_amount": "0.00",
        "status": "pending",
        "idempotency_key": f"case-{case.pk}-1-{line.pk}",
        "failure_reason": "",
        "created_at": "2026-11-14T01:30:00Z",
        "settled_at": None,
        "settled_by_id": None,
    }
    assert (case.kind, case.status, case.created_by) == ("compensation", "refunding", agent)
    assert [e.action for e in case.events.order_by("id")] == ["create", "decide", "carry_out"]
    assert (refund.shop, refund.created_by, refund.amount) == (shop, agent, Decimal("30.00"))


def test_a_compensation_above_the_threshold_waits_for_approval_and_moves_no_money(api, line):
    response = _refund(api, line, amount="60.00")

    assert response.status_code == 202
    case = Case.objects.get()
    assert response.json() == {
        "case_id": case.pk,
        "case_number": case.number,
        "status": "awaiting_approval",
        "approval_required": True,
    }
    assert Refund.objects.count() == 0
    assert case.approvals.get().amount == Decimal("60.00")


def test_the_same_request_again_answers_the_first_answer(api, line):
    first = _refund(api, line, amount="30.00")

    again = _refund(api, line, amount="30.00")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert (Refund.objects.count(), Case.objects.count()) == (1, 1)


def test_the_key_may_come_in_the_body(api, line):
    first = _refund(api, line, key=None, amount="30.00", idempotency_key="body-key")
    again = _refund(api, line, key="body-key", amount="30.00")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Refund.objects.count() == 1


def test_the_same_key_with_another_request_is_422(api, line):
    first = _refund(api, line, amount="30.00")

    other = _refund(api, line, amount="31.00")

    assert other.status_code == 422
    assert error_of(other) == {
        "code": "idempotency_key_reused",
        "field": "Idempotency-Key",
        "message": "幂等键已用于另一个不同内容的请求。",
    }
    assert [str(pk) for pk in Refund.objects.values_list("pk", flat=True)] == [first.json()["id"]]
    assert Refund.objects.get().amount == Decimal("30.00")


def test_a_request_while_the_first_with_its_key_runs_is_409(api, agent, line):
    # The first request has claimed its key and not answered yet.
    IdempotencyRecord.objects.create(
        scope=f"refunds:{agent.pk}",
        key="k-1",
        fingerprint=fingerprint_of(
            "POST",
            "/refunds",
            {
                "order_line_id": line.pk,
                "amount": Decimal("30.00"),
                "freight_amount": Decimal("0.00"),
                "case_id": None,
                "note": "",
            },
        ),
        created_at=NOW,
    )

    response = _refund(api, line, amount="30.00")

    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_in_progress"
    assert Refund.objects.count() == 0


def test_a_claim_left_by_a_dead_request_is_taken_over(api, agent, line):
    IdempotencyRecord.objects.create(
        scope=f"refunds:{agent.pk}", key="k-1", fingerprint="x", created_at=NOW - STALE_AFTER * 2
    )

    response = _refund(api, line, amount="30.00")

    assert response.status_code == 201


def test_a_failed_request_gives_its_key_back(api, line):
    refused = _refund(api, line, amount="120.00")

    retried = _refund(api, line, amount="30.00")

    assert refused.status_code == 400
    assert retried.status_code == 201


def test_a_missing_key_is_400_on_idempotency_key(api, line):
    response = _refund(api, line, key=None, amount="30.00")

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "required",
        "field": "idempotency_key",
        "message": "缺少幂等键（Idempotency-Key）。",
    }
    assert Refund.objects.count() == 0


def test_an_overlong_key_is_422(api, line):
    response = _refund(api, line, key="k" * 65, amount="30.00")

    assert response.status_code == 422
    assert error_of(response)["field"] == "Idempotency-Key"
    assert Refund.objects.count() == 0


def test_over_what_the_line_has_left_is_refused_and_nothing_is_written(api, line):
    _refund(api, line, key="k-1", amount="45.00")
    _refund(api, line, key="k-2", amount="15.00")

    response = _refund(api, line, key="k-3", amount="40.00")

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "refund_exceeds_paid",
        "field": "amount",
        "message": (
            "退款金额超出该商品可退金额：已付 99.00 元，已占用 60.00 元，最多还可退 39.00 元。"
        ),
    }
    assert (Refund.objects.count(), Case.objects.count()) == (2, 2)


def test_exactly_what_is_left_is_accepted(api, line):
    _refund(api, line, key="k-1", amount="45.00")
    _refund(api, line, key="k-2", amount="15.00")

    response = _refund(api, line, key="k-3", amount="39.00")

    assert response.status_code == 201


def test_freight_is_never_refunded_on_its_own(api, line):
    response = _refund(api, line, amount="1.00", freight_amount="5.00")

    assert response.status_code == 400
    assert error_of(response)["code"] == "case_required"
    assert error_of(response)["field"] == "freight_amount"
    assert (Refund.objects.count(), Case.objects.count()) == (0, 0)


def test_nothing_to_refund_is_refused(api, line):
    response = _refund(api, line, amount="0.00")

    assert response.status_code == 400
    assert error_of(response)["code"] == "required"
    assert (Refund.objects.count(), Case.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"amount": "-1.00"}, "amount", "out_of_range"),
        ({"amount": "1.005"}, "amount", "invalid_amount"),
        ({"amount": "1.00", "freight_amount": "-0.01"}, "freight_amount", "out_of_range"),
        ({"amount": "1e400"}, "amount", "invalid_amount"),
        ({}, "amount", "required"),
    ],
)
def test_money_that_does_not_validate_is_422(api, line, body, field, code):
    response = _refund(api, line, **body)

    assert response.status_code == 422
    assert error_of(response)["code"] == code
    assert error_of(response)["field"] == field
    assert Refund.objects.count() == 0


def test_a_case_of_another_order_is_404(api, shop, agent, line):
    other, other_lines = order_build(shop=shop)
    case = return_case_open(
        order=other,
        kind="refund_only",
        lines=[(other_lines[0], 1)],
        reason="quality",
        actor=agent,
        now=NOW,
    )

    response = _refund(api, line, amount="1.00", case_id=case.pk)

    assert response.status_code == 404
    assert Refund.objects.count() == 0


def _received_return(agent, warehouse, order, line):
    case = return_case_open(
        order=order, kind="return_refund", lines=[(line, 2)], reason="quality", actor=agent, now=NOW
    )
    case_act(case_id=case.pk, action="agree", actor=agent, now=NOW)
    ship = {"carrier": CarrierFactory().code, "waybill_no": "YT1", "freight": "12.00"}
    case_act(case_id=case.pk, action="buyer_ship", actor=agent, now=NOW, params=ship)
    case_act(case_id=case.pk, action="receive", actor=warehouse, now=NOW, params={"intact": True})
    return case


def test_a_refund_on_a_received_case_runs_its_refund_action(api, agent, warehouse, socks, line):
    order, _lines = socks
    case = _received_return(agent, warehouse, order, line)

    response = _refund(api, line, amount="10.00", case_id=case.pk)

    assert response.status_code == 201
    assert response.json()["case_id"] == case.pk
    assert response.json()["amount"] == "10.00"
    case.refresh_from_db()
    assert case.status == "refunding"
    assert case.events.filter(action="refund").count() == 1
    # The buyer's return freight, the seller's to bear for a quality return, goes back with it.
    assert sorted((str(r.amount), str(r.return_freight_amount)) for r in case.refunds.all()) == [
        ("0.00", "12.00"),
        ("10.00", "0.00"),
    ]


def test_a_refund_on_a_case_not_at_a_refunding_step_is_409(api, agent, socks, line):
    order, _lines = socks
    case = return_case_open(
        order=order, kind="refund_only", lines=[(line, 1)], reason="quality", actor=agent, now=NOW
    )

    response = _refund(api, line, amount="1.00", case_id=case.pk)

    assert response.status_code == 409
    assert error_of(response)["code"] == "case_not_refundable"
    assert Refund.objects.count() == 0


def test_a_refund_of_a_line_not_on_the_case_is_400(api, agent, warehouse, shop):
    order, lines = order_build(shop=shop, lines=[{}, {"amount_paid": "20.00"}])
    case = _received_return(agent, warehouse, order, lines[0])

    response = _refund(api, lines[1], amount="1.00", case_id=case.pk)

    assert response.status_code == 400
    assert error_of(response)["code"] == "line_not_in_case"
    assert Refund.objects.count() == 0


@pytest.mark.parametrize("roles", [["packer"], ["warehouse"]])
def test_only_agents_and_supervisors_move_money(shop, line, roles):
    clerk = bearer_client(UserFactory(username="clerk", roles=roles, shops=[shop]))

    response = _refund(clerk, line, amount="1.00")

    assert response.status_code == 403
    assert error_of(response) == {
        "code": "permission_denied",
        "field": None,
        "message": "您的角色不能发起退款。",
    }
    assert Refund.objects.count() == 0


def test_only_agents_and_supervisors_settle(api, shop, line):
    refund = _refund(api, line, amount="1.00").json()
    clerk = bearer_client(UserFactory(username="clerk", roles=["packer"], shops=[shop]))

    response = post_json(clerk, f"{API}/refunds/{refund['id']}/settle", {"succeeded": True})

    assert response.status_code == 403
    assert Refund.objects.get().status == "pending"


def test_get_and_list_refunds(api, socks, line):
    first = _refund(api, line, key="k-1", amount="1.00").json()
    second = _refund(api, line, key="k-2", amount="2.00").json()

    one = api.get(f"{API}/refunds/{first['id']}")
    listed = api.get(f"{API}/refunds?order_line_id={line.pk}")
    none = api.get(f"{API}/refunds?order_line_id={line.pk + 1000}")

    assert one.json() == first
    assert [r["id"] for r in listed.json()] == [first["id"], second["id"]]
    assert none.json() == []


def test_an_unknown_refund_is_404(api, db):
    response = api.get(f"{API}/refunds/{uuid.uuid4()}")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_settle_twice_the_same_way_changes_nothing(api, line):
    refund = _refund(api, line, amount="1.00").json()
    url = f"{API}/refunds/{refund['id']}/settle"
    first = post_json(api, url, {"succeeded": True})

    again = post_json(api, url, {"succeeded": True})
    opposite = post_json(api, url, {"succeeded": False})

    assert again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["settled_at"] == "2026-11-14T01:30:00Z"
    assert opposite.status_code == 400
    assert error_of(opposite) == {
        "code": "refund_already_settled",
        "field": "status",
        "message": "该退款已是“退款成功”，不能再改为“退款失败”。",
    }
    assert Refund.objects.get().status == "succeeded"
