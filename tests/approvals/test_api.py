"""The approvals API end to end, as a program calls it: a bearer token, JSON in and out, and
every error as {"code", "field", "message"}."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client

from aftersales.accounts.services import token_create
from aftersales.approvals.models import Approval, ApprovalRule, ApprovalStatus
from aftersales.cases.models import CaseEvent
from tests.approvals.factories import NOW, ApprovalFactory, ApprovalRuleFactory, CaseFactory

API = "/api/v1/approvals"
ERROR_KEYS = {"code", "field", "message"}

pytestmark = pytest.mark.usefixtures("site", "frozen")


def bearer(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(user=user, name='test')}"})


def post(client, path, data):
    return client.post(path, json.dumps(data), content_type="application/json")


def patch(client, path, data):
    return client.patch(path, json.dumps(data), content_type="application/json")


def error_of(response):
    body = response.json()
    assert set(body) - {"errors"} == ERROR_KEYS, body
    return {k: body[k] for k in ERROR_KEYS}


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def expected(approval, **changes):
    out = {
        "id": approval.pk,
        "case_id": approval.case_id,
        "case_number": approval.case.number,
        "kind": "compensation",
        "kind_label": "补偿审批",
        "amount": "80.00",
        "summary": "现金补偿 80.00",
        "status": "pending",
        "status_label": "待审批",
        "approver_role": "supervisor",
        "rule_id": approval.rule_id,
        "requested_by_id": approval.requested_by_id,
        "requested_by": "agent",
        "requested_at": iso(NOW),
        "due_at": iso(NOW + dt.timedelta(hours=24)),
        "overdue": False,
        "decided_by_id": None,
        "decided_by": None,
        "decided_at": None,
        "comment": "",
    }
    out.update(changes)
    return out


# --- reading ---------------------------------------------------------------------------------


def test_get_one_approval(approval, supervisor):
    response = bearer(supervisor).get(f"{API}/{approval.pk}")

    assert response.status_code == 200
    assert response.json() == expected(approval)


def test_list_is_paged_and_filtered_by_status(shop, agent, supervisor, approval):
    decided = ApprovalFactory(
        case=CaseFactory(shop=shop),
        requested_by=agent,
        status=ApprovalStatus.APPROVED,
        decided_by=supervisor,
        decided_at=NOW,
        due_at=NOW + dt.timedelta(hours=30),
    )
    api = bearer(supervisor)

    everything = api.get(API).json()
    pending = api.get(f"{API}?status=pending").json()
    approved = api.get(f"{API}?status=approved").json()
    page = api.get(f"{API}?limit=1&offset=1").json()

    assert everything["count"] == 2
    assert [a["id"] for a in everything["items"]] == [approval.pk, decided.pk]
    assert pending == {"count": 1, "items": [expected(approval)]}
    assert [a["id"] for a in approved["items"]] == [decided.pk]
    assert approved["items"][0]["decided_by"] == "supervisor"
    assert page == {"count": 2, "items": [approved["items"][0]]}


def test_a_page_holds_at_most_100(shop, agent, supervisor):
    for _ in range(101):
        ApprovalFactory(case=CaseFactory(shop=shop), requested_by=agent)

    body = bearer(supervisor).get(f"{API}?limit=500").json()

    assert body["count"] == 101
    assert len(body["items"]) == 100


def test_queue_true_lists_only_what_the_caller_may_decide(shop, approval, agent, supervisor):
    ApprovalFactory(case=CaseFactory(shop=shop), requested_by=supervisor)

    mine = bearer(supervisor).get(f"{API}?queue=true").json()
    agents = bearer(agent).get(f"{API}?queue=true").json()

    assert [a["id"] for a in mine["items"]] == [approval.pk]
    assert agents == {"count": 0, "items": []}


def test_overdue_is_flagged_once_the_deadline_has_passed(approval, supervisor, time_machine):
    time_machine.move_to(NOW + dt.timedelta(hours=24, seconds=1), tick=False)

    body = bearer(supervisor).get(f"{API}/{approval.pk}").json()

    assert body["overdue"] is True


def test_an_unknown_status_filter_is_422(supervisor):
    response = bearer(supervisor).get(f"{API}?status=maybe")

    assert response.status_code == 422
    assert error_of(response)["field"] == "status"


def test_the_outsider_sees_nothing(approval, outsider):
    api = bearer(outsider)

    listed = api.get(API)
    one = api.get(f"{API}/{approval.pk}")

    assert listed.json() == {"count": 0, "items": []}
    assert one.status_code == 404
    assert error_of(one) == {"code": "not_found", "field": None, "message": "记录不存在。"}


def test_without_credentials_401(approval):
    response = Client().get(API)

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


# --- deciding ------------------------------------------------------------------------------


def test_supervisor_approves(approval, supervisor, area):
    response = post(bearer(supervisor), f"{API}/{approval.pk}/decide", {"approve": True})

    assert response.status_code == 200
    assert response.json() == expected(
        approval,
        status="approved",
        status_label="已批准",
        decided_by_id=supervisor.pk,
        decided_by="supervisor",
        decided_at=iso(NOW + dt.timedelta(hours=1)),
    )
    assert len(area.calls) == 1


def test_supervisor_rejects_with_a_reason(approval, supervisor, area):
    response = post(
        bearer(supervisor), f"{API}/{approval.pk}/decide", {"approve": False, "comment": "太高"}
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["comment"]) == ("rejected", "太高")
    assert [c["approve"] for c in area.calls] == [False]


def test_the_session_of_the_workbench_works_too(approval, supervisor, area):
    client = Client()
    client.force_login(supervisor)

    response = post(client, f"{API}/{approval.pk}/decide", {"approve": True})

    assert response.status_code == 200
    assert response.json()["status"] == "approved"


def test_reject_without_a_reason_is_422_and_writes_nothing(approval, supervisor, area):
    before = list(Approval.objects.values()), CaseEvent.objects.count()

    response = post(bearer(supervisor), f"{API}/{approval.pk}/decide", {"approve": False})

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "reason_required",
        "field": "comment",
        "message": "驳回时请填写原因。",
    }
    assert (list(Approval.objects.values()), CaseEvent.objects.count()) == before
    assert area.calls == []


def test_deciding_ones_own_request_is_403(shop, case, supervisor, rule, area):
    own = ApprovalFactory(case=case, requested_by=supervisor, rule=rule)

    response = post(bearer(supervisor), f"{API}/{own.pk}/decide", {"approve": True})

    assert response.status_code == 403
    assert error_of(response) == {
        "code": "own_approval",
        "field": None,
        "message": "不能审批自己提交的申请。",
    }
    own.refresh_from_db()
    assert own.status == ApprovalStatus.PENDING


def test_the_agent_may_not_decide_403(approval, agent2, area):
    response = post(bearer(agent2), f"{API}/{approval.pk}/decide", {"approve": True})

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert area.calls == []


def test_the_outsider_deciding_is_404(approval, outsider, area):
    response = post(bearer(outsider), f"{API}/{approval.pk}/decide", {"approve": True})

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING


def test_deciding_twice_is_409(approval, supervisor, supervisor2, area):
    post(bearer(supervisor), f"{API}/{approval.pk}/decide", {"approve": True})

    again = post(
        bearer(supervisor2), f"{API}/{approval.pk}/decide", {"approve": False, "comment": "x"}
    )

    assert again.status_code == 409
    assert error_of(again) == {
        "code": "approval_decided",
        "field": "status",
        "message": "该审批已处理。",
    }
    assert len(area.calls) == 1


def test_decide_without_the_approve_field_is_422(approval, supervisor, area):
    response = post(bearer(supervisor), f"{API}/{approval.pk}/decide", {"comment": "嗯"})

    assert response.status_code == 422
    assert error_of(response)["field"] == "approve"


# --- rules ---------------------------------------------------------------------------------


def rule_out(rule, **changes):
    out = {
        "id": rule.pk,
        "shop_id": rule.shop_id,
        "case_kind": "compensation",
        "condition": "amount_over",
        "threshold": "50.00",
        "approver_role": "supervisor",
        "deadline_hours": 24,
        "is_active": True,
        "note": "",
        "created_by_id": None,
        "created_at": iso(NOW),
        "updated_by_id": None,
        "updated_at": iso(NOW),
    }
    out.update(changes)
    return out


def test_rules_list_the_shops_and_every_shops(rule, supervisor, other_shop):
    everywhere = ApprovalRuleFactory(shop=None, case_kind="", condition="always")
    ApprovalRuleFactory(shop=other_shop)

    response = bearer(supervisor).get(f"{API}/rules")

    assert response.status_code == 200
    assert response.json() == [
        rule_out(everywhere, shop_id=None, case_kind="", condition="always"),
        rule_out(rule),
    ]


def test_rules_filter_by_active(rule, supervisor):
    ApprovalRuleFactory(shop=rule.shop, is_active=False)

    body = bearer(supervisor).get(f"{API}/rules?active=true").json()

    assert [r["id"] for r in body] == [rule.pk]


def test_an_agent_may_not_read_the_rules(rule, agent):
    response = bearer(agent).get(f"{API}/rules")

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_supervisor_creates_a_rule(shop, supervisor):
    response = post(
        bearer(supervisor),
        f"{API}/rules",
        {
            "shop_id": shop.pk,
            "case_kind": "compensation",
            "condition": "amount_over",
            "threshold": "1000.00",
            "deadline_hours": 4,
            "note": "大额",
        },
    )

    assert response.status_code == 201
    created = ApprovalRule.objects.get()
    assert response.json() == rule_out(
        created,
        threshold="1000.00",
        deadline_hours=4,
        note="大额",
        created_by_id=supervisor.pk,
        updated_by_id=supervisor.pk,
        created_at=iso(NOW + dt.timedelta(hours=1)),
        updated_at=iso(NOW + dt.timedelta(hours=1)),
    )


def test_a_rule_for_every_shop_is_the_administrators(supervisor, administrator):
    body = {"shop_id": None, "condition": "review_compensation"}

    refused = post(bearer(supervisor), f"{API}/rules", body)
    made = post(bearer(administrator), f"{API}/rules", body)

    assert refused.status_code == 403
    assert error_of(refused)["code"] == "global_rule_admin_only"
    assert made.status_code == 201
    assert made.json()["shop_id"] is None


def test_a_rule_naming_a_role_that_cannot_decide_is_422(shop, supervisor):
    response = post(
        bearer(supervisor),
        f"{API}/rules",
        {"shop_id": shop.pk, "condition": "always", "approver_role": "agent"},
    )

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "approver_role_cannot_decide",
        "field": "approver_role",
        "message": "“售后客服”没有审批权限，不能作为审批角色。",
    }
    assert ApprovalRule.objects.count() == 0


def test_a_negative_threshold_is_422(shop, supervisor):
    response = post(
        bearer(supervisor),
        f"{API}/rules",
        {"shop_id": shop.pk, "condition": "amount_over", "threshold": "-1"},
    )

    assert response.status_code == 422
    assert error_of(response)["field"] == "threshold"


def test_the_outsider_cannot_create_a_rule_for_this_shop(shop, outsider):
    response = post(bearer(outsider), f"{API}/rules", {"shop_id": shop.pk, "condition": "always"})

    assert response.status_code == 404
    assert ApprovalRule.objects.count() == 0


def test_patch_changes_what_is_given(rule, supervisor):
    response = patch(bearer(supervisor), f"{API}/rules/{rule.pk}", {"threshold": "80.00"})

    assert response.status_code == 200
    assert response.json()["threshold"] == "80.00"
    assert response.json()["deadline_hours"] == 24
    rule.refresh_from_db()
    assert rule.threshold == Decimal("80.00")
    assert rule.updated_by_id == supervisor.pk


def test_patch_is_active_false_switches_the_rule_off(rule, supervisor):
    response = patch(bearer(supervisor), f"{API}/rules/{rule.pk}", {"is_active": False})

    assert response.json()["is_active"] is False
    rule.refresh_from_db()
    assert rule.is_active is False


def test_the_outsider_patching_this_shops_rule_is_404(rule, outsider):
    response = patch(bearer(outsider), f"{API}/rules/{rule.pk}", {"threshold": "0"})

    assert response.status_code == 404
    rule.refresh_from_db()
    assert rule.threshold == Decimal("50.00")


def test_the_operations_are_documented_with_their_errors(supervisor):
    schema = bearer(supervisor).get("/api/v1/openapi.json").json()
    paths = {p.removeprefix("/api/v1"): item for p, item in schema["paths"].items()}

    decide = paths["/approvals/{approval_id}/decide"]["post"]
    assert decide["tags"] == ["approvals"]
    # 400 and 413: a body that cannot be read or is over the size limit (core.schemas).
    assert set(decide["responses"]) == {"200", "400", "401", "403", "404", "409", "413", "422"}
    assert {"/approvals", "/approvals/{approval_id}", "/approvals/rules"} <= set(paths)
    assert set(paths["/approvals/rules/{rule_id}"]) == {"patch"}
