"""Requesting and deciding approvals, against the database: the row, the event, the handler,
and nothing written when a rule refuses."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from aftersales.approvals import registry
from aftersales.approvals.models import Approval, ApprovalStatus
from aftersales.approvals.services import (
    MSG_DECIDED,
    MSG_OWN_APPROVAL,
    MSG_PENDING_EXISTS,
    MSG_REASON_REQUIRED,
    approval_decide,
    approval_request,
)
from aftersales.cases.models import CaseEvent
from aftersales.core.errors import DomainError, NotFound, PermissionDeniedError
from tests.approvals.factories import LATER, NOW, ApprovalRuleFactory
from tests.factories import UserFactory

D = Decimal


def written(case):
    """Everything a decision may write; equal before and after a refused one."""
    return {
        "approvals": list(Approval.objects.filter(case=case).order_by("id").values()),
        "events": list(CaseEvent.objects.filter(case=case).order_by("id").values()),
    }


def events(case):
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True))


# --- requesting --------------------------------------------------------------------------------


def test_request_creates_a_pending_approval_with_the_rules_role_and_deadline(case, agent, shop):
    rule = ApprovalRuleFactory(shop=shop, deadline_hours=6)

    approval = approval_request(
        case=case,
        kind="compensation",
        amount=D("80"),
        summary="  现金补偿 80.00 ",
        actor=agent,
        now=NOW,
        rule=rule,
    )

    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING
    assert approval.case_id == case.pk
    assert approval.kind == "compensation"
    assert approval.amount == D("80.00")
    assert approval.summary == "现金补偿 80.00"
    assert approval.rule_id == rule.pk
    assert approval.approver_role == "supervisor"
    assert approval.requested_by_id == agent.pk
    assert approval.requested_at == NOW
    assert approval.due_at == NOW + dt.timedelta(hours=6)
    assert approval.decided_by_id is None
    assert approval.decided_at is None
    [event] = CaseEvent.objects.filter(case=case)
    assert event.action == "approval_requested"
    assert event.actor_id == agent.pk
    assert event.created_at == NOW
    assert event.after == {
        "approval": approval.pk,
        "kind": "compensation",
        "amount": "80.00",
        "summary": "现金补偿 80.00",
        "rule": rule.pk,
        "approver_role": "supervisor",
        "due_at": (NOW + dt.timedelta(hours=6)).isoformat(),
    }


def test_a_second_pending_request_on_the_case_is_refused(approval, case, agent, rule):
    before = written(case)

    with pytest.raises(DomainError) as exc:
        approval_request(
            case=case,
            kind="compensation",
            amount=D("90"),
            summary="再来一次",
            actor=agent,
            now=LATER,
            rule=rule,
        )

    assert exc.value.code == "approval_pending"
    assert exc.value.status == 409
    assert exc.value.message == MSG_PENDING_EXISTS
    assert written(case) == before


def test_the_outsider_cannot_request_on_another_shops_case(case, outsider, rule):
    with pytest.raises(NotFound):
        approval_request(
            case=case,
            kind="compensation",
            amount=D("80"),
            summary="现金补偿",
            actor=outsider,
            now=NOW,
            rule=rule,
        )

    assert written(case) == {"approvals": [], "events": []}


def test_the_warehouse_does_not_request_approvals(case, warehouse, rule):
    with pytest.raises(PermissionDeniedError):
        approval_request(
            case=case,
            kind="compensation",
            amount=D("80"),
            summary="现金补偿",
            actor=warehouse,
            now=NOW,
            rule=rule,
        )

    assert Approval.objects.count() == 0


@pytest.mark.parametrize(
    ("amount", "summary", "field", "code"),
    [
        (D("-0.01"), "现金补偿", "amount", "invalid"),
        (D("10000000000.00"), "现金补偿", "amount", "invalid"),
        (D("80"), "   ", "summary", "required"),
        (D("80"), "补" * 256, "summary", "too_long"),
    ],
)
def test_a_bad_amount_or_summary_is_refused_naming_the_field(
    case, agent, rule, amount, summary, field, code
):
    with pytest.raises(DomainError) as exc:
        approval_request(
            case=case,
            kind="compensation",
            amount=amount,
            summary=summary,
            actor=agent,
            now=NOW,
            rule=rule,
        )

    assert (exc.value.field, exc.value.code, exc.value.status) == (field, code, 422)
    assert written(case) == {"approvals": [], "events": []}


def test_a_rule_of_another_shop_is_a_programming_error(case, agent, other_shop):
    foreign = ApprovalRuleFactory(shop=other_shop)

    with pytest.raises(ValueError, match="belongs to shop"):
        approval_request(
            case=case,
            kind="compensation",
            amount=D("80"),
            summary="现金补偿",
            actor=agent,
            now=NOW,
            rule=foreign,
        )


def test_a_rule_of_every_shop_serves_any_shops_case(case, agent):
    everywhere = ApprovalRuleFactory(shop=None, deadline_hours=48)

    approval = approval_request(
        case=case,
        kind="compensation",
        amount=D("80"),
        summary="现金补偿",
        actor=agent,
        now=NOW,
        rule=everywhere,
    )

    assert approval.rule == everywhere
    assert approval.due_at == NOW + dt.timedelta(hours=48)


# --- deciding ----------------------------------------------------------------------------------


def test_approve_records_the_decision_and_calls_the_area_once(approval, supervisor, case, area):
    decided = approval_decide(
        approval_id=approval.pk, actor=supervisor, approve=True, comment="同意", now=LATER
    )

    decided.refresh_from_db()
    assert decided.status == ApprovalStatus.APPROVED
    assert decided.decided_by_id == supervisor.pk
    assert decided.decided_at == LATER
    assert decided.comment == "同意"
    assert len(area.calls) == 1
    [call] = area.calls
    assert call == {
        "approval": approval.pk,
        "status": ApprovalStatus.APPROVED,
        "case": case,
        "approve": True,
        "actor": supervisor,
        "now": LATER,
        "comment": "同意",
    }
    assert events(case) == ["approval_requested", "approval_approved", "fake_area_moved"]
    decision = CaseEvent.objects.get(case=case, action="approval_approved")
    assert decision.actor_id == supervisor.pk
    assert decision.created_at == LATER
    assert decision.comment == "同意"
    assert decision.before == {"approval": approval.pk, "status": "pending"}
    assert decision.after == {
        "approval": approval.pk,
        "status": "approved",
        "kind": "compensation",
        "amount": "80.00",
    }


def test_approve_needs_no_comment(approval, supervisor, area):
    decided = approval_decide(
        approval_id=approval.pk, actor=supervisor, approve=True, comment="", now=LATER
    )

    assert decided.status == ApprovalStatus.APPROVED
    assert decided.comment == ""


def test_reject_with_a_reason_records_it_and_tells_the_area(approval, supervisor, case, area):
    approval_decide(
        approval_id=approval.pk, actor=supervisor, approve=False, comment=" 金额过高 ", now=LATER
    )

    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REJECTED
    assert approval.comment == "金额过高"
    assert approval.decided_by_id == supervisor.pk
    assert [(c["approve"], c["comment"]) for c in area.calls] == [(False, "金额过高")]
    assert events(case) == ["approval_requested", "approval_rejected", "fake_area_moved"]
    assert CaseEvent.objects.get(action="approval_rejected").comment == "金额过高"


@pytest.mark.parametrize("comment", ["", "   "])
def test_reject_without_a_reason_is_refused(approval, supervisor, case, area, comment):
    before = written(case)

    with pytest.raises(DomainError) as exc:
        approval_decide(
            approval_id=approval.pk, actor=supervisor, approve=False, comment=comment, now=LATER
        )

    assert exc.value.field == "comment"
    assert exc.value.code == "reason_required"
    assert exc.value.message == MSG_REASON_REQUIRED
    assert written(case) == before
    assert area.calls == []


def test_a_reason_longer_than_the_record_holds_is_refused_not_cut(approval, supervisor, case):
    before = written(case)

    with pytest.raises(DomainError) as exc:
        approval_decide(
            approval_id=approval.pk, actor=supervisor, approve=False, comment="长" * 256, now=LATER
        )

    assert (exc.value.field, exc.value.code) == ("comment", "too_long")
    assert written(case) == before


def test_the_requester_may_not_decide_their_own_request(case, shop, supervisor, rule, area):
    # A supervisor asked; a supervisor may decide, but not this one.
    own = approval_request(
        case=case,
        kind="compensation",
        amount=D("80"),
        summary="现金补偿",
        actor=supervisor,
        now=NOW,
        rule=rule,
    )
    before = written(case)

    with pytest.raises(PermissionDeniedError) as exc:
        approval_decide(approval_id=own.pk, actor=supervisor, approve=True, comment="", now=LATER)

    assert exc.value.code == "own_approval"
    assert exc.value.message == MSG_OWN_APPROVAL
    assert str(exc.value.message) == "不能审批自己提交的申请。"
    assert written(case) == before
    assert area.calls == []


def test_another_supervisor_decides_a_supervisors_request(
    case, supervisor, supervisor2, rule, area
):
    own = approval_request(
        case=case,
        kind="compensation",
        amount=D("80"),
        summary="现金补偿",
        actor=supervisor,
        now=NOW,
        rule=rule,
    )

    approval_decide(approval_id=own.pk, actor=supervisor2, approve=True, comment="", now=LATER)

    own.refresh_from_db()
    assert own.decided_by_id == supervisor2.pk


def test_the_agent_may_not_decide(approval, agent2, case, area):
    before = written(case)

    with pytest.raises(PermissionDeniedError) as exc:
        approval_decide(approval_id=approval.pk, actor=agent2, approve=True, comment="", now=LATER)

    assert exc.value.code == "permission_denied"
    assert written(case) == before
    assert area.calls == []


def test_the_outsider_finds_nothing_to_decide(approval, outsider, case, area):
    """A supervisor, but of another shop: the approval does not exist for them."""
    before = written(case)

    with pytest.raises(NotFound):
        approval_decide(
            approval_id=approval.pk, actor=outsider, approve=True, comment="", now=LATER
        )

    assert written(case) == before
    assert area.calls == []


def test_an_unknown_approval_is_not_found(supervisor):
    with pytest.raises(NotFound):
        approval_decide(approval_id=987654, actor=supervisor, approve=True, comment="", now=LATER)


def test_the_actor_must_hold_the_approvals_approver_role(approval, shop, case, area):
    """Deciding takes the approval's role; holding the decide permission through another role
    is not enough."""
    Approval.objects.filter(pk=approval.pk).update(approver_role="administrator")
    boss = UserFactory(username="boss", roles=["supervisor"], shops=[shop])
    before = written(case)

    with pytest.raises(PermissionDeniedError) as exc:
        approval_decide(approval_id=approval.pk, actor=boss, approve=True, comment="", now=LATER)

    assert exc.value.code == "approver_role"
    assert str(exc.value.message) == "该申请需由“管理员”审批。"
    assert written(case) == before


def test_deciding_twice_is_refused_and_the_area_hears_once(approval, supervisor, supervisor2, area):
    approval_decide(approval_id=approval.pk, actor=supervisor, approve=True, comment="", now=LATER)
    before = written(approval.case)

    with pytest.raises(DomainError) as exc:
        approval_decide(
            approval_id=approval.pk, actor=supervisor2, approve=False, comment="不行", now=LATER
        )

    assert exc.value.code == "approval_decided"
    assert exc.value.status == 409
    assert exc.value.message == MSG_DECIDED
    assert written(approval.case) == before
    assert len(area.calls) == 1


def test_a_kind_nobody_handles_is_a_configuration_error_and_writes_nothing(
    case, agent, supervisor, rule, monkeypatch
):
    monkeypatch.delitem(registry._handlers, "review_compensation", raising=False)
    orphan = approval_request(
        case=case,
        kind="review_compensation",
        amount=D("20"),
        summary="中差评补偿 20 元",
        actor=agent,
        now=NOW,
        rule=rule,
    )
    before = written(case)

    with pytest.raises(ImproperlyConfigured, match="review_compensation"):
        approval_decide(
            approval_id=orphan.pk, actor=supervisor, approve=True, comment="", now=LATER
        )

    assert written(case) == before


def test_a_failing_area_undoes_the_decision(approval, supervisor, case, monkeypatch):
    """The handler runs in the decision's transaction: if the case cannot move, the approval
    stays pending."""

    def refuses(**kwargs):
        raise DomainError("售后单状态已变化。", code="transition_not_allowed")

    monkeypatch.setitem(registry._handlers, "compensation", refuses)
    before = written(case)

    with pytest.raises(DomainError):
        approval_decide(
            approval_id=approval.pk, actor=supervisor, approve=True, comment="", now=LATER
        )

    assert written(case) == before


# --- the registry ------------------------------------------------------------------------------


def test_registering_the_same_handler_twice_is_harmless(monkeypatch):
    monkeypatch.setattr(registry, "_handlers", {})

    def handler(**kwargs):
        return None

    registry.register_decision_handler("compensation", handler)
    registry.register_decision_handler("compensation", handler)

    assert registry.decision_handler_for("compensation") is handler
    assert registry.registered_kinds() == frozenset({"compensation"})


def test_a_second_handler_for_a_kind_is_refused(monkeypatch):
    monkeypatch.setattr(registry, "_handlers", {})
    registry.register_decision_handler("compensation", lambda **kw: None)

    with pytest.raises(ImproperlyConfigured, match="already registered"):
        registry.register_decision_handler("compensation", lambda **kw: None)
