"""The workbench's watch: the agents' queue, a follow-up's work panel (htmx), opening a case
from it, the rules pages, the order page's panel and the menu's count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.cases.models import Case
from aftersales.watch.models import ContactLog, FollowUp, WatchRule
from aftersales.watch.sweep import followups_sweep
from aftersales.watch.views import PAGE_SIZE
from tests.watch.helpers import NOW, D, H, parcel

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def stalled(shop):
    o, _s = parcel(shop, at=NOW - 3 * D)
    followups_sweep(now=NOW)
    return FollowUp.objects.get(order=o)


def test_the_queue_shows_the_shops_open_followups_and_the_menu_counts_them(client, agent, stalled):
    client.force_login(agent)

    page = client.get(reverse("watch:queue")).content.decode()

    assert stalled.order.order_no in page
    assert "物流停滞" in page
    assert 'id="nav-watch"' in page
    assert 'id="followup-count">1<' in page


def test_the_menu_has_no_link_for_roles_that_do_not_work_followups(client, warehouse, stalled):
    client.force_login(warehouse)

    page = client.get(reverse("cases:inbox")).content.decode()

    assert 'id="nav-watch"' not in page
    assert client.get(reverse("watch:queue")).status_code == 403


def test_the_queue_filters_by_kind_and_pages_without_a_query_per_row(
    client, agent, shop, django_assert_max_num_queries
):
    for _ in range(PAGE_SIZE + 2):
        parcel(shop, at=NOW - 3 * D)
    refused, _ = parcel(shop, "refused", at=NOW - H)
    followups_sweep(now=NOW)
    client.force_login(agent)
    client.get(reverse("watch:queue"))

    with django_assert_max_num_queries(14):
        first = client.get(reverse("watch:queue")).content.decode()
    second = client.get(reverse("watch:queue") + "?page=2").content.decode()
    only = client.get(reverse("watch:queue") + "?kind=refused").content.decode()

    assert first.count('class="btn btn-sm btn-primary work"') == PAGE_SIZE
    assert second.count('class="btn btn-sm btn-primary work"') == 3
    assert 'id="queue-pages"' in first
    assert only.count('class="btn btn-sm btn-primary work"') == 1
    assert refused.order_no in only


def test_taking_from_the_queue_swaps_the_row(client, agent, stalled):
    client.force_login(agent)

    response = client.post(reverse("watch:take", args=[stalled.pk]), {"from": "queue"}, headers=HX)

    assert response.status_code == 200
    assert f'id="followup-{stalled.pk}"' in response.content.decode()
    assert 'class="work-slot"' not in response.content.decode()
    assert FollowUp.objects.get(pk=stalled.pk).assignee == agent


def test_the_work_panel_logs_a_contact_and_resolves_with_a_confirmation(client, agent, stalled):
    client.force_login(agent)
    url = reverse("watch:detail", args=[stalled.pk])
    panel = client.get(url, headers=HX).content.decode()
    p = f"c{stalled.pk}-"

    logged = client.post(
        reverse("watch:contact", args=[stalled.pk]),
        {f"{p}channel": "phone", f"{p}summary": "买家未接", f"{p}result": "no_answer"},
        headers=HX,
    ).content.decode()
    resolved = client.post(
        reverse("watch:resolve", args=[stalled.pk]),
        {f"r{stalled.pk}-result": "买家已收到"},
        headers=HX,
    ).content.decode()

    assert 'hx-confirm="将订单' in panel
    assert "买家未接" in logged
    assert "联系记录已保存" in logged
    assert 'data-status="done"' in resolved
    f = FollowUp.objects.get(pk=stalled.pk)
    assert (f.status, f.result, f.assignee) == ("done", "买家已收到", agent)


def test_a_contact_without_a_summary_is_said_on_the_panel(client, agent, stalled):
    client.force_login(agent)
    p = f"c{stalled.pk}-"

    response = client.post(
        reverse("watch:contact", args=[stalled.pk]),
        {f"{p}channel": "phone", f"{p}summary": "", f"{p}result": "no_answer"},
        headers=HX,
    )

    assert response.status_code == 200
    assert 'data-field="summary"' in response.content.decode()
    assert ContactLog.objects.count() == 0


def test_a_case_is_opened_from_a_followup(client, agent, stalled):
    client.force_login(agent)
    url = reverse("watch:open_case", args=[stalled.pk])
    line = stalled.order.lines.get()

    form = client.get(url)
    response = client.post(
        url,
        {
            "kind": "return_refund",
            "reason": "quality",
            f"qty_{line.pk}": "1",
            "priority": "2",
            "contact_channel": "phone",
            "contact_summary": "买家说袜子有破洞",
        },
    )

    case = Case.objects.get(order=stalled.order)
    assert form.status_code == 200
    assert 'hx-confirm="为订单' in form.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    f = FollowUp.objects.get(pk=stalled.pk)
    assert (f.status, f.opened_case_id, case.assignee) == ("done", case.pk, agent)


def test_the_order_page_shows_the_orders_followups_to_those_who_work_them(
    client, agent, warehouse, stalled
):
    url = reverse("orders:detail", args=[stalled.order_id])
    client.force_login(agent)
    mine = client.get(url).content.decode()
    client.force_login(warehouse)
    theirs = client.get(url).content.decode()

    assert 'id="order-followups"' in mine
    assert f'id="order-followup-{stalled.pk}"' in mine
    assert 'id="order-followups"' not in theirs


def test_the_rules_pages_write_a_shops_rule(client, supervisor, shop, agent):
    client.force_login(supervisor)

    listed = client.get(reverse("watch:rules")).content.decode()
    made = client.post(
        reverse("watch:rule_new"),
        {
            "shop": shop.pk,
            "kind": "stalled",
            "threshold_hours": "24",
            "due_hours": "8",
            "note": "大促",
            "is_active": "on",
        },
    )
    twice = client.post(
        reverse("watch:rule_new"),
        {"shop": shop.pk, "kind": "stalled", "threshold_hours": "12", "due_hours": "8"},
    )
    rule = WatchRule.objects.get(shop=shop, kind="stalled")
    edited = client.post(
        reverse("watch:rule_edit", args=[rule.pk]),
        {"threshold_hours": "30", "due_hours": "8", "note": "大促", "is_active": "on"},
    )

    assert "所有店铺" in listed
    assert made.status_code == 302
    assert twice.status_code == 422
    assert "已有这一类型" in twice.content.decode()
    assert edited.status_code == 302
    rule.refresh_from_db()
    assert (rule.threshold_hours, rule.due_hours, rule.is_active) == (30, 8, True)
    client.force_login(agent)
    assert client.get(reverse("watch:rules")).status_code == 403
