"""The workbench pages: the scorecard with its table and chart data, the menu link, the rules
and their form, the penalties and their reversal."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from aftersales.scorecards.models import Penalty, PenaltyPolicy
from aftersales.scorecards.services import penalties_apply
from tests.scorecards.conftest import at, event, ship

NOV = dt.date(2026, 11, 1)


@pytest.fixture
def november(shop, yto, zto):
    """yto: 4 parcels, one out of area (25 %); zto: 2 parcels, one refused."""
    parcels = [ship(shop, yto, at(2026, 11, 3 + i, 9)) for i in range(4)]
    event(parcels[0], "out_of_area")
    event(ship(shop, zto, at(2026, 11, 3, 9)), "refused")
    ship(shop, zto, at(2026, 11, 4, 9))


def _chart(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="scorecard-data" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_the_scorecard_shows_the_figures_and_the_chart_data(client, agent, november):
    client.force_login(agent)

    response = client.get(reverse("scorecards:board") + "?month=2026-11")

    assert response.status_code == 200
    html = response.content.decode()
    row = html[html.index('id="carrier-yto"') : html.index("</tr>", html.index('id="carrier-yto"'))]
    assert '<td class="text-end parcels">4</td>' in row
    assert '<td class="text-end kind-out_of_area">1</td>' in row
    assert '<td class="text-end out-of-area-rate">25.00%</td>' in row
    assert "vendor/echarts.min.js" in html
    assert "cdn" not in html.lower()
    chart = _chart(response)
    assert chart["carriers"] == ["圆通速递", "中通快递"]
    assert chart["parcels"] == [4, 2]
    assert [(k["code"], k["data"]) for k in chart["kinds"]][:4] == [
        ("out_of_area", [1, 0]),
        ("blind_area", [0, 0]),
        ("stranded", [0, 0]),
        ("refused", [0, 1]),
    ]
    assert chart["months"][-1] == "2026-11"
    assert chart["trend"][0] == {
        "name": "圆通速递",
        "data": [None, None, None, None, None, "25.00"],
    }


def test_a_bad_month_is_said_on_the_page(client, agent, november):
    client.force_login(agent)

    response = client.get(reverse("scorecards:board") + "?month=2026-13")

    assert response.status_code == 200
    assert "月份须为 YYYY-MM 格式" in response.content.decode()


def test_another_shop_answers_404(client, agent, other_shop):
    client.force_login(agent)

    assert client.get(reverse("scorecards:board") + f"?shop={other_shop.pk}").status_code == 404


def test_the_menu_links_the_scorecard_for_those_who_read_reports(client, agent, warehouse):
    client.force_login(agent)
    assert 'id="nav-scorecards"' in client.get(reverse("cases:inbox")).content.decode()
    client.force_login(warehouse)
    assert 'id="nav-scorecards"' not in client.get(reverse("cases:inbox")).content.decode()


def test_a_supervisor_writes_a_rule_through_the_form(client, supervisor, shop, yto):
    client.force_login(supervisor)
    form = client.get(reverse("scorecards:policy_new")).content.decode()
    assert "所有店铺" not in form  # only an administrator's form offers every shop

    response = client.post(
        reverse("scorecards:policy_new"),
        {
            "shop": shop.pk,
            "carrier": yto.pk,
            "metric": "out_of_area_rate",
            "threshold_pct": "4.50",
            "min_parcels": "100",
            "deduction_per_parcel": "2.00",
            "revoke_days": "7",
            "is_active": "on",
            "note": "圆通超区",
        },
    )

    assert response.status_code == 302
    rule = PenaltyPolicy.objects.get()
    assert (rule.shop, rule.carrier, rule.threshold_pct, rule.created_by) == (
        shop,
        yto,
        Decimal("4.50"),
        supervisor,
    )
    assert "圆通超区" in client.get(reverse("scorecards:policies")).content.decode()


def test_a_rule_that_does_nothing_is_refused_on_the_form(client, supervisor, shop):
    client.force_login(supervisor)

    response = client.post(
        reverse("scorecards:policy_new"),
        {
            "shop": shop.pk,
            "metric": "out_of_area_rate",
            "threshold_pct": "4.50",
            "min_parcels": "100",
            "deduction_per_parcel": "0",
            "revoke_days": "0",
        },
    )

    assert response.status_code == 422
    assert "每件扣款和取消优先天数至少填一项" in response.content.decode()
    assert PenaltyPolicy.objects.count() == 0


@pytest.fixture
def penalty(november, make_policy):
    make_policy(min_parcels=4)
    penalties_apply(month=NOV, now=at(2026, 12, 1, 2))
    return Penalty.objects.get()


def test_the_penalties_page_asks_before_reversing_and_says_what_happens(
    client, administrator, agent, penalty
):
    client.force_login(agent)
    as_agent = client.get(reverse("scorecards:penalties")).content.decode()
    assert f'id="penalty-{penalty.pk}"' in as_agent
    assert "撤销处罚" not in as_agent

    client.force_login(administrator)
    page = client.get(reverse("scorecards:penalties") + "?month=2026-11").content.decode()

    assert "hx-confirm=" in page
    assert "结算扣款 ¥2.50 将取消，该快递在路由中的优先恢复" in page
    response = client.post(
        reverse("scorecards:penalty_reverse", args=[penalty.pk]), {"reason": "申诉成功"}
    )
    assert response.status_code == 302
    penalty.refresh_from_db()
    assert (penalty.reversed_by, penalty.reverse_reason) == (administrator, "申诉成功")
    after = client.get(reverse("scorecards:penalties")).content.decode()
    assert "<s>¥2.50</s>" in after
    assert "已撤销" in after


def test_a_supervisor_cannot_reverse_a_penalty(client, supervisor, penalty):
    client.force_login(supervisor)

    response = client.post(
        reverse("scorecards:penalty_reverse", args=[penalty.pk]), {"reason": "申诉成功"}
    )

    assert response.status_code == 403
    penalty.refresh_from_db()
    assert penalty.reversed_at is None
