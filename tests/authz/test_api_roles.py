"""The role walk of the API: every operation of the OpenAPI schema, as each role alone in the
shop, against the written table (docs/permissions.md, generated from the code).

Each operation is mapped to the rule that governs it: a permission of
``accounts.permissions.PERMISSIONS``, the registered roles of a case action, or "any". An
operation the schema has and the mapping lacks fails the walk until it is taught here.

Every call runs on fresh records brought to the state the operation needs, with a valid body:
a role the table allows must get through (the exact answer is asserted, a domain refusal
explained where one is expected); a role it denies gets 403 ``permission_denied`` and nothing
is written. The outsider's walk (every operation, another shop: 404) is tests/api/
test_outsider.py; one sanity case is here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from aftersales.accounts.models import ApiToken, Role
from aftersales.accounts.permissions import PERMISSIONS, Perm
from aftersales.accounts.services import token_create
from aftersales.cases.registry import registry
from tests.api import API, PNG_1X1, bearer_client, error_of
from tests.authz import (
    ACTION_PARAMS,
    ACTION_STATES,
    ANY,
    PASSWORD,
    ROLES,
    Rule,
    Story,
    action_rule,
    areas,
    granted,
    role_user,
    rows,
    superuser_without_role,
)
from tests.authz.calls import Call

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "samples"
METHODS = ("get", "post", "put", "patch", "delete")

CASE = "/cases/{case_id}"

# Operation -> the rule that governs it. Reads of records are the shop's to see (CASE_VIEW,
# ORDER_VIEW); the approval rules are read only by those who manage them.
OPERATIONS: dict[tuple[str, str], Rule] = {
    ("post", "/auth/token"): ANY,
    ("get", "/auth/me"): ANY,
    # Everyone lists and revokes their own tokens (an administrator also their shops' staff's).
    ("get", "/auth/tokens"): ANY,
    ("delete", "/auth/tokens/{token_id}"): ANY,
    ("post", "/orders/import"): Perm.ORDER_IMPORT,
    ("post", "/orders"): Perm.ORDER_IMPORT,
    ("get", "/orders"): Perm.ORDER_VIEW,
    ("get", "/orders/{order_id}"): Perm.ORDER_VIEW,
    ("post", "/orders/{order_id}/contact"): Perm.CONTACT_REVEAL,
    ("post", "/orders/{order_id}/shipments/{shipment_id}/sign-in"): Perm.SIGN_IN_RECORD,
    ("get", "/cases"): Perm.CASE_VIEW,
    ("post", "/cases"): Perm.CASE_OPEN,
    ("get", CASE): Perm.CASE_VIEW,
    ("patch", CASE): Perm.CASE_ASSIGN,
    # Taking a case is assigning oneself: the roles that may assign, not every role that may
    # act on it (cases.services.case_take says why).
    ("post", f"{CASE}/take"): Perm.CASE_ASSIGN,
    ("post", "/cases/assign"): Perm.CASE_ASSIGN,
    **{("post", f"{CASE}/actions/{name}"): action_rule(name) for name in ACTION_STATES},
    ("post", f"{CASE}/notes"): Perm.CASE_NOTE,
    ("post", f"{CASE}/attachments"): Perm.CASE_NOTE,
    ("get", "/refunds"): Perm.CASE_VIEW,
    ("post", "/refunds"): Perm.REFUND_REQUEST,
    ("get", "/refunds/{refund_id}"): Perm.CASE_VIEW,
    ("post", "/refunds/{refund_id}/settle"): Perm.REFUND_SETTLE,
    ("get", "/approvals/rules"): Perm.APPROVAL_RULE_MANAGE,
    ("post", "/approvals/rules"): Perm.APPROVAL_RULE_MANAGE,
    ("patch", "/approvals/rules/{rule_id}"): Perm.APPROVAL_RULE_MANAGE,
    ("get", "/approvals"): Perm.CASE_VIEW,
    ("get", "/approvals/{approval_id}"): Perm.CASE_VIEW,
    ("post", "/approvals/{approval_id}/decide"): Perm.APPROVAL_DECIDE,
    **areas.merged("API_OPERATIONS"),
}

# What the walk found the code doing against the table: (operation, role) -> what happens.
# Each is a strict xfail, so the walk stays green until the code is fixed and then insists
# the entry be removed.
FINDINGS: dict[tuple[tuple[str, str], str], str] = {}
SUPERUSER_FINDINGS: dict[tuple[str, str], str] = {}
# Reads check the role too: anyone of the shop without a role (a superuser here) is refused
# what CASE_VIEW / ORDER_VIEW grant to roles only. Once a finding, now a rule.
SUPERUSER_READ_FINDINGS: dict[tuple[str, str], str] = {}


def _ids(items: Any) -> list[int | str]:
    if isinstance(items, dict):
        items = items["items"]
    return [item["id"] for item in items]


def _sample_head() -> bytes:
    """The seller centre's order report, cut to its header and first order."""
    return b"".join((SAMPLES / "ExportOrderList_sample.csv").read_bytes().splitlines(True)[:2])


ORDER_JSON = {
    "order_no": "4100000000000000001",
    "buyer_nick": "tb-json",
    "status": "wait_seller_send",
    "goods_total": "99.00",
    "amount_paid": "99.00",
    "created_at": "2026-11-10T10:00:00+08:00",
    "lines": [{"title": "袜子", "sku_code": "WZ-10", "unit_price": "9.90", "quantity": 10}],
}


def _action_call(name: str) -> Callable[[Story, Any], Call]:
    def build(story: Story, actor) -> Call:
        case = story.case_at(name)
        call = Call(
            ids={"case_id": case.pk},
            json={"params": ACTION_PARAMS[name], "expected_version": case.version},
            kind=case.kind,
        )
        if name == "complete":
            # Offered while refunding, it completes only once every refund went through, and
            # the platform's settlement of the last one completes the case by itself: an
            # allowed role passes the role check and meets this rule (400 refund_not_done).
            call.ok, call.ok_code = 400, "refund_not_done"
        return call

    return build


def _calls() -> dict[tuple[str, str], Callable[[Story, Any], Call]]:
    def token(story, actor):
        return Call(
            json={"username": actor.username, "password": PASSWORD},
            auth=False,
            shows=lambda r: r.json()["token"].startswith("as_"),
        )

    def me(story, actor):
        return Call(shows=lambda r: r.json()["shops"] == [story.shop.pk])

    def _own_token(actor) -> ApiToken:
        key = token_create(user=actor, name="walk-own")
        return ApiToken.objects.get(key_hash=ApiToken.hash_key(key))

    def tokens_list(story, actor):
        mine = _own_token(actor)
        return Call(shows=lambda r: mine.pk in _ids(r.json()))

    def token_revoke(story, actor):
        mine = _own_token(actor)
        return Call(
            ids={"token_id": mine.pk},
            shows=lambda r: r.json()["id"] == mine.pk and r.json()["revoked_at"] is not None,
        )

    def orders_import(story, actor):
        return Call(
            multipart={
                "shop_id": story.shop.pk,
                "orders_file": SimpleUploadedFile("ExportOrderList.csv", _sample_head()),
            },
            shows=lambda r: r.json()["orders_created"] == 1,
        )

    def orders_upsert(story, actor):
        return Call(
            json={"shop_id": story.shop.pk, "orders": [ORDER_JSON]},
            shows=lambda r: r.json()["orders_created"] == 1,
        )

    def orders_search(story, actor):
        order, _lines = story.order()
        return Call(query=f"q={order.order_no}", shows=lambda r: _ids(r.json()) == [order.pk])

    def order_get(story, actor):
        order, _lines = story.order()
        return Call(ids={"order_id": order.pk}, shows=lambda r: r.json()["id"] == order.pk)

    def contact(story, actor):
        order, _lines = story.order()
        return Call(
            ids={"order_id": order.pk},
            shows=lambda r: r.json()["receiver_phone"] == "13812345678",
        )

    def sign_in(story, actor):
        # The parcel was signed for on 12 Nov by the tracking; a person corrects it.
        order, _lines = story.order()
        shipment = order.shipments.get()
        return Call(
            ids={"order_id": order.pk, "shipment_id": shipment.pk},
            json={"precision": "date", "signed_on": "2026-11-11", "note": "买家来电更正"},
            shows=lambda r: (
                (r.json()["sign_precision"], len(r.json()["sign_in_changes"])) == ("date", 1)
            ),
        )

    def cases_list(story, actor):
        case = story.case()
        return Call(
            query=f"q={case.number}&include_closed=true",
            shows=lambda r: _ids(r.json()) == [case.pk],
        )

    def case_open(story, actor):
        order, lines = story.order()
        return Call(
            json={
                "order_id": order.pk,
                "kind": "return_refund",
                "reason": "quality",
                "lines": [{"order_line_id": lines[0].pk, "quantity": 1}],
            },
            ok=201,
        )

    def case_get(story, actor):
        case = story.case()
        return Call(ids={"case_id": case.pk}, shows=lambda r: r.json()["id"] == case.pk)

    def case_update(story, actor):
        case = story.case()
        return Call(
            ids={"case_id": case.pk},
            json={"priority": 4, "assignee_id": story.agent.pk},
            shows=lambda r: (r.json()["priority"], r.json()["assignee_id"]) == (4, story.agent.pk),
        )

    def case_take(story, actor):
        case = story.case()
        return Call(
            ids={"case_id": case.pk},
            json={"expected_version": case.version},
            shows=lambda r: r.json()["assignee_id"] == actor.pk,
        )

    def cases_assign(story, actor):
        cases = [story.case(), story.case()]
        return Call(
            json={"case_ids": [c.pk for c in cases], "assignee_id": story.agent.pk},
            shows=lambda r: [c["assignee_id"] for c in r.json()["cases"]] == [story.agent.pk] * 2,
        )

    def note(story, actor):
        return Call(ids={"case_id": story.case().pk}, json={"body": "已联系买家"}, ok=201)

    def attachment(story, actor):
        return Call(
            ids={"case_id": story.case().pk},
            multipart={"file": SimpleUploadedFile("photo.png", PNG_1X1)},
            ok=201,
        )

    def refunds_list(story, actor):
        refund = story.pending_refund()
        return Call(
            query=f"case_id={refund.case_id}", shows=lambda r: _ids(r.json()) == [str(refund.pk)]
        )

    def refund_create(story, actor):
        # No case named: a compensation is opened, decided and, under the rules' threshold,
        # carried out at once (201).
        _order, lines = story.order()
        return Call(
            json={"order_line_id": lines[0].pk, "amount": "5.00"},
            headers={"Idempotency-Key": f"walk-{actor.username}"},
            ok=201,
        )

    def refund_get(story, actor):
        refund = story.pending_refund()
        return Call(ids={"refund_id": refund.pk}, shows=lambda r: r.json()["id"] == str(refund.pk))

    def refund_settle(story, actor):
        refund = story.pending_refund()
        return Call(
            ids={"refund_id": refund.pk},
            json={"succeeded": True},
            shows=lambda r: r.json()["status"] == "succeeded",
        )

    def rules_list(story, actor):
        rule = story.rule()
        return Call(shows=lambda r: rule.pk in _ids(r.json()))

    def rule_create(story, actor):
        return Call(
            json={
                "shop_id": story.shop.pk,
                "case_kind": "compensation",
                "condition": "amount_over",
                "threshold": "200.00",
                "deadline_hours": 4,
            },
            ok=201,
        )

    def rule_update(story, actor):
        rule = story.rule()
        return Call(
            ids={"rule_id": rule.pk},
            json={"threshold": "60.00"},
            shows=lambda r: r.json()["threshold"] == "60.00",
        )

    def approvals_list(story, actor):
        approval = story.approval()
        return Call(shows=lambda r: _ids(r.json()) == [approval.pk])

    def approval_get(story, actor):
        approval = story.approval()
        return Call(ids={"approval_id": approval.pk}, shows=lambda r: r.json()["id"] == approval.pk)

    def approval_decide(story, actor):
        approval = story.approval()
        return Call(
            ids={"approval_id": approval.pk},
            json={"approve": True, "comment": "同意补偿"},
            shows=lambda r: r.json()["status"] == "approved",
        )

    return {
        ("post", "/auth/token"): token,
        ("get", "/auth/me"): me,
        ("get", "/auth/tokens"): tokens_list,
        ("delete", "/auth/tokens/{token_id}"): token_revoke,
        ("post", "/orders/import"): orders_import,
        ("post", "/orders"): orders_upsert,
        ("get", "/orders"): orders_search,
        ("get", "/orders/{order_id}"): order_get,
        ("post", "/orders/{order_id}/contact"): contact,
        ("post", "/orders/{order_id}/shipments/{shipment_id}/sign-in"): sign_in,
        ("get", "/cases"): cases_list,
        ("post", "/cases"): case_open,
        ("get", CASE): case_get,
        ("patch", CASE): case_update,
        ("post", f"{CASE}/take"): case_take,
        ("post", "/cases/assign"): cases_assign,
        **{("post", f"{CASE}/actions/{name}"): _action_call(name) for name in ACTION_STATES},
        ("post", f"{CASE}/notes"): note,
        ("post", f"{CASE}/attachments"): attachment,
        ("get", "/refunds"): refunds_list,
        ("post", "/refunds"): refund_create,
        ("get", "/refunds/{refund_id}"): refund_get,
        ("post", "/refunds/{refund_id}/settle"): refund_settle,
        ("get", "/approvals/rules"): rules_list,
        ("post", "/approvals/rules"): rule_create,
        ("patch", "/approvals/rules/{rule_id}"): rule_update,
        ("get", "/approvals"): approvals_list,
        ("get", "/approvals/{approval_id}"): approval_get,
        ("post", "/approvals/{approval_id}/decide"): approval_decide,
    }


CALLS = {**_calls(), **areas.merged("api_calls")}


def _request(client, method: str, path: str, call: Call):
    url = API + path.format(**call.ids) + (f"?{call.query}" if call.query else "")
    kwargs: dict[str, Any] = {"headers": call.headers}
    if call.multipart is not None:
        return getattr(client, method)(url, call.multipart, **kwargs)
    if method == "get":
        return client.get(url, **kwargs)
    return getattr(client, method)(
        url, json.dumps(call.json or {}), content_type="application/json", **kwargs
    )


def _op_id(op: tuple[str, str]) -> str:
    return f"{op[0].upper()} {op[1]}"


def _walk(findings: dict, ops, personas) -> list:
    params = []
    for op in ops:
        for persona in personas:
            key = (op, persona) if persona is not None else op
            marks = (
                [pytest.mark.xfail(strict=True, reason=findings[key])] if key in findings else []
            )
            ident = _op_id(op) + (f" as {persona}" if persona else "")
            params.append(pytest.param(op, *([persona] if persona else []), marks=marks, id=ident))
    return params


# --- the mapping is complete -----------------------------------------------------------------


def _schema_operations(client) -> set[tuple[str, str]]:
    schema = client.get(f"{API}/openapi.json").json()
    return {
        (method, path.removeprefix(API))
        for path, item in schema["paths"].items()
        for method in METHODS
        if method in item
    }


def test_every_operation_of_the_api_has_a_rule(client, db):
    operations = _schema_operations(client)

    untaught = sorted(_op_id(op) for op in operations - set(OPERATIONS))
    stale = sorted(_op_id(op) for op in set(OPERATIONS) - operations)

    assert untaught == [], "teach the role walk the rule of: " + "; ".join(untaught)
    assert stale == [], "operations in the walk that the API no longer has: " + "; ".join(stale)
    assert set(CALLS) == set(OPERATIONS)


def test_every_action_the_api_offers_has_a_state_to_be_taken_in():
    assert set(ACTION_STATES) == set(registry.public_actions())


def test_the_table_names_only_roles_that_exist():
    named = set().union(*PERMISSIONS.values())
    named |= {role for kind in registry.kinds() for a in kind.actions.values() for role in a.roles}

    assert named <= set(Role.values)
    assert set(PERMISSIONS) == set(Perm)


def test_docs_permissions_md_is_the_commands_output():
    out = StringIO()

    call_command("permissions_table", stdout=out)

    assert (ROOT / "docs" / "permissions.md").read_text(encoding="utf-8") == out.getvalue(), (
        "regenerate it: python manage.py permissions_table > docs/permissions.md"
    )


# --- each role against the table -------------------------------------------------------------


@pytest.mark.parametrize(("op", "role"), _walk(FINDINGS, OPERATIONS, ROLES))
def test_each_role_gets_what_the_table_says(client, story, shop, op, role):
    # Given fresh records where the operation applies, and someone who holds only ``role``
    actor = role_user(role, shop)
    call = CALLS[op](story, actor)
    allowed = granted(OPERATIONS[op], role, kind=call.kind)
    api = bearer_client(actor) if call.auth else client
    before = rows()

    # When they make the call
    response = _request(api, *op, call)

    # Then the table decides
    if allowed:
        assert response.status_code == call.ok, (role, op, response.content)
        if call.ok_code is not None:
            assert error_of(response)["code"] == call.ok_code
        if call.shows is not None:
            assert call.shows(response), (role, op, response.content)
    else:
        assert response.status_code == 403, (role, op, response.content)
        assert error_of(response)["code"] == "permission_denied"
        assert rows() == before


_WRITES = [op for op, rule in OPERATIONS.items() if op[0] != "get" and rule != ANY]
_READS = [op for op, rule in OPERATIONS.items() if op[0] == "get" and rule != ANY]


@pytest.mark.parametrize("op", _walk(SUPERUSER_FINDINGS, _WRITES, [None]))
def test_a_superuser_without_a_role_may_write_nothing(story, shop, op):
    # The administrator's powers are a role; being a superuser is no bypass.
    root = superuser_without_role(shop)
    call = CALLS[op](story, root)
    before = rows()

    response = _request(bearer_client(root), *op, call)

    assert response.status_code == 403, (op, response.content)
    assert error_of(response)["code"] == "permission_denied"
    assert rows() == before


@pytest.mark.parametrize("op", _walk(SUPERUSER_READ_FINDINGS, _READS, [None]))
def test_a_superuser_without_a_role_reads_nothing_of_the_shop(story, shop, op):
    # Reading the shop's records is a permission of roles too (CASE_VIEW, ORDER_VIEW, ...):
    # without one, a refusal or an answer without the shop's record.
    root = superuser_without_role(shop)
    call = CALLS[op](story, root)

    response = _request(bearer_client(root), *op, call)

    if response.status_code < 400:
        assert not call.shows(response), (op, response.content)
    else:
        assert response.status_code in (403, 404), (op, response.content)


def test_the_outsider_acting_on_a_case_of_the_shop_finds_nothing(story, outsider):
    # One sanity case; the outsider's walk of every operation is tests/api/test_outsider.py.
    call = _action_call("agree")(story, outsider)
    before = rows()

    response = _request(bearer_client(outsider), "post", f"{CASE}/actions/agree", call)

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert rows() == before
