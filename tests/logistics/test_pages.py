"""The workbench pages: coverage, suspensions, plans and routes administered (list, create,
edit, delete with a confirmation), the import page, the address check, the pre-ship list and
its settling, the order page's routing panel, and the menu."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftersales.logistics.models import (
    ContingencyPlan,
    CoverageRule,
    OutletSuspension,
    PreShipFlag,
    Route,
)
from aftersales.logistics.services.flags import sweep
from tests.api import NOW
from tests.factories import ShopFactory, UserFactory
from tests.logistics.conftest import route, rule, suspension, unshipped


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def _text(response) -> str:
    return response.content.decode()


# --- coverage ---------------------------------------------------------------------------------


def test_a_supervisor_creates_a_coverage_rule_with_a_short_name(client, supervisor, zto):
    client.force_login(supervisor)

    response = client.post(
        reverse("logistics:coverage_new"),
        {"carrier": zto.pk, "province": "西藏", "coverage": "none", "note": "全境超区"},
    )

    assert response.status_code == 302
    saved = CoverageRule.objects.get()
    assert (saved.province, saved.city, saved.coverage) == ("西藏自治区", "", "none")
    listing = _text(client.get(reverse("logistics:coverage")))
    assert "西藏自治区" in listing
    assert "全境超区" in listing


def test_a_place_the_parser_cannot_find_is_refused_on_the_form(client, supervisor, zto):
    client.force_login(supervisor)

    response = client.post(
        reverse("logistics:coverage_new"),
        {"carrier": zto.pk, "province": "火星", "coverage": "none"},
    )

    assert response.status_code == 422
    assert "无法识别的地名：火星" in _text(response)
    assert CoverageRule.objects.count() == 0


def test_limited_coverage_needs_its_limit_said(client, supervisor, zto):
    client.force_login(supervisor)

    response = client.post(
        reverse("logistics:coverage_new"),
        {"carrier": zto.pk, "province": "新疆", "coverage": "limited"},
    )

    assert response.status_code == 422
    assert "有限覆盖须说明限制" in _text(response)


def test_a_rule_is_edited_and_deleted_after_confirming(client, supervisor, zto):
    saved = rule(zto, "西藏自治区")
    client.force_login(supervisor)

    edit = client.post(
        reverse("logistics:coverage_edit", args=[saved.pk]),
        {
            "carrier": zto.pk,
            "province": "西藏自治区",
            "city": "阿里地区",
            "coverage": "limited",
            "note": "只到县城",
        },
    )
    unconfirmed = client.post(reverse("logistics:coverage_delete", args=[saved.pk]))
    page = _text(client.get(reverse("logistics:coverage")))
    delete = client.post(
        reverse("logistics:coverage_delete", args=[saved.pk]),
        {"confirmed": "1"},
        headers={"HX-Request": "true"},
    )

    assert edit.status_code == 302
    assert unconfirmed.status_code == 422
    assert 'hx-confirm="删除中通快递在“西藏自治区阿里地区”的覆盖规则？' in page
    assert delete.status_code == 200
    assert delete["HX-Redirect"] == reverse("logistics:coverage")
    assert not CoverageRule.objects.exists()


def test_the_coverage_list_filters_by_carrier_in_place(client, supervisor, zto, yto):
    rule(zto, "西藏自治区", note="中通的规则")
    rule(yto, "青海省", note="圆通的规则")
    client.force_login(supervisor)

    response = client.get(
        reverse("logistics:coverage") + f"?carrier={yto.pk}",
        headers={"HX-Request": "true", "HX-Target": "coverage-table"},
    )

    text = _text(response)
    assert text.startswith('<div id="coverage-table">')
    assert "圆通的规则" in text
    assert "中通的规则" not in text


def test_an_agent_may_not_open_the_coverage_pages(client, agent, zto):
    client.force_login(agent)

    assert client.get(reverse("logistics:coverage")).status_code == 403
    assert (
        client.post(
            reverse("logistics:coverage_new"),
            {"carrier": zto.pk, "province": "西藏", "coverage": "none"},
        ).status_code
        == 403
    )
    assert not CoverageRule.objects.exists()


# --- suspensions and plans --------------------------------------------------------------------


def test_a_suspension_is_recorded_with_its_dates(client, supervisor, zto):
    client.force_login(supervisor)

    response = client.post(
        reverse("logistics:suspension_new"),
        {
            "carrier": zto.pk,
            "outlet": "和田于田网点",
            "province": "新疆",
            "city": "和田地区",
            "district": "于田县",
            "starts_on": "2026-11-14",
            "ends_on": "2026-11-20",
        },
    )
    listing = _text(client.get(reverse("logistics:suspensions")))

    assert response.status_code == 302
    assert OutletSuspension.objects.get().region == "新疆维吾尔自治区和田地区于田县"
    assert "暂停中" in listing


def test_a_suspension_that_ends_before_it_starts_is_refused(client, supervisor, zto):
    client.force_login(supervisor)

    response = client.post(
        reverse("logistics:suspension_new"),
        {
            "carrier": zto.pk,
            "outlet": "网点",
            "province": "浙江",
            "starts_on": "2026-11-14",
            "ends_on": "2026-11-13",
        },
    )

    assert response.status_code == 422
    assert "结束日期不能早于开始日期" in _text(response)


def test_a_plan_is_set_from_the_grid(client, supervisor, zto):
    client.force_login(supervisor)

    grid = _text(client.get(reverse("logistics:plans")))
    response = client.post(
        reverse("logistics:plan_new"),
        {
            "carrier": zto.pk,
            "problem_kind": "out_of_area",
            "action": "forward",
            "note": "转最近驿站",
        },
    )

    assert f"?carrier={zto.pk}&amp;problem_kind=out_of_area" in grid
    assert response.status_code == 302
    plan = ContingencyPlan.objects.get()
    edit = client.post(
        reverse("logistics:plan_edit", args=[plan.pk]),
        {"action": "return_to_sender", "note": "退回"},
    )
    plan.refresh_from_db()
    assert edit.status_code == 302
    assert (plan.carrier, plan.problem_kind, plan.action) == (
        zto,
        "out_of_area",
        "return_to_sender",
    )


# --- imports ----------------------------------------------------------------------------------


def test_the_import_page_imports_a_gbk_file(client, supervisor, zto):
    client.force_login(supervisor)
    body = "快递公司,省,市,区县,覆盖,说明\n中通快递,西藏,,,不覆盖,\n".encode("gbk")

    response = client.post(
        reverse("logistics:import"),
        {"kind": "coverage", "file": SimpleUploadedFile("覆盖.csv", body)},
    )

    assert response.status_code == 302
    assert CoverageRule.objects.get().province == "西藏自治区"


def test_the_import_page_lists_every_bad_row(client, supervisor, zto):
    client.force_login(supervisor)
    body = "快递公司,省,覆盖\n中通快递,西藏,不覆盖\n无名快递,西藏,不覆盖\n中通快递,火星,不覆盖\n"

    response = client.post(
        reverse("logistics:import"),
        {"kind": "coverage", "file": SimpleUploadedFile("x.csv", body.encode())},
    )

    text = _text(response)
    assert response.status_code == 422
    assert "文件有 2 处错误，整个文件未导入。" in text
    assert "<td>3</td><td>快递公司</td>" in text
    assert "<td>4</td><td>省</td>" in text
    assert not CoverageRule.objects.exists()


# --- routes -----------------------------------------------------------------------------------


def test_a_supervisor_sets_a_route_for_a_province(client, supervisor, shop, zto, yto):
    client.force_login(supervisor)

    response = client.post(
        reverse("logistics:route_new"),
        {"shop": shop.pk, "province": "新疆", "carrier_1": yto.pk, "carrier_2": zto.pk},
    )

    assert response.status_code == 302
    saved = Route.objects.get()
    assert saved.province == "新疆维吾尔自治区"
    assert [rc.carrier for rc in saved.carriers.all()] == [yto, zto]
    listing = _text(client.get(reverse("logistics:routes")))
    assert "1. 圆通速递" in listing
    assert "2. 中通快递" in listing


def test_a_route_repeating_a_carrier_is_refused(client, supervisor, shop, zto):
    client.force_login(supervisor)

    response = client.post(
        reverse("logistics:route_new"),
        {"shop": shop.pk, "carrier_1": zto.pk, "carrier_2": zto.pk},
    )

    assert response.status_code == 422
    assert "同一家快递公司只能出现一次" in _text(response)


def test_a_route_is_edited_in_its_shop_only(client, supervisor, outsider, shop, zto, yto):
    saved = route(shop, [zto])
    client.force_login(outsider)

    assert client.get(reverse("logistics:route_edit", args=[saved.pk])).status_code == 404

    client.force_login(supervisor)
    response = client.post(
        reverse("logistics:route_edit", args=[saved.pk]),
        {"carrier_1": yto.pk, "carrier_2": zto.pk},
    )
    assert response.status_code == 302
    assert [rc.carrier for rc in saved.carriers.all()] == [yto, zto]


def test_the_address_check_parses_free_text_and_says_the_decision(
    client, supervisor, shop, zto, yto
):
    route(shop, [zto, yto])
    rule(zto, "新疆维吾尔自治区", "和田地区", note="无网点")
    client.force_login(supervisor)

    response = client.get(
        reverse("logistics:routes") + f"?shop={shop.pk}&address=新疆和田于田县加依乡12号",
        headers={"HX-Request": "true", "HX-Target": "route-check"},
    )

    text = _text(response)
    assert "新疆维吾尔自治区 和田地区 于田县" in text
    assert '<strong class="chosen-carrier">圆通速递</strong>' in text
    assert "不覆盖：新疆维吾尔自治区和田地区的规则（无网点）" in text


# --- pre-ship flags and the order page -----------------------------------------------------------


@pytest.fixture
def flagged(shop, zto, yto):
    route(shop, [zto, yto])
    rule(zto, "西藏自治区")
    rule(yto, "西藏自治区")
    order = unshipped(shop, province="西藏", city="阿里地区", district="改则县")
    sweep(now=NOW)
    return order


def test_the_agent_sees_the_flag_with_why_and_settles_it(client, agent, flagged):
    client.force_login(agent)
    flag = PreShipFlag.objects.get()

    listing = _text(client.get(reverse("logistics:preship")))
    response = client.post(
        reverse("logistics:preship_settle", args=[flag.pk]),
        {"note": "买家改寄拉萨亲戚家"},
        headers={"HX-Request": "true"},
    )
    after = _text(client.get(reverse("logistics:preship")))

    assert flagged.order_no in listing
    assert "无快递可达" in listing
    assert "不覆盖：西藏自治区的规则" in listing
    assert 'hx-confirm="将订单' in listing
    assert response.status_code == 200
    assert "买家改寄拉萨亲戚家" in _text(response)
    assert flagged.order_no not in after
    flag.refresh_from_db()
    assert (flag.settled_by, flag.settled_at) == (agent, NOW)


def test_settling_without_a_note_says_so(client, agent, flagged):
    client.force_login(agent)
    flag = PreShipFlag.objects.get()

    response = client.post(
        reverse("logistics:preship_settle", args=[flag.pk]),
        {"note": ""},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    assert PreShipFlag.objects.get().settled_at is None


def test_the_outsider_neither_sees_nor_settles_the_flag(client, outsider, flagged):
    client.force_login(outsider)
    flag = PreShipFlag.objects.get()

    listing = _text(client.get(reverse("logistics:preship")))
    response = client.post(reverse("logistics:preship_settle", args=[flag.pk]), {"note": "外人"})

    assert flagged.order_no not in listing
    assert response.status_code == 404


def test_the_pre_ship_list_is_paginated_in_a_fixed_number_of_queries(
    client, agent, shop, zto, django_assert_max_num_queries
):
    route(shop, [zto])
    rule(zto, "西藏自治区")
    for _ in range(25):
        unshipped(shop, province="西藏", city="拉萨市")
    sweep(now=NOW)
    client.force_login(agent)

    with django_assert_max_num_queries(25):
        first = _text(client.get(reverse("logistics:preship")))
    second = _text(client.get(reverse("logistics:preship") + "?page=2"))

    assert first.count('id="flag-') == 20
    assert second.count('id="flag-') == 5


def test_the_order_page_shows_the_decision_and_the_flag(client, agent, shop, zto, yto):
    route(shop, [zto, yto])
    suspension(
        zto,
        "杭州西湖网点",
        "浙江省",
        "杭州市",
        "西湖区",
        starts_on=NOW.date(),
        ends_on=NOW.date() + dt.timedelta(days=2),
    )
    order = unshipped(shop)
    sweep(now=NOW)
    client.force_login(agent)

    text = _text(client.get(reverse("orders:detail", args=[order.pk])))

    assert '<strong class="chosen-carrier">圆通速递</strong>' in text
    assert "网点暂停：杭州西湖网点（浙江省杭州市西湖区）至 2026-11-16" in text
    assert "首选快递不可用" in text


def test_the_menu_shows_each_role_what_it_may_use(client, shop, agent, supervisor):
    warehouse_admin = UserFactory(roles=["administrator"], shops=[shop])
    client.force_login(agent)
    agent_page = _text(client.get(reverse("logistics:preship")))
    client.force_login(supervisor)
    supervisor_page = _text(client.get(reverse("logistics:preship")))
    client.force_login(warehouse_admin)
    admin_page = _text(client.get(reverse("logistics:coverage")))

    assert 'id="nav-preship"' in agent_page
    assert 'id="nav-logistics"' not in agent_page
    assert 'id="nav-logistics"' in supervisor_page
    assert 'id="nav-logistics"' in admin_page


def test_the_routes_page_lists_the_revocations_in_force(client, supervisor, shop, zto, yto):
    from tests.logistics.conftest import revoke

    route(shop, [zto, yto])
    revoke(zto, shop=shop, reason="11 月超区率超标")
    revoke(yto, shop=None, reason="全国网点整顿")
    revoke(yto, shop=ShopFactory(), reason="别家的事")
    client.force_login(supervisor)

    text = _text(client.get(reverse("logistics:routes")))

    assert "11 月超区率超标" in text
    assert "全国网点整顿" in text
    assert "别家的事" not in text


def test_hostile_query_strings_are_no_server_error(client, supervisor, zto):
    rule(zto, "西藏自治区")
    client.force_login(supervisor)

    nul = client.get(reverse("logistics:coverage") + "?q=%00")
    superscript = client.get(reverse("logistics:coverage") + "?carrier=%C2%B2&page=%C2%B2")

    assert nul.status_code == 400
    assert superscript.status_code == 200
    assert "西藏自治区" in _text(superscript)
