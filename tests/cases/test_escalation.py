"""Overdue cases are escalated to a supervisor by the periodic job, once per deadline."""

import datetime as dt

from aftersales.cases.models import CaseEvent, Priority
from aftersales.cases.services import cases_escalate_overdue
from aftersales.cases.tasks import escalate_overdue_cases
from tests.returns.factories import act, case_open, order_build, reloaded, sh

OPENED = sh(2026, 11, 20, 10, 0)


def _case(shop, agent, now=OPENED):
    order, lines = order_build(shop=shop)
    return case_open(
        order=order,
        lines=[(lines[0], 1)],
        kind="return_refund",
        reason="quality",
        actor=agent,
        now=now,
    )


def test_an_overdue_case_is_escalated_once_with_an_event(shop, agent):
    case = _case(shop, agent)
    later = case.due_at + dt.timedelta(minutes=1)

    assert cases_escalate_overdue(now=later) == 1
    assert cases_escalate_overdue(now=later + dt.timedelta(hours=1)) == 0

    case = reloaded(case)
    assert case.escalated_at == later
    assert case.priority == Priority.URGENT
    event = CaseEvent.objects.get(case=case, action="escalate_overdue")
    assert event.before == {"priority": Priority.NORMAL.value, "escalated_at": None}
    assert event.actor is None


def test_a_case_not_yet_due_or_closed_is_left_alone(shop, agent):
    due_later = _case(shop, agent)
    closed = _case(shop, agent)
    act(closed, "cancel", agent, OPENED, reason="买家撤回")

    assert cases_escalate_overdue(now=due_later.due_at - dt.timedelta(seconds=1)) == 0
    assert cases_escalate_overdue(now=due_later.due_at + dt.timedelta(days=30)) == 1
    assert reloaded(closed).escalated_at is None


def test_a_new_deadline_starts_a_new_clock(shop, agent):
    case = _case(shop, agent)
    cases_escalate_overdue(now=case.due_at + dt.timedelta(minutes=1))

    agreed = case.due_at + dt.timedelta(hours=1)
    act(reloaded(case), "agree", agent, agreed)

    case = reloaded(case)
    assert case.escalated_at is None
    assert cases_escalate_overdue(now=case.due_at + dt.timedelta(minutes=1)) == 1


def test_the_task_escalates_every_batch(shop, agent, time_machine):
    for _ in range(3):
        _case(shop, agent)
    time_machine.move_to(OPENED + dt.timedelta(days=10))

    result = escalate_overdue_cases.call()

    assert result == 3
    assert CaseEvent.objects.filter(action="escalate_overdue").count() == 3


def test_the_inbox_shows_and_filters_escalated_cases(client, shop, agent):
    waiting = _case(shop, agent)
    escalated = _case(shop, agent, now=OPENED - dt.timedelta(days=5))
    cases_escalate_overdue(now=OPENED)
    client.force_login(agent)

    page = client.get("/?escalated=1&closed=1").content.decode()

    assert escalated.number in page
    assert waiting.number not in page
    assert "已升级主管" in page
