"""Cases through the API: open one of each kind, the inbox with its filters and pages, one case."""

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.cases import services as case_services
from aftersales.cases.models import Case, CaseEvent, CaseLine
from aftersales.returns.models import ReturnDetail
from aftersales.returns.services import case_act, return_case_open
from tests.api import (
    API,
    NOW,
    SHANGHAI,
    bearer_client,
    error_of,
    order_build,
    post_json,
    written,
)
from tests.factories import ShipmentFactory


def sh(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def iso(moment: dt.datetime) -> str:
    """How the API writes a stored time: UTC with a Z."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def socks(shop):
    return order_build(
        shop=shop,
        lines=[{}, {"title": "棉质短袜 5双装", "quantity": 5, "amount_paid": Decimal("45.00")}],
        freight_paid=Decimal("8.00"),
    )


def _create_body(order, lines, **extra):
    if extra.get("kind") == "exchange":
        extra.setdefault("exchange_sku", lines[0][0].sku_code)
    if extra.get("kind") == "refusal":
        extra.setdefault("refused_at", "2026-11-14T08:30:00+08:00")
    return {
        "order_id": order.pk,
        "reason": "quality",
        "lines": [{"order_line_id": line.pk, "quantity": qty} for line, qty in lines],
        **extra,
    }


# --- creating ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "actions"),
    [
        ("refund_only", ["agree", "refuse", "cancel"]),
        ("return_refund", ["agree", "refuse", "cancel"]),
        # The shop keeps no stock of the socks: agreeing to the exchange is not offered.
        ("exchange", ["refuse", "cancel", "convert_to_refund"]),
        ("refusal", ["parcel_back", "cancel"]),
        ("compensation", ["decide", "refuse", "cancel"]),
    ],
)
def test_create_each_kind(agent, shop, socks, kind, actions):
    order, lines = socks
    api = bearer_client(agent)

    response = post_json(
        api,
        f"{API}/cases",
        _create_body(order, [(lines[0], 2), (lines[1], 5)], kind=kind, buyer_claim="袜子掉色"),
    )

    assert response.status_code == 201
    case = Case.objects.get()
    body = response.json()
    assert {k: v for k, v in body.items() if k not in ("events", "detail")} == {
        "id": case.pk,
        "number": f"AS261114{case.pk:07d}",
        "shop_id": shop.pk,
        "order_id": order.pk,
        "order_no": order.order_no,
        "buyer_nick": order.buyer_nick,
        "kind": kind,
        "kind_label": {
            "refund_only": "仅退款",
            "return_refund": "退货退款",
            "exchange": "换货",
            "refusal": "拒收",
            "compensation": "补偿",
        }[kind],
        "status": "requested",
        "status_label": "待处理",
        "reason": "quality",
        "assignee_id": None,
        "priority": 2,
        "due_at": iso(NOW + dt.timedelta(hours=48)),
        "due_rule": "response_48h",
        "due_confirmed": True,
        "is_open": True,
        "escalated_at": None,
        "version": 1,
        "created_at": iso(NOW),
        "updated_at": iso(NOW),
        "actions": actions,
        "buyer_claim": "袜子掉色",
        "lines": [
            {
                "order_line_id": lines[0].pk,
                "title": "男士中筒袜子 10双装",
                "quantity": 2,
                "received_quantity": None,
            },
            {
                "order_line_id": lines[1].pk,
                "title": "棉质短袜 5双装",
                "quantity": 5,
                "received_quantity": None,
            },
        ],
    }
    # A refusal also records when it happened and whether it was reported in time.
    assert [(e["action"], e["from_status"], e["to_status"]) for e in body["events"]] == [
        ("create", "", "requested"),
        *([("refusal_reported", "", "")] if kind == "refusal" else []),
    ]
    assert body["events"][0]["actor"] == "agent"
    assert body["detail"]["fault_party"] == "seller"
    # The buyer asks for what two pairs of the first line and all of the second cost.
    assert body["detail"]["requested_amount"] == "64.80"
    assert ReturnDetail.objects.get(case=case).requested_amount == Decimal("64.80")


def test_create_takes_the_optional_fields(agent, socks):
    order, lines = socks

    response = post_json(
        bearer_client(agent),
        f"{API}/cases",
        _create_body(
            order,
            [(lines[0], 1)],
            kind="refusal",
            requested_amount="9.90",
            freight_insurance=True,
            refused_at="2026-11-14T08:00:00+08:00",
            priority=4,
        ),
    )

    assert response.status_code == 201
    body = response.json()
    assert body["priority"] == 4
    assert body["detail"]["requested_amount"] == "9.90"
    assert body["detail"]["freight_insurance"] is True
    assert [e["action"] for e in body["events"]] == ["create", "refusal_reported"]
    after = body["events"][1]["after"]
    assert dt.datetime.fromisoformat(after["refused_at"]) == sh(2026, 11, 14, 8, 0)
    assert after["reported_late"] is False


def test_create_a_no_reason_return_after_the_window_is_refused(agent, shop):
    order, lines = order_build(shop=shop, signed_at=sh(2026, 11, 1, 10, 0))

    response = post_json(
        bearer_client(agent),
        f"{API}/cases",
        _create_body(order, [(lines[0], 1)], kind="return_refund", reason="no_reason"),
    )

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "window_closed",
        "field": "reason",
        "message": "“男士中筒袜子 10双装”的七天无理由期限已于 2026-11-08 10:00 结束。",
    }
    assert Case.objects.count() == 0


def test_create_a_return_before_sign_in_is_refused(agent, shop):
    order, lines = order_build(shop=shop, signed_at=None)

    response = post_json(
        bearer_client(agent),
        f"{API}/cases",
        _create_body(order, [(lines[0], 1)], kind="exchange", reason="no_reason"),
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "not_signed"
    assert error_of(response)["field"] == "kind"
    assert Case.objects.count() == 0


def test_create_with_a_line_of_another_order_is_refused(agent, shop, socks):
    order, _lines = socks
    _other, other_lines = order_build(shop=shop)

    response = post_json(
        bearer_client(agent),
        f"{API}/cases",
        _create_body(order, [(other_lines[0], 1)], kind="refund_only"),
    )

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "line_not_in_order",
        "field": "lines",
        "message": "商品行不属于该订单。",
    }
    assert Case.objects.count() == 0


def test_create_with_an_unknown_line_is_refused(agent, socks):
    order, _lines = socks

    response = post_json(
        bearer_client(agent),
        f"{API}/cases",
        {
            **_create_body(order, [], kind="refund_only"),
            "lines": [{"order_line_id": 999999, "quantity": 1}],
        },
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "line_not_in_order"


def test_create_with_more_than_bought_is_refused(agent, socks):
    order, lines = socks

    response = post_json(
        bearer_client(agent),
        f"{API}/cases",
        _create_body(order, [(lines[1], 6)], kind="refund_only"),
    )

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "quantity_too_large",
        "field": "lines",
        "message": "数量 6 超过购买数量 5。",
    }
    assert Case.objects.count() == 0


def test_create_with_a_line_twice_is_refused(agent, socks):
    order, lines = socks

    response = post_json(
        bearer_client(agent),
        f"{API}/cases",
        _create_body(order, [(lines[0], 1), (lines[0], 2)], kind="refund_only"),
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "line_repeated"
    assert Case.objects.count() == 0


def test_create_a_kind_outside_returns_is_refused(agent, socks):
    order, lines = socks

    response = post_json(
        bearer_client(agent),
        f"{API}/cases",
        _create_body(order, [(lines[0], 1)], kind="repair"),
    )

    # No area registered "repair": the body matches no opener's schema.
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid"
    assert error_of(response)["field"] == "kind"
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "swap"}, "kind"),
        ({"reason": "bored"}, "reason"),
        ({"lines": [{"order_line_id": "LINE", "quantity": 0}]}, "lines.0.order_line_id"),
        ({"lines": "LINE0"}, "lines"),
        ({"lines": []}, "lines"),
        ({"requested_amount": "-1.00"}, "requested_amount"),
        ({"requested_amount": "1.001"}, "requested_amount"),
        ({"priority": 9}, "priority"),
        ({"order_id": None}, "order_id"),
    ],
)
def test_create_with_an_invalid_field_is_422(agent, socks, change, field):
    order, lines = socks
    body = {**_create_body(order, [(lines[0], 1)], kind="refund_only"), **change}

    response = post_json(bearer_client(agent), f"{API}/cases", body)

    assert response.status_code == 422
    error = error_of(response)
    # Money that is not money, and numbers out of their range, say so in their code.
    assert error["code"] == {"-1.00": "out_of_range", "1.001": "invalid_amount"}.get(
        str(change.get("requested_amount")), "invalid"
    )
    assert error["field"] == field
    assert error["message"].startswith(f"字段“{field}”无效：")
    assert error["errors"][0]["field"] == field
    assert Case.objects.count() == 0


def test_create_with_a_refusal_time_without_zone_is_422(agent, socks):
    order, lines = socks

    response = post_json(
        bearer_client(agent),
        f"{API}/cases",
        _create_body(order, [(lines[0], 1)], kind="refusal", refused_at="2026-11-14T08:00:00"),
    )

    assert response.status_code == 422
    assert error_of(response)["field"] == "refused_at"
    assert Case.objects.count() == 0


def test_create_with_quantity_zero_is_422_naming_the_quantity(agent, socks):
    order, lines = socks

    response = post_json(
        bearer_client(agent),
        f"{API}/cases",
        _create_body(order, [(lines[0], 1), (lines[1], 0)], kind="refund_only"),
    )

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "out_of_range"
    assert error["field"] == "lines.1.quantity"
    assert error["errors"] == [{"field": "lines.1.quantity", "message": "必须大于 0"}]
    assert Case.objects.count() == 0


def test_create_with_every_field_missing_names_the_kind_first(agent, db):
    # The body is one of the kinds' openers (returns', the problem parcels'), told apart by
    # its kind: without one, there is nothing to check the rest against.
    response = post_json(bearer_client(agent), f"{API}/cases", {})

    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "kind"


def test_create_with_a_kind_and_nothing_else_lists_each_missing_field(agent, db):
    response = post_json(bearer_client(agent), f"{API}/cases", {"kind": "refund_only"})

    assert response.status_code == 422
    fields = [e["field"].removeprefix("refund_only.") for e in error_of(response)["errors"]]
    assert fields == ["order_id", "lines", "reason"]


# --- the inbox -----------------------------------------------------------------------------


@pytest.fixture
def inbox(shop, other_shop, agent, agent2, outsider):
    """Five cases of the shop and one of another shop, by what is due first:

    a  return_refund  due 11-14 09:00 (overdue)  assigned to agent   buyer tb-alice
    b  exchange       due 11-15 09:00            unassigned
    c  compensation   due 11-16 08:00            assigned to agent2
    d  refund_only    refunding, no deadline     unassigned
    e  refusal        cancelled (closed)
    x  another shop's case, same buyer nick as a
    """
    signed = sh(2026, 11, 11, 10, 0)

    def open_case(kind, created, nick, shop=shop, actor=agent):
        order, lines = order_build(shop=shop, signed_at=signed, buyer_nick=nick)
        return return_case_open(
            order=order,
            kind=kind,
            lines=[(lines[0], 1)],
            reason="quality",
            actor=actor,
            now=created,
            **({"refused_at": created - dt.timedelta(hours=1)} if kind == "refusal" else {}),
        )

    a = open_case("return_refund", sh(2026, 11, 12, 9, 0), "tb-alice")
    b = open_case("exchange", sh(2026, 11, 13, 9, 0), "tb-bob")
    c = open_case("compensation", sh(2026, 11, 14, 8, 0), "tb-carol")
    d = open_case("refund_only", sh(2026, 11, 13, 12, 0), "tb-dave")
    e = open_case("refusal", sh(2026, 11, 13, 10, 0), "tb-erin")
    x = open_case("return_refund", sh(2026, 11, 12, 9, 0), "tb-alice", other_shop, outsider)
    case_services.case_update(case_id=a.pk, actor=agent, now=NOW, assignee=agent)
    case_services.case_update(case_id=c.pk, actor=agent, now=NOW, assignee=agent2)
    case_act(case_id=d.pk, action="agree", actor=agent, now=sh(2026, 11, 13, 12, 5))
    case_act(
        case_id=e.pk,
        action="cancel",
        actor=agent,
        now=sh(2026, 11, 13, 12, 5),
        params={"reason": "买家撤回"},
    )
    return {k: Case.objects.get(pk=v.pk) for k, v in zip("abcdex", [a, b, c, d, e, x], strict=True)}


def _listed(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def _ids(inbox, names: str) -> list[int]:
    return [inbox[n].pk for n in names]


def test_inbox_lists_open_cases_due_first_and_no_deadline_last(agent, inbox):
    response = bearer_client(agent).get(f"{API}/cases")

    assert _listed(response) == _ids(inbox, "abcd")
    assert response.json()["count"] == 4


def test_inbox_item_carries_the_order_and_the_actions_of_the_reader(agent, warehouse, inbox):
    a = inbox["a"]

    as_agent = bearer_client(agent).get(f"{API}/cases").json()["items"][0]
    as_warehouse = bearer_client(warehouse).get(f"{API}/cases").json()["items"][0]

    assert as_agent == {
        "id": a.pk,
        "number": a.number,
        "shop_id": a.shop_id,
        "order_id": a.order_id,
        "order_no": a.order.order_no,
        "buyer_nick": "tb-alice",
        "kind": "return_refund",
        "kind_label": "退货退款",
        "status": "requested",
        "status_label": "待处理",
        "reason": "quality",
        "assignee_id": agent.pk,
        "priority": 2,
        "due_at": iso(sh(2026, 11, 14, 9, 0)),
        "due_rule": "response_48h",
        "due_confirmed": True,
        "is_open": True,
        "escalated_at": None,
        "version": 2,
        "created_at": iso(sh(2026, 11, 12, 9, 0)),
        "updated_at": iso(NOW),
        "actions": ["agree", "refuse", "cancel"],
        "stage": "pending",
        "amount": "9.90",
    }
    assert as_warehouse["id"] == a.pk
    assert as_warehouse["actions"] == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=exchange", "b"),
        ("kind=refund_only", "d"),
        ("kind=refusal", ""),
        ("kind=refusal&include_closed=true", "e"),
        ("status=refunding", "d"),
        ("status=cancelled", ""),
        ("status=cancelled&include_closed=true", "e"),
        ("assignee=me", "a"),
        ("assignee=none", "bd"),
        ("overdue=true", "a"),
        ("include_closed=true", "abcde"),
        ("q=tb-alice", "a"),
        ("q=+tb-bob+", "b"),
        # A search finds closed cases too, by part of the nick, whatever the letters' case.
        ("q=tb-erin", "e"),
        ("q=tb-erin&include_closed=true", "e"),
        ("q=tb-al", "a"),
        ("q=TB-AL", "a"),
        ("q=tb-", "abcde"),
        ("q=tb-&stage=pending", "abc"),
        ("kind=return_refund&assignee=me&overdue=true", "a"),
        ("kind=exchange&assignee=me", ""),
        ("stage=pending", "abc"),
        ("stage=all", "abcd"),
        ("stage=refunding", "d"),
        ("stage=to_receive", ""),
        ("stage=overdue", "a"),
        ("stage=mine", "ab"),  # the agent's own, and the unassigned waiting for the shop
    ],
)
def test_inbox_filters(agent, inbox, query, expected):
    response = bearer_client(agent).get(f"{API}/cases?{query}")

    assert _listed(response) == _ids(inbox, expected)
    assert response.json()["count"] == len(expected)


def test_inbox_filters_by_assignee_id(agent, agent2, inbox):
    response = bearer_client(agent).get(f"{API}/cases?assignee={agent2.pk}")

    assert _listed(response) == _ids(inbox, "c")


def test_inbox_finds_by_order_number(agent, inbox):
    response = bearer_client(agent).get(f"{API}/cases?q={inbox['c'].order.order_no}")

    assert _listed(response) == _ids(inbox, "c")


def test_inbox_finds_by_waybill(agent, inbox):
    waybill = inbox["b"].order.shipments.get().waybill_no

    response = bearer_client(agent).get(f"{API}/cases?q={waybill}")

    assert _listed(response) == _ids(inbox, "b")


def test_inbox_finds_by_a_return_waybill(agent, inbox):
    ShipmentFactory(order=inbox["d"].order, direction="return", waybill_no="SF1234567890")

    response = bearer_client(agent).get(f"{API}/cases?q=SF1234567890")

    assert _listed(response) == _ids(inbox, "d")


def test_inbox_finds_by_case_number(agent, inbox):
    response = bearer_client(agent).get(f"{API}/cases?q={inbox['d'].number}")

    assert _listed(response) == _ids(inbox, "d")


def test_inbox_never_finds_another_shops_case(agent, inbox):
    x = inbox["x"]

    by_number = bearer_client(agent).get(f"{API}/cases?q={x.number}&include_closed=true")
    by_shop = bearer_client(agent).get(f"{API}/cases?shop={x.shop_id}")

    assert _listed(by_number) == []
    assert _listed(by_shop) == []


def test_inbox_pages(agent, inbox):
    api = bearer_client(agent)

    first = api.get(f"{API}/cases?limit=2")
    second = api.get(f"{API}/cases?limit=2&offset=2")
    past = api.get(f"{API}/cases?limit=2&offset=10")

    assert _listed(first) == _ids(inbox, "ab")
    assert _listed(second) == _ids(inbox, "cd")
    assert _listed(past) == []
    assert [r.json()["count"] for r in (first, second, past)] == [4, 4, 4]


def test_inbox_page_holds_at_most_100_cases(agent, shop):
    order, _lines = order_build(shop=shop)
    Case.objects.bulk_create(
        Case(
            number=f"AS{n:07d}",
            shop=shop,
            order=order,
            kind="refund_only",
            status="requested",
            created_at=NOW,
            updated_at=NOW,
        )
        for n in range(101)
    )

    response = bearer_client(agent).get(f"{API}/cases?limit=100000")

    assert len(_listed(response)) == 100
    assert response.json()["count"] == 101


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("overdue=perhaps", "overdue"),
        ("stage=somewhere", "stage"),
    ],
)
def test_inbox_bad_query_is_422(agent, inbox, query, field):
    response = bearer_client(agent).get(f"{API}/cases?{query}")

    assert response.status_code == 422
    assert error_of(response)["field"] == field


def test_inbox_finds_by_the_receivers_name_and_phone_digits(agent, shop):
    order, lines = order_build(shop=shop, receiver_name="李雷", receiver_phone="13611112222")
    case = return_case_open(
        order=order,
        kind="return_refund",
        lines=[(lines[0], 1)],
        reason="quality",
        actor=agent,
        now=NOW,
    )
    api = bearer_client(agent)

    assert _listed(api.get(f"{API}/cases?q=李")) == []  # one character is too little
    assert _listed(api.get(f"{API}/cases?q=李雷")) == [case.pk]
    assert _listed(api.get(f"{API}/cases?q=2222")) == [case.pk]


# --- taking and handing out ----------------------------------------------------------------


def test_take_makes_the_case_the_readers(agent, inbox):
    b = inbox["b"]

    response = post_json(bearer_client(agent), f"{API}/cases/{b.pk}/take", {})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["assignee_id"], body["version"]) == (agent.pk, b.version + 1)
    assert body["events"][-1]["action"] == "assign"
    assert body["events"][-1]["after"] == {"assignee": agent.pk, "taken": True}


@pytest.mark.parametrize(
    ("name", "persona", "status", "code"),
    [
        ("c", "agent", 409, "already_assigned"),  # agent2's
        ("e", "agent", 409, "case_closed"),
        ("b", "warehouse", 403, "permission_denied"),
        ("x", "agent", 404, "not_found"),
    ],
)
def test_take_refused(request, inbox, name, persona, status, code):
    case = inbox[name]
    before = written(case.pk)

    response = post_json(
        bearer_client(request.getfixturevalue(persona)), f"{API}/cases/{case.pk}/take", {}
    )

    assert response.status_code == status, response.content
    assert error_of(response)["code"] == code
    assert written(case.pk) == before


def test_take_with_a_stale_version_is_409(agent, inbox):
    b = inbox["b"]

    response = post_json(
        bearer_client(agent), f"{API}/cases/{b.pk}/take", {"expected_version": b.version - 1}
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "concurrent_change"


def test_assign_hands_several_to_one_person(agent, agent2, inbox):
    ids = [inbox["a"].pk, inbox["b"].pk, inbox["c"].pk]

    response = post_json(
        bearer_client(agent), f"{API}/cases/assign", {"case_ids": ids, "assignee_id": agent2.pk}
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "cases": [
            {
                "id": inbox["a"].pk,
                "number": inbox["a"].number,
                "assignee_id": agent2.pk,
                "version": inbox["a"].version + 1,
            },
            {
                "id": inbox["b"].pk,
                "number": inbox["b"].number,
                "assignee_id": agent2.pk,
                "version": inbox["b"].version + 1,
            },
            # Already agent2's: left as it was.
            {
                "id": inbox["c"].pk,
                "number": inbox["c"].number,
                "assignee_id": agent2.pk,
                "version": inbox["c"].version,
            },
        ]
    }
    assert CaseEvent.objects.filter(action="assign").count() == 2


def test_assign_to_nobody(agent, inbox):
    response = post_json(
        bearer_client(agent),
        f"{API}/cases/assign",
        {"case_ids": [inbox["a"].pk], "assignee_id": None},
    )

    assert response.status_code == 200
    assert response.json()["cases"][0]["assignee_id"] is None


@pytest.mark.parametrize(
    ("names", "assignee", "status", "code"),
    [
        ("ax", "agent2", 404, "not_found"),  # one of another shop refuses them all
        ("ae", "agent2", 409, "case_closed"),
        ("a", "outsider", 404, "not_found"),  # nobody the agent's shops know
        ("", "agent2", 422, "invalid"),
    ],
)
def test_assign_is_all_or_nothing(request, agent, inbox, names, assignee, status, code):
    ids = [inbox[n].pk for n in names]
    person = request.getfixturevalue(assignee)
    before = [written(inbox[n].pk) for n in "abcdex"]

    response = post_json(
        bearer_client(agent), f"{API}/cases/assign", {"case_ids": ids, "assignee_id": person.pk}
    )

    assert response.status_code == status, response.content
    assert error_of(response)["code"] == code
    assert [written(inbox[n].pk) for n in "abcdex"] == before


def test_assign_needs_the_permission(warehouse, agent2, inbox):
    response = post_json(
        bearer_client(warehouse),
        f"{API}/cases/assign",
        {"case_ids": [inbox["a"].pk], "assignee_id": agent2.pk},
    )

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


# --- one case ------------------------------------------------------------------------------


@pytest.fixture
def shipped_return(shop, agent, socks):
    order, lines = socks
    case = return_case_open(
        order=order,
        kind="return_refund",
        lines=[(lines[0], 2)],
        reason="quality",
        actor=agent,
        now=sh(2026, 11, 13, 9, 0),
        freight_insurance=True,
    )
    case_act(case_id=case.pk, action="agree", actor=agent, now=sh(2026, 11, 13, 10, 0))
    case_act(
        case_id=case.pk,
        action="buyer_ship",
        actor=agent,
        now=sh(2026, 11, 13, 11, 0),
        params={"carrier": "yto", "waybill_no": "YT9000000001", "freight": "12.00"},
    )
    return Case.objects.get(pk=case.pk)


def test_get_case_shows_its_timeline(agent, shipped_return, shop):
    response = bearer_client(agent).get(f"{API}/cases/{shipped_return.pk}")

    assert response.status_code == 200
    body = response.json()
    events = CaseEvent.objects.filter(case=shipped_return).order_by("id")
    assert [
        (e["id"], e["actor"], e["action"], e["from_status"], e["to_status"], e["created_at"])
        for e in body["events"]
    ] == [
        (events[0].pk, "agent", "create", "", "requested", iso(sh(2026, 11, 13, 9, 0))),
        (
            events[1].pk,
            "agent",
            "agree",
            "requested",
            "awaiting_return",
            iso(sh(2026, 11, 13, 10, 0)),
        ),
        (
            events[2].pk,
            "agent",
            "buyer_ship",
            "awaiting_return",
            "return_shipped",
            iso(sh(2026, 11, 13, 11, 0)),
        ),
    ]
    assert body["events"][2]["after"]["waybill_no"] == "YT9000000001"
    assert body["events"][1]["after"]["return_address"] == shop.return_address
    assert body["detail"] == {
        "refunded": "0.00",
        "fault_party": "seller",
        "requested_amount": "19.80",
        "remedy": "",
        "compensation_amount": "0.00",
        "return_address": shop.return_address,
        "refuse_reason": "",
        "goods_intact": None,
        "freight_insurance": True,
        "freight": [
            {"leg": "outbound", "bearer": "seller", "amount": "8.00"},
            {"leg": "return", "bearer": "seller", "amount": "12.00"},
        ],
    }
    assert body["status"] == "return_shipped"
    assert body["version"] == 3


@pytest.mark.parametrize(
    ("persona", "actions"),
    [
        ("agent", []),
        ("warehouse", ["receive"]),
        ("supervisor", ["receive"]),
    ],
)
def test_get_case_offers_only_the_actions_of_the_role(request, shipped_return, persona, actions):
    user = request.getfixturevalue(persona)

    response = bearer_client(user).get(f"{API}/cases/{shipped_return.pk}")

    assert response.json()["actions"] == actions


def test_get_an_unknown_case_is_404(agent, db):
    response = bearer_client(agent).get(f"{API}/cases/999999")

    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "field": None, "message": "记录不存在。"}


def test_case_lines_stay_in_line_order(agent, socks):
    order, lines = socks
    response = post_json(
        bearer_client(agent),
        f"{API}/cases",
        _create_body(order, [(lines[1], 1), (lines[0], 1)], kind="refund_only"),
    )

    assert [ln["order_line_id"] for ln in response.json()["lines"]] == [lines[0].pk, lines[1].pk]
    assert CaseLine.objects.count() == 2


# --- assignment and priority ----------------------------------------------------------------


def test_patch_assigns_and_prioritises(agent, agent2, shipped_return):
    response = bearer_client(agent).patch(
        f"{API}/cases/{shipped_return.pk}",
        {"expected_version": 3, "assignee_id": agent2.pk, "priority": 3},
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["assignee_id"], body["priority"], body["version"]) == (agent2.pk, 3, 4)
    assert body["status"] == "return_shipped"
    assert body["events"][-1]["action"] == "update"
    assert body["events"][-1]["before"] == {"assignee": None, "priority": 2}
    assert body["events"][-1]["after"] == {"assignee": agent2.pk, "priority": 3}


def test_patch_unassigns(agent, shipped_return):
    case_services.case_update(case_id=shipped_return.pk, actor=agent, now=NOW, assignee=agent)

    response = bearer_client(agent).patch(
        f"{API}/cases/{shipped_return.pk}", {"unassign": True}, content_type="application/json"
    )

    assert response.json()["assignee_id"] is None


def test_patch_to_someone_of_another_shop_is_404(agent, outsider, shipped_return):
    response = bearer_client(agent).patch(
        f"{API}/cases/{shipped_return.pk}",
        {"assignee_id": outsider.pk},
        content_type="application/json",
    )

    assert response.status_code == 404
    assert Case.objects.get(pk=shipped_return.pk).assignee_id is None


def test_patch_with_a_stale_version_is_409(agent, agent2, shipped_return):
    response = bearer_client(agent).patch(
        f"{API}/cases/{shipped_return.pk}",
        {"expected_version": 2, "assignee_id": agent2.pk},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "concurrent_change"
    assert Case.objects.get(pk=shipped_return.pk).assignee_id is None


# --- cost ----------------------------------------------------------------------------------


def _queries(api, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert api.get(url).status_code == 200
    return len(captured)


def test_the_inbox_costs_the_same_for_two_cases_or_eight(agent, shop):
    api = bearer_client(agent)

    def open_cases(n: int) -> None:
        for _ in range(n):
            order, lines = order_build(shop=shop)
            return_case_open(
                order=order,
                kind="return_refund",
                lines=[(lines[0], 1)],
                reason="quality",
                actor=agent,
                now=NOW,
            )

    open_cases(2)
    few = _queries(api, f"{API}/cases")
    open_cases(6)
    many = _queries(api, f"{API}/cases")

    assert many == few


def test_a_case_costs_the_same_however_long_its_timeline(agent, shipped_return):
    api = bearer_client(agent)
    url = f"{API}/cases/{shipped_return.pk}"
    short = _queries(api, url)
    for n in range(5):
        case_services.note_add(case=shipped_return, author=agent, body=f"备注{n}", now=NOW)

    assert _queries(api, url) == short
