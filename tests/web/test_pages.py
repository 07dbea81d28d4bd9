"""The workbench pages end to end through the test client, by persona."""

import datetime as dt

from django.urls import reverse

from aftersales.cases.models import Case
from aftersales.returns.kinds import CaseStatus
from aftersales.returns.services import return_case_open

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


def test_inbox_lists_own_shop_cases_sorted_by_deadline(client, agent, return_case):
    client.force_login(agent)
    response = client.get(reverse("cases:inbox"))
    assert response.status_code == 200
    assert return_case.number in response.content.decode()


def test_inbox_hides_other_shops_cases(client, outsider, return_case):
    client.force_login(outsider)
    response = client.get(reverse("cases:inbox"))
    assert return_case.number not in response.content.decode()
    assert client.get(reverse("cases:detail", args=[return_case.pk])).status_code == 404


def test_case_page_offers_only_allowed_actions(client, agent, warehouse, return_case):
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[return_case.pk])).content.decode()
    assert 'id="action-agree"' in page
    assert 'id="action-refuse"' in page
    assert 'id="action-receive"' not in page
    client.force_login(warehouse)
    page = client.get(reverse("cases:detail", args=[return_case.pk])).content.decode()
    assert 'id="action-agree"' not in page


def test_refuse_without_reason_shows_the_error_in_place(client, agent, return_case):
    client.force_login(agent)
    url = reverse("cases:act", args=[return_case.pk, "refuse"])
    response = client.post(
        url, {"refuse-version": return_case.version, "refuse-reason": ""}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-field="reason"' in body
    return_case.refresh_from_db()
    assert return_case.status == CaseStatus.REQUESTED


def test_agree_moves_the_case(client, agent, return_case):
    client.force_login(agent)
    url = reverse("cases:act", args=[return_case.pk, "agree"])
    response = client.post(url, {"agree-version": return_case.version})
    assert response.status_code == 302
    return_case.refresh_from_db()
    assert return_case.status == CaseStatus.AWAITING_RETURN


def test_stale_version_is_refused(client, agent, return_case):
    client.force_login(agent)
    url = reverse("cases:act", args=[return_case.pk, "agree"])
    response = client.post(url, {"agree-version": return_case.version - 1})
    assert response.status_code == 422
    assert "刚被其他人修改过" in response.content.decode()


def test_new_case_from_order(client, agent, order):
    client.force_login(agent)
    line = order.lines.get()
    response = client.post(
        reverse("cases:new", args=[order.pk]),
        {
            "kind": "return_refund",
            "reason": "quality",
            f"qty_{line.pk}": "1",
            "priority": "2",
            "buyer_claim": "袜子破洞",
        },
    )
    case = Case.objects.get(order=order)
    assert response.status_code == 302
    assert case.reason == "quality"
    # A case you open is yours.
    assert case.assignee == agent


def test_new_case_without_lines_names_the_problem(client, agent, order):
    client.force_login(agent)
    response = client.post(
        reverse("cases:new", args=[order.pk]),
        {"kind": "return_refund", "reason": "quality", "priority": "2"},
    )
    assert response.status_code == 422
    assert Case.objects.count() == 0


def test_order_page_masks_phone_and_reveal_is_logged(client, agent, order):
    from aftersales.accounts.models import ContactReveal

    client.force_login(agent)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page
    fragment = client.post(reverse("orders:contact", args=[order.pk])).content.decode()
    assert "13812345678" in fragment
    assert ContactReveal.objects.filter(user=agent, order=order).count() == 1


def test_english_switch(client, agent, return_case):
    client.force_login(agent)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("cases:inbox")).content.decode()
    assert 'lang="en"' in page


def test_the_workbench_speaks_chinese_to_an_english_browser_until_english_is_chosen(
    client, agent, return_case
):
    client.force_login(agent)
    page = client.get(reverse("cases:inbox"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="zh-hans"' in page.content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("cases:inbox"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert 'lang="en"' in page.content.decode()


def test_the_inbox_costs_the_same_few_queries_for_one_case_or_thirty(
    client, agent, order, django_assert_num_queries
):
    line = order.lines.get()

    def open_case():
        return_case_open(
            order=order,
            kind="refund_only",
            lines=[(line, 1)],
            reason="shortage",
            actor=agent,
            now=NOW,
        )

    open_case()
    client.force_login(agent)
    client.get(reverse("cases:inbox"))  # warms the session and the language
    # The session, the user, their roles, their shop ids, the page of cases (one more row than a
    # page tells whether there is a next), the tabs' counts, the approvals and the follow-ups
    # counts in the menu, the people to assign to, and the session saved again (it ends after
    # an idle time, so every request moves its expiry: a savepoint, the UPDATE, its release):
    # the same twelve however many cases there are.
    with django_assert_num_queries(12) as one:
        client.get(reverse("cases:inbox"))
    for _ in range(29):
        open_case()
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(reverse("cases:inbox")).content.decode()
    assert page.count("data-case=") == 30


def test_a_failed_refund_is_marked_in_the_inbox_and_on_the_case(client, agent, order):
    from aftersales.returns.services import case_act, refund_settle

    line = order.lines.get()
    case = return_case_open(
        order=order, kind="refund_only", lines=[(line, 1)], reason="shortage", actor=agent, now=NOW
    )
    case_act(case_id=case.pk, action="agree", actor=agent, now=NOW)
    refund_settle(
        refund_id=case.refunds.get().pk, succeeded=False, actor=agent, now=NOW, failure_reason="x"
    )
    client.force_login(agent)

    inbox = client.get(reverse("cases:inbox")).content.decode()
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()

    assert '<span class="badge text-bg-danger status-alert">退款失败</span>' in inbox
    assert 'text-bg-danger fs-6" id="case-status">退款失败</span>' in page
    assert "重新退款" in page


def test_the_timeline_says_what_changed_and_the_messages_sent(client, agent, agent2, order):
    from aftersales.cases.services import case_update
    from aftersales.returns.services import case_act

    line = order.lines.get()
    case = return_case_open(
        order=order, kind="return_refund", lines=[(line, 1)], reason="quality", actor=agent, now=NOW
    )
    case_update(case_id=case.pk, actor=agent, now=NOW, assignee=agent2)
    case_act(case_id=case.pk, action="agree", actor=agent, now=NOW)
    client.force_login(agent)

    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()

    # Who the case went to, before and after, in words.
    change = '<span class="text-muted">处理人：</span><del>—</del> → agent2'
    assert f'<div class="event-change">{change}</div>' in page
    # The return address the buyer was told, as a message on the timeline.
    assert 'data-action="buyer_message"' in page
    assert "请将商品寄回" in page


def test_a_refusal_reported_late_is_marked_in_the_inbox(client, agent, order):
    line = order.lines.get()
    late = return_case_open(
        order=order,
        kind="refusal",
        lines=[(line, 10)],
        reason="damaged",
        actor=agent,
        now=NOW,
        refused_at=NOW - dt.timedelta(hours=30),
    )
    client.force_login(agent)

    page = client.get(reverse("cases:inbox"), {"stage": "all"}).content.decode()

    row = page[page.index(f'data-case="{late.number}"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="badge text-bg-warning inbox-flag">逾期报告</span>' in row


def test_a_refused_parcels_refund_asks_for_what_the_action_pays(client, agent, warehouse, order):
    # 9 of 10 came back, yet a refused parcel's refund is the whole quantity: the form is filled
    # with it and the confirmation names it, as the action pays it.
    from aftersales.returns.services import case_act

    line = order.lines.get()
    case = return_case_open(
        order=order,
        kind="refusal",
        lines=[(line, 10)],
        reason="damaged",
        actor=agent,
        now=NOW,
        refused_at=NOW,
    )
    case_act(
        case_id=case.pk,
        action="parcel_back",
        actor=warehouse,
        now=NOW,
        params={"received": {str(line.pk): 9}},
    )
    client.force_login(agent)

    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()

    start = page.rindex("<form", 0, page.index('id="action-refund"'))
    form = page[start : page.index("</form>", start)]
    confirm = form[form.index('hx-confirm="') :].split('"')[1]
    assert "¥99.00" in confirm
    assert 'name="refund-amount" value="99.00"' in form
