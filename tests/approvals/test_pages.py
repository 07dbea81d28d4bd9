"""The approver's workbench through the test client: the queue, the decision by htmx and by a
plain form, the menu's count, and the rules page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from aftersales.approvals.models import Approval, ApprovalRule, ApprovalStatus
from tests.approvals.factories import NOW, ApprovalFactory, ApprovalRuleFactory, CaseFactory

HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.usefixtures("site", "frozen")


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response, response.content.decode()


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_shows_the_pending_approval_and_the_menu_counts_it(client, supervisor, approval):
    response, html = page(client, supervisor, reverse("approvals:queue"))

    assert response.status_code == 200
    case = approval.case
    assert f'<a href="{reverse("cases:detail", args=[case.pk])}">{case.number}</a>' in html
    assert "补偿审批" in html
    assert "现金补偿 80.00" in html
    assert "¥80.00" in html
    assert ">agent<" in html
    assert "剩 23小时0分" in html
    assert f'href="{reverse("approvals:queue")}" id="nav-approvals"' in html
    assert 'id="approval-count">1</span>' in html


def test_both_decisions_ask_first_and_say_what_will_happen(client, supervisor, approval):
    _, html = page(client, supervisor, reverse("approvals:queue"))

    number = approval.case.number
    assert (
        f'hx-confirm="批准售后单 {number} 的申请「现金补偿 80.00」，金额 ¥80.00？'
        "批准后该售后单将按申请继续办理。" in html
    )
    assert (
        f'hx-confirm="驳回售后单 {number} 的申请（金额 ¥80.00）？'
        "驳回后该售后单退回重新处理，驳回原因记录在案。" in html
    )
    assert 'name="comment" required maxlength="255" placeholder="驳回原因（必填）"' in html


def test_an_overdue_approval_is_marked_red(client, supervisor, approval, time_machine):
    time_machine.move_to(NOW + dt.timedelta(hours=26), tick=False)

    _, html = page(client, supervisor, reverse("approvals:queue"))

    assert f'<tr id="approval-{approval.pk}" class="overdue">' in html
    assert '<span class="badge text-bg-danger countdown overdue"' in html
    assert "已超时 2小时0分" in html


def test_the_requester_sees_their_request_waiting_not_a_button(client, agent, approval):
    response, html = page(client, agent, reverse("approvals:queue"))

    assert response.status_code == 200
    assert 'id="queue-empty"' in html
    assert 'id="cannot-decide"' in html
    assert 'id="my-requests"' in html
    assert approval.case.number in html
    assert "hx-confirm" not in html
    assert 'id="approval-count">0</span>' in html
    assert "d-none" in html.split('id="approval-count"')[0].rsplit("<span", 1)[1]


def test_the_outsider_sees_no_approval_of_this_shop(client, outsider, approval):
    _, html = page(client, outsider, reverse("approvals:queue"))

    assert approval.case.number not in html
    assert 'id="queue-empty"' in html


def test_the_login_page_asks_nothing_of_the_approvals(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("accounts:login"))

    assert response.status_code == 200


def test_the_queue_page_needs_a_login(client):
    response = client.get(reverse("approvals:queue"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- deciding ------------------------------------------------------------------------------


def test_approve_by_htmx_swaps_in_the_outcome_and_the_new_count(client, supervisor, approval, area):
    client.force_login(supervisor)

    response = client.post(
        reverse("approvals:decide", args=[approval.pk]), {"decision": "approve"}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="badge text-bg-success decided">已批准</span>' in html
    assert (
        '<span class="badge rounded-pill text-bg-danger ms-1 d-none" id="approval-count" '
        'hx-swap-oob="true">0</span>' in html
    )
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by_id) == (ApprovalStatus.APPROVED, supervisor.pk)
    assert len(area.calls) == 1


def test_reject_without_a_reason_by_htmx_says_why_and_keeps_the_forms(
    client, supervisor, approval, area
):
    client.force_login(supervisor)

    response = client.post(
        reverse("approvals:decide", args=[approval.pk]),
        {"decision": "reject", "comment": " "},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        '<div class="text-danger small mb-1 decide-error" role="alert">驳回时请填写原因。</div>'
        in html
    )
    assert 'class="d-flex gap-1 reject-form"' in html
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING
    assert area.calls == []


def test_reject_by_a_plain_form_redirects_to_the_queue_with_a_message(
    client, supervisor, approval, area
):
    client.force_login(supervisor)

    response = client.post(
        reverse("approvals:decide", args=[approval.pk]),
        {"decision": "reject", "comment": "金额过高"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("approvals:queue"), 302)]
    assert "审批已记录。" in response.content.decode()
    approval.refresh_from_db()
    assert (approval.status, approval.comment) == (ApprovalStatus.REJECTED, "金额过高")


def test_deciding_ones_own_request_on_the_page_is_refused(client, case, supervisor, rule, area):
    own = ApprovalFactory(case=case, requested_by=supervisor, rule=rule)
    client.force_login(supervisor)

    response = client.post(
        reverse("approvals:decide", args=[own.pk]), {"decision": "approve"}, follow=True
    )

    assert "不能审批自己提交的申请。" in response.content.decode()
    own.refresh_from_db()
    assert own.status == ApprovalStatus.PENDING


def test_the_outsider_deciding_on_the_page_is_404(client, outsider, approval, area):
    client.force_login(outsider)

    response = client.post(
        reverse("approvals:decide", args=[approval.pk]), {"decision": "approve"}, headers=HTMX
    )

    assert response.status_code == 404
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING


def test_deciding_is_a_post(client, supervisor, approval):
    client.force_login(supervisor)

    assert client.get(reverse("approvals:decide", args=[approval.pk])).status_code == 405


# --- rules ---------------------------------------------------------------------------------


def test_the_rules_page_is_403_for_an_agent(client, agent, rule):
    for url in (
        reverse("approvals:rules"),
        reverse("approvals:rule_new"),
        reverse("approvals:rule_edit", args=[rule.pk]),
    ):
        response, _ = page(client, agent, url)
        assert response.status_code == 403, url


def test_the_rules_page_lists_the_shops_rules_for_a_supervisor(client, supervisor, rule, shop):
    everywhere = ApprovalRuleFactory(shop=None, case_kind="", condition="always")

    response, html = page(client, supervisor, reverse("approvals:rules"))

    assert response.status_code == 200
    assert f'<tr id="rule-{rule.pk}">' in html
    assert shop.name in html
    assert "¥50.00" in html
    assert "金额超过阈值" in html
    # A rule of every shop is shown, but only an administrator may change it.
    row = html.split(f'<tr id="rule-{everywhere.pk}">')[1].split("</tr>")[0]
    assert "所有店铺" in row
    assert reverse("approvals:rule_edit", args=[everywhere.pk]) not in row
    assert reverse("approvals:rule_edit", args=[rule.pk]) in html


def test_supervisor_creates_a_rule_on_the_page(client, supervisor, shop):
    client.force_login(supervisor)
    form = client.get(reverse("approvals:rule_new")).content.decode()
    assert '<option value="">所有店铺</option>' not in form  # a supervisor's rules have a shop

    response = client.post(
        reverse("approvals:rule_new"),
        {
            "shop": shop.pk,
            "case_kind": "compensation",
            "condition": "amount_over",
            "threshold": "300.00",
            "approver_role": "supervisor",
            "deadline_hours": "8",
            "note": "大额补偿",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("approvals:rules")
    created = ApprovalRule.objects.get()
    assert (created.shop_id, created.threshold, created.deadline_hours, created.created_by_id) == (
        shop.pk,
        Decimal("300.00"),
        8,
        supervisor.pk,
    )


def test_a_supervisor_cannot_post_a_rule_for_every_shop(client, supervisor):
    client.force_login(supervisor)

    response = client.post(
        reverse("approvals:rule_new"),
        {
            "shop": "",
            "condition": "always",
            "approver_role": "supervisor",
            "deadline_hours": "24",
            "threshold": "0",
        },
    )

    assert response.status_code == 422
    assert ApprovalRule.objects.count() == 0


def test_an_administrator_creates_a_rule_for_every_shop(client, administrator):
    client.force_login(administrator)
    form = client.get(reverse("approvals:rule_new")).content.decode()
    assert '<option value="" selected>所有店铺</option>' in form

    response = client.post(
        reverse("approvals:rule_new"),
        {
            "shop": "",
            "case_kind": "",
            "condition": "review_compensation",
            "approver_role": "supervisor",
            "deadline_hours": "24",
            "threshold": "0",
        },
    )

    assert response.status_code == 302
    assert ApprovalRule.objects.get().shop_id is None


def test_a_bad_rule_shows_the_form_again_with_the_error(client, supervisor, shop):
    client.force_login(supervisor)

    response = client.post(
        reverse("approvals:rule_new"),
        {
            "shop": shop.pk,
            "condition": "amount_over",
            "approver_role": "supervisor",
            "deadline_hours": "0",
            "threshold": "-5",
        },
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert html.count('class="field-error"') == 2
    assert ApprovalRule.objects.count() == 0


def test_supervisor_edits_a_rule_and_its_shop_stays(client, supervisor, rule, shop, other_shop):
    client.force_login(supervisor)

    response = client.post(
        reverse("approvals:rule_edit", args=[rule.pk]),
        {
            "shop": other_shop.pk,
            "case_kind": "compensation",
            "condition": "amount_over",
            "threshold": "75.00",
            "approver_role": "supervisor",
            "deadline_hours": "12",
            "note": "",
        },
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.shop_id, rule.threshold, rule.deadline_hours) == (shop.pk, Decimal("75.00"), 12)
    assert rule.updated_by_id == supervisor.pk


def test_supervisor_deactivates_a_rule_after_confirming(client, supervisor, rule):
    _, html = page(client, supervisor, reverse("approvals:rules"))
    assert 'hx-confirm="停用这条“金额超过阈值”规则？' in html

    response = client.post(reverse("approvals:rule_deactivate", args=[rule.pk]), headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("approvals:rules")
    rule.refresh_from_db()
    assert rule.is_active is False


def test_the_outsider_cannot_open_this_shops_rule(client, outsider, rule):
    response, _ = page(client, outsider, reverse("approvals:rule_edit", args=[rule.pk]))
    deactivate = client.post(reverse("approvals:rule_deactivate", args=[rule.pk]))

    assert response.status_code == 404
    assert deactivate.status_code == 404
    rule.refresh_from_db()
    assert rule.is_active is True


def test_a_supervisor_cannot_open_a_rule_of_every_shop(client, supervisor):
    everywhere = ApprovalRuleFactory(shop=None)

    response, _ = page(client, supervisor, reverse("approvals:rule_edit", args=[everywhere.pk]))

    assert response.status_code == 403


def test_the_count_in_the_menu_on_another_page(client, supervisor, shop, agent):
    for _ in range(3):
        ApprovalFactory(case=CaseFactory(shop=shop), requested_by=agent)

    _, html = page(client, supervisor, reverse("cases:inbox"))

    assert 'id="approval-count">3</span>' in html
    assert Approval.objects.count() == 3
