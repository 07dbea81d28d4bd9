"""The outsider walk: every operation of the API, as a user of another shop, against the records
of ``shop``. The operations come from the OpenAPI schema, so a new endpoint is walked as soon as
it exists; one the walk does not know how to call fails the test until it is taught.

Also: the docs page renders and loads nothing from outside.
"""

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.accounts.models import ApiToken, ContactReveal
from aftersales.accounts.services import token_create
from aftersales.approvals.models import Approval, ApprovalRule
from aftersales.cases.models import Case, CaseAttachment, CaseEvent, CaseNote
from aftersales.cases.services import attachment_add, note_add
from aftersales.orders.models import Order
from aftersales.returns.models import Refund
from aftersales.returns.services import case_act, refund_request, return_case_open
from tests.api import API, NOW, PNG_1X1, bearer_client, error_of, order_build, written
from tests.authz import areas
from tests.authz.calls import OutsiderCall as Call

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def records(shop, agent, settings, tmp_path):
    """Shop A's records of every kind the API can address."""
    settings.MEDIA_ROOT = tmp_path
    order, lines = order_build(
        shop=shop, buyer_nick="tb-secret", freight_paid=Decimal("8.00"), postal_code="310000"
    )
    case = return_case_open(
        order=order,
        kind="compensation",
        lines=[(lines[0], 2)],
        reason="damaged",
        actor=agent,
        now=NOW,
    )
    case_act(
        case_id=case.pk,
        action="decide",
        actor=agent,
        now=NOW,
        params={"remedy": "cash", "amount": "80.00"},
    )
    refund, _ = refund_request(
        order_line=lines[0],
        amount=Decimal("5.00"),
        idempotency_key="secret-key",
        actor=agent,
        now=NOW,
        case_id=case.pk,
    )
    note = note_add(case=case, author=agent, body="秘密备注", now=NOW)
    attachment = attachment_add(
        case=case,
        uploaded_by=agent,
        upload=SimpleUploadedFile("p.png", PNG_1X1, content_type="image/png"),
        now=NOW,
    )
    return {
        "shop": shop,
        "order": order,
        "line": lines[0],
        "waybill": order.shipments.get().waybill_no,
        "case": Case.objects.get(pk=case.pk),
        "refund": refund,
        "approval": Approval.objects.get(case=case),
        "rule": ApprovalRule.objects.create(
            shop=shop,
            case_kind="compensation",
            condition="amount_over",
            threshold=Decimal("500.00"),
            note="秘密规则",
            created_at=NOW,
            updated_at=NOW,
        ),
        "note": note,
        "attachment": attachment,
        "token": ApiToken.objects.get(
            key_hash=ApiToken.hash_key(token_create(user=agent, name="秘密令牌"))
        ),
    }


def _path_ids(records) -> dict[str, Any]:
    """What each path parameter of the API stands for, filled with shop A's record."""
    return {
        "case_id": records["case"].pk,
        "order_id": records["order"].pk,
        "refund_id": records["refund"].pk,
        "approval_id": records["approval"].pk,
        "attachment_id": records["attachment"].pk,
        "note_id": records["note"].pk,
        "rule_id": records["rule"].pk,
        "line_id": records["line"].pk,
        "order_line_id": records["line"].pk,
        "shop_id": records["shop"].pk,
        "shipment_id": records["order"].shipments.get().pk,
        "token_id": records["token"].pk,
    }


def _secrets(records) -> list[str]:
    """Strings that would betray shop A's records if they showed up in an answer."""
    return [
        records["order"].order_no,
        "tb-secret",
        records["waybill"],
        records["case"].number,
        str(records["refund"].pk),
        "secret-key",
        "秘密备注",
        "13812345678",
        "秘密规则",
        "138****5678",
        "秘密令牌",
    ]


# A valid body for every action the API documents: the walk must reach the record lookup,
# not stop at validation. A new action fails the walk until it is taught here.
ACTION_PARAMS: dict[str, dict[str, Any]] = {
    "agree": {},
    "refuse": {"reason": "不给退"},
    "cancel": {"reason": "外人"},
    "buyer_ship": {"carrier": "yto", "waybill_no": "YT1"},
    "ship_replacement": {"carrier": "yto", "waybill_no": "YT1"},
    "reship": {"carrier": "yto", "waybill_no": "YT1"},
    "receive": {"intact": True},
    "parcel_back": {},
    "refund": {"amount": "1.00"},
    "retry_refund": {},
    "complete": {},
    "convert_to_refund": {},
    "buyer_sign": {},
    "escalate": {},
    "decide_reship": {},
    "reship_returned": {},
    "decide": {"remedy": "cash", "amount": "1.00"},
    "carry_out": {},
    **areas.merged("OUTSIDER_ACTION_PARAMS"),
}


def _calls(records) -> dict[tuple[str, str], Call]:
    """The operations the walk cannot call from the schema alone: lists, creates that name
    shop A's records in the body, and bodies it must fill to get past validation (which
    answers 422 before any record is looked up)."""
    order, line, case = records["order"], records["line"], records["case"]
    return {
        ("post", "/auth/token"): Call(
            "empty", json={"username": "outsider", "password": "pw-123456"}, auth=False
        ),
        ("get", "/auth/me"): Call("empty"),
        ("get", "/auth/tokens"): Call("empty"),
        ("get", "/orders"): Call("empty", query=f"q={order.order_no}"),
        ("post", "/orders"): Call(
            "404",
            json={
                "shop_id": records["shop"].pk,
                "orders": [
                    {
                        "order_no": order.order_no,
                        "buyer_nick": "tb-evil",
                        "status": "closed",
                        "goods_total": "0.00",
                        "amount_paid": "0.00",
                        "created_at": "2026-11-10T10:00:00+08:00",
                        "lines": [],
                    }
                ],
            },
        ),
        ("post", "/orders/import"): Call(
            "404",
            multipart={
                "shop_id": records["shop"].pk,
                "orders_file": SimpleUploadedFile("orders.csv", "订单编号\n".encode("gbk")),
            },
        ),
        ("post", "/orders/{order_id}/shipments/{shipment_id}/sign-in"): Call(
            "404", json={"precision": "none", "note": "外人"}
        ),
        ("get", "/cases"): Call("empty", query=f"q={case.number}&include_closed=true"),
        ("post", "/cases"): Call(
            "404",
            json={
                "order_id": order.pk,
                "kind": "refund_only",
                "reason": "quality",
                "lines": [{"order_line_id": line.pk, "quantity": 1}],
            },
        ),
        ("patch", "/cases/{case_id}"): Call("404", json={"unassign": True, "priority": 4}),
        ("post", "/cases/assign"): Call("404", json={"case_ids": [case.pk], "assignee_id": None}),
        **{
            ("post", f"/cases/{{case_id}}/actions/{name}"): Call(
                "404", json={"params": params, "comment": "外人"}
            )
            for name, params in ACTION_PARAMS.items()
        },
        ("post", "/cases/{case_id}/notes"): Call("404", json={"body": "我来过"}),
        ("post", "/cases/{case_id}/attachments"): Call(
            "404", multipart={"file": SimpleUploadedFile("x.png", PNG_1X1)}
        ),
        ("get", "/refunds"): Call("empty", query=f"case_id={case.pk}&order_line_id={line.pk}"),
        ("post", "/refunds"): Call(
            "404",
            json={"order_line_id": line.pk, "amount": "1.00"},
            headers={"Idempotency-Key": "outsider-1"},
        ),
        ("post", "/refunds/{refund_id}/settle"): Call("404", json={"succeeded": True}),
        ("get", "/approvals"): Call("empty"),
        ("post", "/approvals/{approval_id}/decide"): Call("404", json={"approve": True}),
        ("get", "/approvals/rules"): Call("empty"),
        ("post", "/approvals/rules"): Call(
            "404",
            json={
                "shop_id": records["shop"].pk,
                "case_kind": "compensation",
                "condition": "always",
            },
        ),
        ("patch", "/approvals/rules/{rule_id}"): Call("404", json={"is_active": False}),
    }


def _auto_call(op: dict, ids: dict[str, Any]) -> Call:
    """An operation on a record of shop A, called from its path: an empty JSON body, or a
    form with a photo in every file field and shop A's ids in the fields named after them."""
    form = op.get("requestBody", {}).get("content", {}).get("multipart/form-data")
    if form is None:
        return Call("404", json={})
    data: dict[str, Any] = {}
    for name, prop in form["schema"].get("properties", {}).items():
        if prop.get("format") == "binary":
            data[name] = SimpleUploadedFile(f"{name}.png", PNG_1X1)
        elif name in ids:
            data[name] = ids[name]
    return Call("404", multipart=data)


def _operations(client) -> list[tuple[str, str, dict]]:
    schema = client.get(f"{API}/openapi.json").json()
    ops = []
    for path, item in schema["paths"].items():
        assert path.startswith(f"{API}/"), path
        for method in METHODS:
            if method in item:
                ops.append((method, path.removeprefix(API), item[method]))
    return ops


def _request(client, method: str, url: str, call: Call):
    kwargs: dict[str, Any] = {"headers": call.headers}
    if call.multipart is not None:
        return getattr(client, method)(url, call.multipart, **kwargs)
    if method == "get":
        return client.get(url, **kwargs)
    return getattr(client, method)(
        url, json.dumps(call.json or {}), content_type="application/json", **kwargs
    )


def _shop_a_untouched(records) -> dict[str, Any]:
    return {
        "case": written(records["case"].pk),
        "orders": list(Order.objects.order_by("id").values()),
        "refunds": list(Refund.objects.order_by("pk").values()),
        "approvals": list(Approval.objects.order_by("id").values()),
        "rules": list(ApprovalRule.objects.order_by("id").values()),
        "reveals": ContactReveal.objects.count(),
        "tokens": list(
            ApiToken.objects.filter(user__shops=records["shop"]).values("id", "revoked_at")
        ),
    }


def test_the_outsider_walks_every_operation_and_finds_nothing(client, records, outsider):
    ids = {**_path_ids(records), **areas.merged_with("outsider_ids", records)}
    calls = {**_calls(records), **areas.merged_with("outsider_calls", records)}
    secrets = _secrets(records)
    api = bearer_client(outsider)
    before = _shop_a_untouched(records)
    operations = _operations(client)
    walked, unhandled, answers = set(), [], {}

    for method, path, op in operations:
        params = re.findall(r"{(\w+)}", path)
        call = calls.get((method, path))
        if call is None and params:
            call = _auto_call(op, ids)
        if call is None:
            unhandled.append(f"{method.upper()} {path}")
            continue
        unknown = [p for p in params if p not in ids]
        if unknown:
            unhandled.append(f"{method.upper()} {path}: no record of shop A for {unknown}")
            continue
        url = API + path.format(**ids) + (f"?{call.query}" if call.query else "")
        response = _request(api if call.auth else client, method, url, call)
        walked.add((method, path))
        answers[f"{method.upper()} {path}"] = response.status_code
        if call.expect == "404":
            assert response.status_code == 404, (method, path, response.content)
            assert error_of(response)["code"] == "not_found", (method, path)
        else:
            assert 200 <= response.status_code < 300, (method, path, response.content)
            text = response.content.decode()
            leaked = [s for s in secrets if s in text]
            assert leaked == [], (method, path, leaked)

    assert unhandled == [], "teach the outsider walk how to call: " + "; ".join(unhandled)
    stale = set(calls) - walked
    assert stale == set(), f"operations in the walk that the API no longer has: {stale}"
    assert _shop_a_untouched(records) == before
    assert CaseNote.objects.filter(author=outsider).count() == 0
    assert CaseAttachment.objects.filter(uploaded_by=outsider).count() == 0
    assert CaseEvent.objects.filter(actor=outsider).count() == 0
    assert len(walked) == len(operations), answers


def test_the_outsiders_lists_hold_nothing_of_shop_a(records, outsider):
    api = bearer_client(outsider)

    cases = api.get(f"{API}/cases?include_closed=true").json()
    refunds = api.get(f"{API}/refunds").json()
    approvals = api.get(f"{API}/approvals").json()
    orders = [api.get(f"{API}/orders?q={q}").json() for q in ("tb-secret", records["waybill"])]
    me = api.get(f"{API}/auth/me").json()

    assert cases == {"items": [], "count": 0}
    assert refunds == []
    assert approvals == {"items": [], "count": 0}
    assert orders == [[], []]
    assert records["shop"].pk not in me["shops"]


def test_the_outsider_cannot_reassign_a_case_to_themselves(records, outsider):
    response = bearer_client(outsider).patch(
        f"{API}/cases/{records['case'].pk}",
        {"assignee_id": outsider.pk},
        content_type="application/json",
    )

    assert response.status_code == 404
    assert Case.objects.get(pk=records["case"].pk).assignee_id is None


# --- the docs page -------------------------------------------------------------------------

_ASSET = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)


def test_the_docs_page_renders(client, db):
    response = client.get(f"{API}/docs")

    assert response.status_code == 200
    assert "<title>AfterSales API</title>" in response.content.decode()


def test_the_docs_page_loads_its_assets_from_this_site(client, db):
    html = client.get(f"{API}/docs").content.decode()

    assets = _ASSET.findall(html)

    assert sorted(assets) == [
        "/static/ninja/favicon.png",
        "/static/ninja/favicon.svg",
        "/static/ninja/swagger-ui-bundle.js",
        "/static/ninja/swagger-ui-init.js",
        "/static/ninja/swagger-ui.css",
    ]
    assert "http://" not in html
    assert "https://" not in html


@pytest.mark.xfail(
    "ninja" not in django_settings.INSTALLED_APPS,
    reason="django-ninja's assets are collected only once 'ninja' is in INSTALLED_APPS",
    strict=True,
)
def test_the_docs_assets_are_found_by_staticfiles(client, db):
    html = client.get(f"{API}/docs").content.decode()

    missing = [
        url
        for url in _ASSET.findall(html)
        if finders.find(url.removeprefix(django_settings.STATIC_URL)) is None
    ]

    assert missing == []


def test_the_openapi_schema_builds(client, db):
    response = client.get(f"{API}/openapi.json")

    assert response.status_code == 200
    assert response.json()["info"] == {"title": "AfterSales API", "version": "1", "description": ""}
