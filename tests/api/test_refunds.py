"""The refund ledger through the API: idempotent creation, the caps, settling, who may."""

import uuid
from decimal import Decimal

import pytest

from aftersales.returns.models import Refund
from aftersales.returns.services import return_case_open
from tests.api import API, NOW, bearer_client, error_of, order_build, post_json
from tests.factories import UserFactory


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


def test_first_request_creates_the_refund(api, agent, shop, line):
    response = _refund(api, line, amount="30.00", freight_amount="8.00")

    assert response.status_code == 201
    refund = Refund.objects.get()
    assert response.json() == {
        "id": str(refund.pk),
        "order_line_id": line.pk,
        "case_id": None,
        "amount": "30.00",
        "freight_amount": "8.00",
        "status": "pending",
        "idempotency_key": "k-1",
        "failure_reason": "",
        "created_at": "2026-11-14T01:30:00Z",
        "settled_at": None,
    }
    assert (refund.shop, refund.created_by, refund.amount) == (shop, agent, Decimal("30.00"))


def test_the_same_request_again_returns_the_first_refund(api, line):
    first = _refund(api, line, amount="30.00")

    again = _refund(api, line, amount="30.00")

    assert again.status_code == 200
    assert again.json() == first.json()
    assert Refund.objects.count() == 1


def test_the_key_may_come_in_the_body(api, line):
    first = _refund(api, line, key=None, amount="30.00", idempotency_key="body-key")
    again = _refund(api, line, key="body-key", amount="30.00")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Refund.objects.get().idempotency_key == "body-key"


def test_the_same_key_with_another_amount_is_refused(api, line):
    first = _refund(api, line, amount="30.00")

    other = _refund(api, line, amount="31.00")

    assert other.status_code == 400
    assert error_of(other) == {
        "code": "idempotency_reused",
        "field": "idempotency_key",
        "message": "幂等键已用于另一笔不同内容的退款。",
    }
    assert [str(pk) for pk in Refund.objects.values_list("pk", flat=True)] == [first.json()["id"]]
    assert Refund.objects.get().amount == Decimal("30.00")


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


def test_over_what_the_line_has_left_is_refused(api, line):
    _refund(api, line, key="k-1", amount="60.00")

    response = _refund(api, line, key="k-2", amount="40.00")

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "refund_exceeds_paid",
        "field": "amount",
        "message": (
            "退款金额超出该商品可退金额：已付 99.00 元，已占用 60.00 元，最多还可退 39.00 元。"
        ),
    }
    assert Refund.objects.count() == 1


def test_exactly_what_is_left_is_accepted(api, line):
    _refund(api, line, key="k-1", amount="60.00")

    response = _refund(api, line, key="k-2", amount="39.00")

    assert response.status_code == 201


def test_a_failed_refund_frees_its_amount(api, line):
    first = _refund(api, line, key="k-1", amount="99.00").json()
    post_json(api, f"{API}/refunds/{first['id']}/settle", {"succeeded": False})

    response = _refund(api, line, key="k-2", amount="99.00")

    assert response.status_code == 201


def test_freight_over_what_was_paid_is_refused(api, line):
    _refund(api, line, key="k-1", amount="1.00", freight_amount="5.00")

    response = _refund(api, line, key="k-2", amount="1.00", freight_amount="3.01")

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "freight_exceeds_paid",
        "field": "freight_amount",
        "message": "退运费超出该订单实付运费：实付 8.00 元，最多还可退 3.00 元。",
    }
    assert Refund.objects.count() == 1


def test_nothing_to_refund_is_refused(api, line):
    response = _refund(api, line, amount="0.00")

    assert response.status_code == 400
    assert error_of(response)["code"] == "amount_not_positive"
    assert Refund.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "-1.00"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "1.00", "freight_amount": "-0.01"}, "freight_amount"),
        ({"amount": "1e400"}, "amount"),
        ({}, "amount"),
    ],
)
def test_money_that_does_not_validate_is_422(api, line, body, field):
    response = _refund(api, line, **body)

    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid"
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


def test_a_refund_on_the_case_of_the_line_is_linked(api, shop, agent, socks, line):
    order, _lines = socks
    case = return_case_open(
        order=order, kind="refund_only", lines=[(line, 1)], reason="quality", actor=agent, now=NOW
    )

    response = _refund(api, line, amount="1.00", case_id=case.pk)

    assert response.status_code == 201
    assert response.json()["case_id"] == case.pk
    assert [r["id"] for r in api.get(f"{API}/refunds?case_id={case.pk}").json()] == [
        response.json()["id"]
    ]


@pytest.mark.parametrize("roles", [["packer"], ["warehouse"]])
def test_only_agents_and_supervisors_move_money(shop, line, roles):
    clerk = bearer_client(UserFactory(username="clerk", roles=roles, shops=[shop]))

    response = _refund(clerk, line, amount="1.00")

    assert response.status_code == 403
    assert error_of(response) == {
        "code": "permission_denied",
        "field": None,
        "message": "您的角色不能执行“退款”。",
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
