"""The allowed moves are data; these tests read the data, no database needed."""

from collections import deque

import pytest

from aftersales.accounts.models import Role
from aftersales.cases import workflows
from aftersales.cases.registry import registry
from aftersales.core.errors import TransitionNotAllowed
from aftersales.returns import kinds
from aftersales.returns.kinds import CLOSED_STATUSES, INITIAL_STATUS, CaseKind, CaseStatus
from aftersales.returns.services import ACTIONS, RETURN_KINDS

# Actions that are not taken through case_act but through their own service.
APPROVAL_ACTIONS = {"approve", "reject", "refund_failed"}
FLOWS = {k.code: k.flow for k in registry.kinds() if k.area == "returns"}


def _statuses(flow):
    out = set(flow)
    for actions in flow.values():
        for targets in actions.values():
            out |= targets
    return out


def _reachable(flow, start):
    seen = {start}
    queue = deque([start])
    while queue:
        status = queue.popleft()
        for targets in flow.get(status, {}).values():
            for target in targets - seen:
                seen.add(target)
                queue.append(target)
    return seen


def test_flows_cover_exactly_the_five_kinds_of_returns():
    assert (
        set(FLOWS)
        == set(RETURN_KINDS)
        == {
            CaseKind.REFUND_ONLY,
            CaseKind.RETURN_REFUND,
            CaseKind.EXCHANGE,
            CaseKind.REFUSAL,
            CaseKind.COMPENSATION,
        }
    )


@pytest.mark.parametrize("kind", list(FLOWS))
def test_every_status_in_a_flow_is_a_case_status(kind):
    assert _statuses(FLOWS[kind]) <= set(CaseStatus.values)


@pytest.mark.parametrize("kind", list(FLOWS))
def test_every_action_in_a_flow_has_a_label(kind):
    actions = {a for acts in FLOWS[kind].values() for a in acts}
    assert actions <= set(kinds.ACTION_LABELS)


@pytest.mark.parametrize("kind", list(FLOWS))
def test_every_non_terminal_status_is_reachable_from_requested(kind):
    flow = FLOWS[kind]
    reachable = _reachable(flow, INITIAL_STATUS)
    assert set(flow) <= reachable
    assert CaseStatus.COMPLETED in reachable


@pytest.mark.parametrize("kind", list(FLOWS))
def test_a_status_with_no_way_out_is_a_closed_one(kind):
    flow = FLOWS[kind]
    terminal = _statuses(flow) - set(flow)
    assert terminal <= CLOSED_STATUSES


@pytest.mark.parametrize("kind", list(FLOWS))
def test_every_action_of_a_return_flow_has_a_service(kind):
    actions = {a for acts in FLOWS[kind].values() for a in acts}
    assert actions - APPROVAL_ACTIONS <= set(ACTIONS)


def test_every_role_rule_names_an_action_of_some_flow():
    actions = {a for flow in FLOWS.values() for acts in flow.values() for a in acts}
    assert set(kinds.ACTION_ROLES) <= actions
    assert set(kinds.ACTION_ROLES) <= set(kinds.ACTION_LABELS)


def test_roles_for_the_warehouse_and_the_supervisor_actions():
    k = CaseKind.COMPENSATION
    assert workflows.roles_for(CaseKind.EXCHANGE, "receive") == {Role.WAREHOUSE, Role.SUPERVISOR}
    assert workflows.roles_for(k, "approve") == {Role.SUPERVISOR}
    assert workflows.roles_for(k, "decide") == {Role.AGENT, Role.SUPERVISOR}
    assert workflows.roles_for(k, "teleport") == frozenset()


def test_check_move_allows_a_listed_move():
    workflows.check_move(
        CaseKind.RETURN_REFUND, CaseStatus.REQUESTED, "agree", CaseStatus.AWAITING_RETURN
    )


def test_check_move_refuses_an_unlisted_move_with_the_message():
    with pytest.raises(TransitionNotAllowed) as exc:
        workflows.check_move(
            CaseKind.RETURN_REFUND, CaseStatus.REQUESTED, "receive", CaseStatus.RECEIVED
        )
    assert str(exc.value) == "当前状态“待处理”下不能执行“仓库收货验货”。"
    assert str(exc.value) == workflows.MSG_NOT_ALLOWED % {
        "status": "待处理",
        "action": "仓库收货验货",
    }
    assert exc.value.code == "transition_not_allowed"


def test_check_move_refuses_a_listed_action_to_an_unlisted_target():
    with pytest.raises(TransitionNotAllowed):
        workflows.check_move(
            CaseKind.RETURN_REFUND, CaseStatus.REQUESTED, "agree", CaseStatus.COMPLETED
        )


def test_check_move_refuses_an_unknown_kind():
    with pytest.raises(TransitionNotAllowed) as exc:
        workflows.check_move("teleport", CaseStatus.REQUESTED, "agree", CaseStatus.REFUNDING)
    assert str(exc.value) == workflows.MSG_UNKNOWN_KIND % {"kind": "teleport"}


def test_actions_for_a_status_without_moves_is_empty():
    assert workflows.actions_for(CaseKind.REFUND_ONLY, CaseStatus.COMPLETED) == {}
    assert workflows.actions_for("teleport", CaseStatus.REQUESTED) == {}


def test_action_label_falls_back_to_the_code():
    assert workflows.action_label("agree") == "同意"
    assert workflows.action_label("teleport") == "teleport"
