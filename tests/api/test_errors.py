"""Every error the API gives is JSON with exactly code, field and message (422 adds errors)."""

import pytest

from aftersales.orders import selectors as order_selectors
from tests.api import API, ERROR_KEYS, bearer_client, order_build, post_json


@pytest.fixture
def api(agent):
    return bearer_client(agent)


def test_a_body_that_is_not_json_is_400_bad_request(api, db):
    response = api.post(f"{API}/cases", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "bad_request",
        "field": None,
        "message": "请求内容无法解析。",
    }


def test_a_body_that_is_not_an_object_is_422(api, db):
    response = post_json(api, f"{API}/cases", [1, 2])

    assert response.status_code == 422
    body = response.json()
    assert set(body) == ERROR_KEYS | {"errors"}
    assert body["code"] == "invalid"


def test_an_unknown_endpoint_is_a_json_404(api, client, db):
    for response in (
        api.get(f"{API}/nothing/here"),
        client.post(f"{API}/cases/1/fly", {}),
        api.get(f"{API}/cases/"),
    ):
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "field": None, "message": "没有这个接口。"}


def test_a_path_id_that_is_not_a_number_is_422_on_it(api, db):
    response = api.get(f"{API}/cases/abc")

    assert response.status_code == 422
    assert response.json()["field"] == "case_id"


def test_a_refund_id_that_is_not_a_uuid_is_422_on_it(api, db):
    response = api.get(f"{API}/refunds/not-a-uuid")

    assert response.status_code == 422
    assert response.json()["field"] == "refund_id"


def test_an_unexpected_failure_is_a_json_500(api, shop, monkeypatch, caplog):
    order_build(shop=shop)

    def broken(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(order_selectors, "order_search", broken)

    response = api.get(f"{API}/orders?q=x")

    assert response.status_code == 500
    assert response.json() == {
        "code": "server_error",
        "field": None,
        "message": "服务器出错了，请稍后再试。",
    }
    assert "database on fire" not in response.content.decode()
    assert any(r.exc_info and "database on fire" in str(r.exc_info[1]) for r in caplog.records)


def test_errors_of_every_kind_have_the_same_keys(api, client, agent, shop, db):
    order, lines = order_build(shop=shop)
    case = post_json(
        api,
        f"{API}/cases",
        {
            "order_id": order.pk,
            "kind": "return_refund",
            "reason": "quality",
            "lines": [{"order_line_id": lines[0].pk, "quantity": 1}],
        },
    ).json()
    cid = case["id"]
    responses = {
        400: post_json(
            api,
            f"{API}/cases",
            {
                "order_id": order.pk,
                "kind": "return_refund",
                "reason": "quality",
                "lines": [{"order_line_id": 10**9, "quantity": 1}],
            },
        ),
        401: client.get(f"{API}/cases"),
        403: post_json(bearer_client(agent), f"{API}/cases/{cid}/actions/receive", {"params": {}}),
        404: api.get(f"{API}/cases/{cid + 1}"),
        409: post_json(api, f"{API}/cases/{cid}/actions/agree", {"expected_version": 9}),
        422: post_json(api, f"{API}/cases", {"kind": "x"}),
    }

    for status, response in responses.items():
        assert response.status_code == status
        assert response["Content-Type"] == "application/json; charset=utf-8"
        body = response.json()
        assert set(body) == (ERROR_KEYS | {"errors"} if status == 422 else ERROR_KEYS), status
        assert isinstance(body["code"], str)
        assert body["code"]
        assert isinstance(body["message"], str)
        assert body["message"]
        assert body["field"] is None or isinstance(body["field"], str)
