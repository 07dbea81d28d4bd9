"""The inbox page through the test client: tabs by stage with their counts, each role's queue,
the columns, taking a case and handing out several, the search, and what a page costs."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.cases.models import Case, CaseEvent
from aftersales.cases.services import case_update
from tests.cases.inbox_story import NOW, cases_at_every_stage, open_case


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def story(shop, agent, warehouse):
    return cases_at_every_stage(shop, agent=agent, warehouse=warehouse)


def _page(client, user, query: str = "", **headers) -> str:
    client.force_login(user)
    response = client.get(reverse("cases:inbox") + query, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def _listed(page: str) -> list[str]:
    return re.findall(r'data-case="([^"]+)"', page)


def _tab(page: str, code: str) -> tuple[bool, int]:
    """Whether the tab is the active one, and its count."""
    match = re.search(
        rf'<a class="nav-link( active)?"[^>]*data-tab="{code}">[^<]*<span[^>]*>(\d+)</span>', page
    )
    assert match, code
    return bool(match.group(1)), int(match.group(2))


def _row(page: str, case: Case) -> str:
    start = page.index(f'data-case="{case.number}"')
    return page[start : page.index("</tr>", start)]


# --- tabs and counts ----------------------------------------------------------------------


def test_the_agent_opens_on_their_queue_with_every_tab_counted(client, agent, story):
    page = _page(client, agent)

    assert _tab(page, "mine") == (True, 4)
    assert [_tab(page, code)[1] for code in ("all", "pending", "awaiting_buyer", "to_receive")] == [
        8,
        3,
        1,
        2,
    ]
    assert [
        _tab(page, code)[1] for code in ("refunding", "refund_failed", "awaiting_approval")
    ] == [
        1,
        1,
        0,
    ]
    assert _tab(page, "overdue") == (False, 1)
    assert _listed(page) == [
        story[n].number for n in ("overdue", "refund_failed", "pending", "pending_mine")
    ]
    labels = re.findall(r'data-tab="\w+">([^<]+) <span', page)
    assert labels == [
        "我的队列",
        "全部",
        "待处理",
        "待买家退货",
        "待收货",
        "退款中",
        "退款失败",
        "待审批",
        "已超时",
    ]
    assert "分配给我的，以及未分配的待处理、退款失败的售后单" in page


def test_the_warehouse_opens_on_the_parcels_to_receive(client, warehouse, story):
    page = _page(client, warehouse)

    assert _tab(page, "to_receive") == (True, 2)
    assert _listed(page) == [story["refused_parcel"].number, story["to_receive"].number]
    # Nothing to take or hand out: that is the agents' and supervisors'.
    assert "领取" not in page
    assert 'id="bulk-assign"' not in page
    assert 'class="form-check-input pick"' not in page


def test_a_supervisor_sees_the_approvals_waiting(client, supervisor, story):
    page = _page(client, supervisor)

    assert 'id="approvals-waiting" href="/approvals/"' in page
    assert _tab(page, "mine") == (True, 0)


def test_a_tab_keeps_the_other_filters_and_leaves_the_status_search_and_page(client, agent, story):
    page = _page(client, agent, "?kind=refund_only&status=refunding&assignee=me&page=2&stage=all")

    link = re.search(r'href="([^"]*)" data-tab="pending"', page).group(1)
    assert link.replace("&amp;", "&") == "?kind=refund_only&assignee=me&stage=pending"
    assert _tab(page, "all") == (True, 1)  # the agent's own refund-only case


def test_the_counts_follow_the_filters_but_not_the_tab(client, agent, story):
    page = _page(client, agent, "?kind=refund_only&stage=refunding")

    assert _tab(page, "refunding") == (True, 1)
    assert _tab(page, "pending") == (False, 1)
    assert _tab(page, "all") == (False, 3)
    assert _listed(page) == [story["refunding"].number]


def test_the_tabs_refresh_on_their_own(client, agent, story, shop):
    client.force_login(agent)
    url = reverse("cases:inbox_tabs") + "?stage=pending"
    before = client.get(url, headers={"HX-Request": "true"}).content.decode()
    open_case(shop, agent)

    after = client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert _tab(before, "pending") == (True, 3)
    assert _tab(after, "pending") == (True, 4)
    assert 'hx-trigger="every 30s, inbox-changed from:body"' in after
    assert "<table" not in after


def test_filters_through_htmx_redraw_the_tabs_and_the_table(client, agent, story):
    page = _page(client, agent, "?stage=all&kind=refusal", **{"HX-Request": "true"})

    assert "<html" not in page
    assert _tab(page, "all") == (True, 1)
    assert _listed(page) == [story["refused_parcel"].number]


# --- columns ------------------------------------------------------------------------------


def test_a_row_shows_the_amount_the_applied_time_the_last_change_and_a_ticking_deadline(
    client, agent, story
):
    case = story["pending"]
    case_update(case_id=case.pk, actor=agent, now=NOW - dt.timedelta(hours=3), priority=4)

    row = _row(_page(client, agent, "?stage=pending"), case)

    assert '<td class="text-end amount">¥5.50</td>' in row
    assert 'title="2026-11-19 10:00">11-19 10:00</td>' in row  # applied, Shanghai time
    assert ">3小时前</td>" in row
    assert 'data-due="2026-11-21T10:00:00+08:00"' in row
    assert "剩 2天0小时" in row
    assert '<span class="badge text-bg-danger priority">紧急</span>' in row
    assert 'title="Tb-Alice-长名字">Tb-Alice-长名字</span>' in row


def test_the_page_ticks_from_a_static_script_and_no_inline_one(client, agent, story):
    page = _page(client, agent)

    assert '<script src="/static/js/inbox.js" defer></script>' in page
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    formats = re.search(r'<div id="countdown-formats" hidden ([^>]*)>', page).group(1)
    assert 'data-overdue="已超时 {t}"' in formats
    assert 'data-days="{d}天{h}小时"' in formats


def test_closed_cases_show_ended_not_a_countdown(client, agent, story):
    row = _row(_page(client, agent, f"?q={story['closed'].number}"), story["closed"])

    assert "已结束" in row
    assert "data-due" not in row
    assert "领取" not in row
    assert "form-check-input pick" not in row


# --- search -------------------------------------------------------------------------------


def test_a_search_looks_through_every_stage_and_closed_cases(client, agent, story):
    page = _page(client, agent, "?stage=refunding&q=TB-closed")

    assert _listed(page) == [story["closed"].number]
    assert "搜索“TB-closed”：所有状态，含已结束的售后单。" in page
    assert "aria-current" not in page  # no tab is the active one
    # Clearing the search comes back to the tab.
    assert '<input type="hidden" name="stage" value="refunding">' in page


def test_a_search_by_phone_digits(client, agent, shop):
    case = open_case(shop, agent, receiver_phone="13700007788")

    assert _listed(_page(client, agent, "?q=7788")) == [case.number]


# --- taking a case ------------------------------------------------------------------------


def test_take_gives_back_the_row_as_it_now_stands(client, agent, story):
    case = story["pending"]
    client.force_login(agent)

    response = client.post(reverse("cases:take", args=[case.pk]), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger"] == "inbox-changed"
    assert body.startswith(f'<tr id="case-row-{case.pk}"')
    assert '<td class="text-nowrap assignee">agent</td>' in body
    case.refresh_from_db()
    assert case.assignee == agent
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.action, event.actor, event.before, event.after) == (
        "assign",
        agent,
        {"assignee": None},
        {"assignee": agent.pk, "taken": True},
    )


def test_taking_what_someone_else_took_says_who(client, agent, agent2, story):
    case = story["pending"]
    case_update(case_id=case.pk, actor=agent2, now=NOW, assignee=agent2)
    events = CaseEvent.objects.count()
    client.force_login(agent)

    response = client.post(reverse("cases:take", args=[case.pk]), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert f"售后单 {case.number} 已被 agent2 领取。" in body
    assert "table-warning" in body
    assert "HX-Trigger" not in response
    assert CaseEvent.objects.count() == events


def test_the_warehouse_may_not_take(client, warehouse, story):
    client.force_login(warehouse)

    response = client.post(
        reverse("cases:take", args=[story["to_receive"].pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 403
    assert Case.objects.get(pk=story["to_receive"].pk).assignee is None


def test_another_shops_case_is_not_found_to_take(client, outsider, story):
    client.force_login(outsider)

    response = client.post(reverse("cases:take", args=[story["pending"].pk]))

    assert response.status_code == 404


def test_take_without_htmx_comes_back_to_the_inbox(client, agent, story):
    client.force_login(agent)

    response = client.post(reverse("cases:take", args=[story["pending"].pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:inbox")


# --- handing out several ------------------------------------------------------------------


def test_bulk_assign_swaps_the_rows_and_says_how_many_to_whom(client, agent, agent2, story):
    picked = [story["pending"], story["overdue"]]
    client.force_login(agent)

    response = client.post(
        reverse("cases:assign"),
        {"case": [c.pk for c in picked], "assignee": agent2.pk},
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger"] == "inbox-changed"
    assert "已将 2 个售后单分配给 agent2。" in body
    for case in picked:
        assert f'<tr id="case-row-{case.pk}" class="' in body
        assert Case.objects.get(pk=case.pk).assignee == agent2
    assert body.count('hx-swap-oob="true"') == 2
    assert CaseEvent.objects.filter(action="assign", actor=agent).count() == 2


def test_bulk_assign_is_all_or_nothing(client, agent, agent2, story):
    picked = [story["pending"], story["closed"]]
    events = CaseEvent.objects.count()
    client.force_login(agent)

    response = client.post(
        reverse("cases:assign"),
        {"case": [c.pk for c in picked], "assignee": agent2.pk},
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert f"已结束的售后单不能分配：{story['closed'].number}。" in body
    assert "alert-danger" in body
    assert "hx-swap-oob" not in body
    assert Case.objects.get(pk=story["pending"].pk).assignee is None
    assert CaseEvent.objects.count() == events


def test_bulk_assign_offers_the_shops_case_workers(client, agent, agent2, warehouse, story):
    page = _page(client, agent)

    form = page[page.index('id="bulk-assign"') : page.index("</form>", page.index("bulk-assign"))]
    assert re.findall(r'<option value="(\w*)">', form) == [
        "",
        str(agent.pk),
        str(agent2.pk),
        "none",
    ]
    assert 'data-confirm-person="确认把 {count} 个售后单分配给 {person}？"' in form


def test_bulk_assign_needs_someone_to_assign_to(client, agent, story):
    client.force_login(agent)

    response = client.post(
        reverse("cases:assign"), {"case": [story["pending"].pk]}, headers={"HX-Request": "true"}
    )

    assert "请选择要分配给谁。" in response.content.decode()


def test_bulk_assign_of_another_shops_case_is_not_found(client, outsider, story):
    client.force_login(outsider)

    response = client.post(
        reverse("cases:assign"), {"case": [story["pending"].pk], "assignee": "none"}
    )

    assert response.status_code == 404
    assert Case.objects.get(pk=story["pending"].pk).assignee is None


# --- what a page costs --------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["agent", "warehouse"])
def test_a_page_costs_the_same_for_one_case_or_thirty(
    request, client, shop, agent, persona, django_assert_num_queries
):
    user = request.getfixturevalue(persona)
    open_case(shop, agent, "refusal")
    client.force_login(user)
    query = "?stage=all"
    client.get(reverse("cases:inbox") + query)  # the session and the language, warmed

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("cases:inbox") + query)
    for n in range(29):
        open_case(shop, agent, "refusal", assignee=agent if n % 2 else None)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(reverse("cases:inbox") + query).content.decode()

    assert len(_listed(page)) == 30
    # The session, the user, their roles, their shops, the page of cases, the tabs' counts,
    # the approvals in the menu, and for those who may assign the people to assign to; for
    # those who work follow-ups their count in the menu; the session saved again (its idle
    # expiry moves: a savepoint, the UPDATE, its release).
    assert len(one.captured_queries) == (12 if persona == "agent" else 10)
