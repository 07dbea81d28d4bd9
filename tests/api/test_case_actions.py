"""Actions on cases through POST /cases/{id}/actions/{action}: the journeys of §1 end to end,
the refusals with their codes, notes and photos."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.approvals.models import Approval
from aftersales.cases.models import CaseAttachment, CaseEvent, CaseNote
from aftersales.orders.models import Product, Shipment
from aftersales.returns.models import FreightCharge, Refund
from tests.api import (
    API,
    NOW,
    PNG_1X1,
    act,
    bearer_client,
    carrier,
    error_of,
    order_build,
    post_json,
    written,
)
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def socks(shop):
    carrier()
    return order_build(shop=shop, freight_paid=Decimal("8.00"))


@pytest.fixture
def api(agent):
    return bearer_client(agent)


def _open(api, order, lines, kind, reason="quality", qty=2, **extra):
    if kind == "exchange":
        extra.setdefault("exchange_sku", lines[0].sku_code)
    if kind == "refusal":
        extra.setdefault("refused_at", "2026-11-14T08:30:00+08:00")
    response = post_json(
        api,
        f"{API}/cases",
        {
            "order_id": order.pk,
            "kind": kind,
            "reason": reason,
            "lines": [{"order_line_id": lines[0].pk, "quantity": qty}],
            **extra,
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def _ok(response, status: str, version: int) -> dict:
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["version"]) == (status, version)
    return body


def _refunds_of(api, case_id: int) -> list[dict]:
    response = api.get(f"{API}/refunds?case_id={case_id}")
    assert response.status_code == 200
    return response.json()


# --- the journeys --------------------------------------------------------------------------


def test_return_and_refund_walks_to_completed(api, warehouse, shop, socks):
    order, lines = socks
    store = bearer_client(warehouse)
    case = _open(api, order, lines, "return_refund")
    cid = case["id"]

    agreed = _ok(act(api, cid, "agree", version=1), "awaiting_return", 2)
    assert agreed["detail"]["return_address"] == shop.return_address
    assert agreed["due_rule"] == "ship_back_7d"
    _ok(
        act(api, cid, "buyer_ship", version=2, carrier="yto", waybill_no="YT7000000001"),
        "return_shipped",
        3,
    )
    received = _ok(
        act(store, cid, "receive", version=3, received={str(lines[0].pk): 2}, intact=True),
        "received",
        4,
    )
    assert received["lines"][0]["received_quantity"] == 2
    assert received["detail"]["goods_intact"] is True
    refunding = _ok(act(api, cid, "refund", version=4), "refunding", 5)
    # Completing by hand is offered only once every refund went through.
    assert refunding["actions"] == []

    [refund] = _refunds_of(api, cid)
    assert (refund["amount"], refund["status"], refund["order_line_id"]) == (
        "19.80",
        "pending",
        lines[0].pk,
    )
    settled = post_json(api, f"{API}/refunds/{refund['id']}/settle", {"succeeded": True})

    assert settled.status_code == 200
    assert settled.json()["status"] == "succeeded"
    done = api.get(f"{API}/cases/{cid}").json()
    assert (done["status"], done["is_open"], done["actions"]) == ("completed", False, [])
    assert [(e["action"], e["actor"], e["to_status"]) for e in done["events"]] == [
        ("create", "agent", "requested"),
        ("agree", "agent", "awaiting_return"),
        ("buyer_ship", "agent", "return_shipped"),
        ("receive", "warehouse", "received"),
        ("refund", "agent", "refunding"),
        ("refund_settled", "agent", ""),
        ("complete", None, "completed"),
    ]
    assert list(Shipment.objects.filter(case_id=cid).values_list("direction", "waybill_no")) == [
        ("return", "YT7000000001")
    ]


def test_refund_only_retries_a_failed_refund(api, socks):
    order, lines = socks
    cid = _open(api, order, lines, "refund_only", requested_amount="15.00")["id"]

    _ok(act(api, cid, "agree", version=1), "refunding", 2)
    [first] = _refunds_of(api, cid)
    failed = post_json(
        api,
        f"{API}/refunds/{first['id']}/settle",
        {"succeeded": False, "failure_reason": "账户冻结"},
    )
    assert failed.json()["status"] == "failed"
    back = api.get(f"{API}/cases/{cid}").json()
    # Back in the queue with a deadline, never left "refunding".
    assert (back["status"], back["due_rule"], back["actions"]) == (
        "refund_failed",
        "refund_failed_24h",
        ["retry_refund"],
    )
    assert back["due_at"] is not None
    _ok(act(api, cid, "retry_refund", version=3), "refunding", 4)
    second = [r for r in _refunds_of(api, cid) if r["id"] != first["id"]]
    assert [(r["amount"], r["status"]) for r in second] == [("15.00", "pending")]
    post_json(api, f"{API}/refunds/{second[0]['id']}/settle", {"succeeded": True})

    assert api.get(f"{API}/cases/{cid}").json()["status"] == "completed"


def test_exchange_walks_to_completed_and_takes_the_stock(api, warehouse, shop, socks):
    order, lines = socks
    Product.objects.create(shop=shop, sku_code="WZ-10", title="袜子", stock=5)
    store = bearer_client(warehouse)
    cid = _open(api, order, lines, "exchange")["id"]

    _ok(act(api, cid, "agree", version=1), "awaiting_return", 2)
    _ok(
        act(api, cid, "buyer_ship", version=2, carrier="yto", waybill_no="YT7000000002"),
        "return_shipped",
        3,
    )
    _ok(act(store, cid, "receive", version=3, intact=True), "received", 4)
    _ok(
        act(store, cid, "ship_replacement", version=4, carrier="yto", waybill_no="YT7000000003"),
        "replacement_shipped",
        5,
    )
    done = _ok(act(api, cid, "buyer_sign", version=5), "completed", 6)

    assert done["is_open"] is False
    assert Product.objects.get(sku_code="WZ-10").stock == 3
    assert list(
        Shipment.objects.filter(case_id=cid).order_by("id").values_list("direction", flat=True)
    ) == ["return", "replacement"]
    assert Refund.objects.count() == 0


def test_exchange_without_stock_is_refused_then_becomes_a_refund(api, warehouse, shop, socks):
    order, lines = socks
    Product.objects.create(shop=shop, sku_code="WZ-10", title="袜子", stock=2)
    store = bearer_client(warehouse)
    cid = _open(api, order, lines, "exchange")["id"]
    act(api, cid, "agree")
    act(api, cid, "buyer_ship", carrier="yto", waybill_no="YT7000000004")
    act(store, cid, "receive")
    # Sold elsewhere since the agreement: one left.
    Product.objects.filter(shop=shop, sku_code="WZ-10").update(stock=1)
    before = written(cid)

    no_stock = act(store, cid, "ship_replacement", carrier="yto", waybill_no="YT7000000005")

    assert no_stock.status_code == 400
    assert error_of(no_stock) == {
        "code": "no_stock",
        "field": "stock",
        "message": "“男士中筒袜子 10双装”库存不足（剩余 1），可改为退货退款。",
    }
    assert written(cid) == before
    converted = _ok(act(api, cid, "convert_to_refund", version=4), "refunding", 5)
    assert converted["kind"] == "return_refund"
    assert [r["amount"] for r in _refunds_of(api, cid)] == ["19.80"]


def test_refusal_at_delivery_reships_the_missing_part(api, warehouse, socks):
    order, lines = socks
    store = bearer_client(warehouse)
    cid = _open(api, order, lines, "refusal", reason="shortage", refused_at=NOW.isoformat())["id"]

    _ok(
        act(store, cid, "parcel_back", version=1, received={str(lines[0].pk): 2}),
        "parcel_returned",
        2,
    )
    reshipping = _ok(act(api, cid, "decide_reship", version=2), "reshipping", 3)
    assert reshipping["due_rule"] == "reship_3_workdays"
    _ok(
        act(
            store,
            cid,
            "reship",
            version=3,
            carrier="yto",
            waybill_no="YT7000000006",
            freight="10.00",
        ),
        "reshipped",
        4,
    )
    _ok(act(api, cid, "buyer_sign", version=4), "completed", 5)

    assert sorted(
        FreightCharge.objects.filter(case_id=cid).values_list("leg", "bearer", "amount")
    ) == [
        ("outbound", "seller", Decimal("8.00")),
        ("reship", "seller", Decimal("10.00")),
        ("return", "seller", Decimal("0.00")),
    ]


def test_refused_return_can_be_escalated(api, socks):
    order, lines = socks
    cid = _open(api, order, lines, "return_refund", reason="no_reason")["id"]

    refused = _ok(act(api, cid, "refuse", version=1, reason="已超出七天"), "refused", 2)
    assert refused["detail"]["refuse_reason"] == "已超出七天"
    assert refused["actions"] == ["escalate"]

    _ok(act(api, cid, "escalate", version=2), "disputed", 3)


@pytest.fixture
def supervisor2(shop):
    return UserFactory(username="supervisor2", roles=["supervisor"], shops=[shop])


def test_compensation_over_the_threshold_needs_another_supervisors_approval(
    api, agent2, supervisor, supervisor2, socks
):
    order, lines = socks
    boss = bearer_client(supervisor)
    cid = _open(api, order, lines, "compensation", reason="damaged")["id"]

    deciding = _ok(
        act(boss, cid, "decide", version=1, remedy="cash", amount="80.00"), "awaiting_approval", 2
    )
    assert deciding["detail"]["compensation_amount"] == "80.00"
    [pending] = boss.get(f"{API}/approvals?status=pending").json()["items"]
    assert {k: pending[k] for k in ("case_id", "kind", "amount", "summary", "status")} == {
        "case_id": cid,
        "kind": "compensation",
        "amount": "80.00",
        "summary": "现金补偿 80.00",
        "status": "pending",
    }
    assert pending["requested_by_id"] == supervisor.pk
    url = f"{API}/approvals/{pending['id']}/decide"
    before = written(cid)

    own = post_json(boss, url, {"approve": True})
    by_agent = post_json(bearer_client(agent2), url, {"approve": True})

    assert own.status_code == 403
    assert error_of(own) == {
        "code": "own_approval",
        "field": None,
        "message": "不能审批自己提交的申请。",
    }
    assert by_agent.status_code == 403
    assert error_of(by_agent) == {
        "code": "permission_denied",
        "field": None,
        "message": "您的角色不能审批。",
    }
    assert written(cid) == before

    approved = post_json(bearer_client(supervisor2), url, {"approve": True, "comment": "同意"})

    assert approved.status_code == 200
    assert {k: approved.json()[k] for k in ("status", "decided_by_id", "comment")} == {
        "status": "approved",
        "decided_by_id": supervisor2.pk,
        "comment": "同意",
    }
    assert boss.get(f"{API}/approvals?status=pending").json()["items"] == []
    approved_list = boss.get(f"{API}/approvals?status=approved").json()["items"]
    assert [a["id"] for a in approved_list] == [pending["id"]]
    _ok(act(api, cid, "carry_out", version=3), "completed", 4)
    again = post_json(bearer_client(supervisor2), url, {"approve": False})
    assert again.status_code == 409
    assert error_of(again)["code"] == "approval_decided"


def test_compensation_rejected_goes_back_to_the_agent(api, supervisor, socks):
    order, lines = socks
    cid = _open(api, order, lines, "compensation", reason="damaged")["id"]
    act(api, cid, "decide", remedy="cash", amount="80.00")
    approval = Approval.objects.get(case_id=cid)

    rejected = post_json(
        bearer_client(supervisor),
        f"{API}/approvals/{approval.pk}/decide",
        {"approve": False, "comment": "金额过高"},
    )

    assert rejected.json()["status"] == "rejected"
    case = api.get(f"{API}/cases/{cid}").json()
    assert case["status"] == "requested"
    assert case["actions"] == ["decide", "refuse", "cancel"]


def test_compensation_by_refund_within_the_threshold_needs_no_approval(api, socks):
    order, lines = socks
    cid = _open(api, order, lines, "compensation", reason="shortage", qty=1)["id"]

    _ok(act(api, cid, "decide", version=1, remedy="refund", amount="9.90"), "approved", 2)
    _ok(act(api, cid, "carry_out", version=2), "refunding", 3)
    [refund] = _refunds_of(api, cid)
    post_json(api, f"{API}/refunds/{refund['id']}/settle", {"succeeded": True})

    assert refund["amount"] == "9.90"
    assert Approval.objects.count() == 0
    assert api.get(f"{API}/cases/{cid}").json()["status"] == "completed"


# --- refusals ------------------------------------------------------------------------------


@pytest.fixture
def case_id(api, socks):
    order, lines = socks
    return _open(api, order, lines, "return_refund")["id"]


def test_an_action_this_state_does_not_offer_is_409(api, case_id):
    before = written(case_id)

    response = act(api, case_id, "refund", version=1)

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "transition_not_allowed",
        "field": None,
        "message": "当前状态“待处理”下不能执行“退款”。",
    }
    assert written(case_id) == before


def test_an_unknown_action_is_409(api, case_id):
    before = written(case_id)

    response = act(api, case_id, "teleport")

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "unknown_action",
        "field": None,
        "message": "该售后单没有这个操作。",
    }
    assert written(case_id) == before


def test_an_action_of_another_role_is_403(warehouse, case_id):
    before = written(case_id)

    response = act(bearer_client(warehouse), case_id, "agree")

    assert response.status_code == 403
    assert error_of(response) == {
        "code": "permission_denied",
        "field": None,
        "message": "您的角色不能执行“同意”。",
    }
    assert written(case_id) == before


def test_a_stale_version_is_409_concurrent_change(api, agent2, case_id):
    # agent2 looked at version 1; agent agreed first.
    act(api, case_id, "agree", version=1)
    before = written(case_id)

    response = act(bearer_client(agent2), case_id, "cancel", version=1, reason="重复申请")

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "concurrent_change",
        "field": None,
        "message": "该售后单刚被其他人修改过，请刷新后再操作。",
    }
    assert written(case_id) == before


def test_refuse_without_a_reason_is_422_on_reason(api, case_id):
    before = written(case_id)

    response = act(api, case_id, "refuse", version=1, reason="   ")

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "required",
        "field": "params.reason",
        "message": "字段“params.reason”无效：不能为空。",
        "errors": [{"field": "params.reason", "message": "不能为空"}],
    }
    assert written(case_id) == before


def test_buyer_ship_without_a_waybill_is_422_on_waybill(api, case_id):
    act(api, case_id, "agree")
    before = written(case_id)

    response = act(api, case_id, "buyer_ship", carrier="yto")

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "required",
        "field": "params.waybill_no",
        "message": "字段“params.waybill_no”无效：必须填写。",
        "errors": [{"field": "params.waybill_no", "message": "必须填写"}],
    }
    assert written(case_id) == before


def test_receiving_more_than_asked_is_400_on_that_line(api, warehouse, socks, case_id):
    _order, lines = socks
    act(api, case_id, "agree")
    act(api, case_id, "buyer_ship", carrier="yto", waybill_no="YT7000000007")
    before = written(case_id)

    response = act(bearer_client(warehouse), case_id, "receive", received={str(lines[0].pk): 3})

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid_quantity",
        "field": f"received.{lines[0].pk}",
        "message": "实收数量不能超过申请数量 2。",
    }
    assert written(case_id) == before


def test_a_refund_amount_that_is_not_money_is_422(api, warehouse, case_id):
    act(api, case_id, "agree")
    act(api, case_id, "buyer_ship", carrier="yto", waybill_no="YT7000000008")
    act(bearer_client(warehouse), case_id, "receive")
    before = written(case_id)

    response = act(api, case_id, "refund", amount="ten")

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "invalid_amount",
        "field": "params.amount",
        "message": "字段“params.amount”无效：金额格式不正确。",
        "errors": [{"field": "params.amount", "message": "金额格式不正确"}],
    }
    assert written(case_id) == before


@pytest.mark.parametrize("received", ["all", [2]])
def test_received_quantities_that_are_not_a_mapping_are_422(api, warehouse, case_id, received):
    act(api, case_id, "agree")
    act(api, case_id, "buyer_ship", carrier="yto", waybill_no="YT7000000009")
    before = written(case_id)

    response = act(bearer_client(warehouse), case_id, "receive", received=received)

    assert response.status_code == 422
    assert error_of(response)["field"] == "params.received"
    assert written(case_id) == before


def test_a_waybill_longer_than_40_characters_is_422(api, case_id):
    act(api, case_id, "agree")
    before = written(case_id)

    response = act(api, case_id, "buyer_ship", carrier="yto", waybill_no="Y" * 41)

    assert response.status_code == 422
    assert error_of(response)["field"] == "params.waybill_no"
    assert written(case_id) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expected_version": "v1"}, "expected_version"),
        ({"params": ["reason"]}, "params"),
        ({"comment": 7}, "comment"),
    ],
)
def test_an_action_body_that_does_not_validate_is_422(api, case_id, body, field):
    before = written(case_id)

    response = post_json(api, f"{API}/cases/{case_id}/actions/agree", body)

    assert response.status_code == 422
    assert error_of(response)["field"] == field
    assert written(case_id) == before


def test_an_action_comment_lands_on_the_timeline(api, case_id):
    response = post_json(
        api, f"{API}/cases/{case_id}/actions/agree", {"comment": "已与买家确认", "params": {}}
    )

    assert response.json()["events"][-1]["comment"] == "已与买家确认"


# --- notes and photos ----------------------------------------------------------------------


def test_a_note_is_kept_and_on_the_timeline(api, agent, case_id):
    response = post_json(api, f"{API}/cases/{case_id}/notes", {"body": "  买家说下午在家  "})

    assert response.status_code == 201
    note = CaseNote.objects.get()
    assert response.json() == {"id": note.pk, "body": "买家说下午在家"}
    assert (note.case_id, note.author, note.created_at) == (case_id, agent, NOW)
    event = CaseEvent.objects.filter(case_id=case_id).last()
    assert (event.action, event.comment) == ("note", "买家说下午在家")


def test_an_empty_note_is_422_on_body(api, case_id):
    """The schema says a note says something (tests/fuzz holds the API to its schema)."""
    before = written(case_id)

    response = post_json(api, f"{API}/cases/{case_id}/notes", {"body": " \u3000 "})

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "required",
        "field": "body",
        "message": "字段“body”无效：不能为空。",
        "errors": [{"field": "body", "message": "不能为空"}],
    }
    assert written(case_id) == before


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_photo_is_attached(api, agent, case_id, media):
    photo = SimpleUploadedFile("破损.png", PNG_1X1, content_type="application/octet-stream")

    response = api.post(f"{API}/cases/{case_id}/attachments", {"file": photo})

    assert response.status_code == 201
    attachment = CaseAttachment.objects.get()
    assert response.json() == {
        "id": attachment.pk,
        "content_type": "image/png",
        "size": len(PNG_1X1),
        "name": "破损.png",
    }
    assert attachment.uploaded_by == agent
    assert attachment.file.read() == PNG_1X1
    event = CaseEvent.objects.filter(case_id=case_id).last()
    assert (event.action, event.after) == (
        "attach",
        {"attachment": attachment.pk, "name": "破损.png"},
    )


def test_a_text_file_is_not_a_photo(api, case_id, media):
    before = written(case_id)
    text = SimpleUploadedFile("photo.png", b"just some text", content_type="image/png")

    response = api.post(f"{API}/cases/{case_id}/attachments", {"file": text})

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "file_type",
        "field": "file",
        "message": "只能上传 JPEG、PNG、WebP 或 GIF 图片。",
    }
    assert written(case_id) == before
    assert list(media.rglob("*.*")) == []


def test_an_attachment_without_a_file_is_422_on_file(api, case_id, media):
    response = api.post(f"{API}/cases/{case_id}/attachments", {})

    assert response.status_code == 422
    assert error_of(response)["field"] == "file"
