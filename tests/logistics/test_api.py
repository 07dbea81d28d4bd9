"""The courier area's API: an order's routing decision with its reasons, the CRUD of coverage,
suspensions, plans and routes, imports, the pre-ship flags; bad input answers 4xx naming the
field, never 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.logistics.models import (
    ContingencyPlan,
    CoverageRule,
    OutletSuspension,
    PreShipFlag,
    Route,
)
from aftersales.logistics.services.flags import sweep
from tests.api import API, NOW, bearer_client, error_of, patch_json, post_json
from tests.logistics.conftest import route, rule, unshipped

L = f"{API}/logistics"


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


# --- the routing decision ---------------------------------------------------------------------


def test_the_route_of_an_order_says_the_carrier_and_why(agent, shop, zto, yto):
    route(shop, [zto, yto])
    rule(zto, "新疆维吾尔自治区", "和田地区", "于田县", note="无网点")
    order = unshipped(shop, province="新疆", city="和田地区", district="于田县")

    response = bearer_client(agent).get(f"{L}/orders/{order.pk}/route")

    body = response.json()
    assert response.status_code == 200
    assert body["carrier"] == {"id": yto.pk, "code": "yto", "name": "圆通速递"}
    assert body["region"] == {
        "province": "新疆维吾尔自治区",
        "city": "和田地区",
        "district": "于田县",
    }
    assert [(r["position"], r["carrier"]["code"], r["verdict"]) for r in body["reasons"]] == [
        (1, "zto", "not_covered"),
        (2, "yto", "chosen"),
    ]
    assert "无网点" in body["reasons"][0]["why"]
    assert (body["primary_skipped"], body["flag_reason"]) == (True, "primary_skipped")


def test_the_route_of_another_shops_order_is_not_found(outsider, shop, zto):
    route(shop, [zto])
    order = unshipped(shop)

    response = bearer_client(outsider).get(f"{L}/orders/{order.pk}/route")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_bad_order_id_is_a_422_naming_it(agent):
    response = bearer_client(agent).get(f"{L}/orders/abc/route")

    assert response.status_code == 422
    assert error_of(response)["field"] == "order_id"


# --- coverage ---------------------------------------------------------------------------------


def test_coverage_is_created_listed_changed_and_deleted(supervisor, zto):
    api = bearer_client(supervisor)

    created = post_json(
        api,
        f"{L}/coverage",
        {"carrier_id": zto.pk, "province": "西藏", "coverage": "limited", "note": "只到县城"},
    )
    rule_id = created.json()["id"]
    listed = api.get(f"{L}/coverage?carrier_id={zto.pk}")
    changed = patch_json(api, f"{L}/coverage/{rule_id}", {"coverage": "none"})
    deleted = api.delete(f"{L}/coverage/{rule_id}")
    again = api.delete(f"{L}/coverage/{rule_id}")

    assert created.status_code == 201
    assert created.json()["province"] == "西藏自治区"
    assert listed.json()["count"] == 1
    assert changed.json()["coverage"] == "none"
    assert deleted.status_code == 204
    assert again.status_code == 404
    assert not CoverageRule.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"carrier_id": 999, "province": "西藏", "coverage": "none"}, "carrier_id", 422),
        ({"province": "西藏", "coverage": "none"}, "carrier_id", 422),
        ({"carrier_id": "{zto}", "province": "西藏", "coverage": "maybe"}, "coverage", 422),
        ({"carrier_id": "{zto}", "province": "火星", "coverage": "none"}, "province", 422),
        ({"carrier_id": "{zto}", "province": "", "coverage": "none"}, "province", 422),
        ({"carrier_id": "{zto}", "province": "x" * 40, "coverage": "none"}, "province", 422),
        (
            {"carrier_id": "{zto}", "province": "新疆", "district": "于田县", "coverage": "none"},
            "city",
            422,
        ),
    ],
)
def test_bad_coverage_input_is_a_4xx_naming_the_field(supervisor, zto, body, field, status):
    body = {k: (zto.pk if v == "{zto}" else v) for k, v in body.items()}

    response = post_json(bearer_client(supervisor), f"{L}/coverage", body)

    assert response.status_code == status, response.content
    assert error_of(response)["field"] == field
    assert not CoverageRule.objects.exists()


def test_the_same_region_twice_is_refused(supervisor, zto):
    rule(zto, "西藏自治区")

    response = post_json(
        bearer_client(supervisor),
        f"{L}/coverage",
        {"carrier_id": zto.pk, "province": "西藏", "coverage": "none"},
    )

    assert response.status_code == 422
    assert error_of(response)["message"] == "该快递公司在该地区已有覆盖规则。"


def test_an_agent_may_not_read_or_write_coverage(agent, zto):
    api = bearer_client(agent)

    listed = api.get(f"{L}/coverage")
    created = post_json(
        api, f"{L}/coverage", {"carrier_id": zto.pk, "province": "西藏", "coverage": "none"}
    )

    assert (listed.status_code, created.status_code) == (403, 403)
    assert error_of(created)["code"] == "permission_denied"


def test_the_coverage_import_refuses_a_bad_file_with_every_row(supervisor, zto):
    body = "快递公司,省,覆盖\n中通快递,火星,不覆盖\n无名快递,西藏,不覆盖\n".encode("gbk")

    response = bearer_client(supervisor).post(
        f"{L}/imports/coverage", {"file": SimpleUploadedFile("c.csv", body)}
    )

    error = error_of(response)
    assert response.status_code == 422
    assert error["code"] == "import_refused"
    assert [(e["row"], e["column"]) for e in error["errors"]] == [(2, "省"), (3, "快递公司")]
    assert not CoverageRule.objects.exists()


def test_the_coverage_import_without_a_file_is_a_422(supervisor):
    response = bearer_client(supervisor).post(f"{L}/imports/coverage", {})

    assert response.status_code == 422
    assert error_of(response)["field"] == "file"


def test_the_coverage_import_takes_a_good_file(supervisor, zto):
    body = "快递公司,省,覆盖\n中通快递,西藏,不覆盖\n".encode()

    response = bearer_client(supervisor).post(
        f"{L}/imports/coverage", {"file": SimpleUploadedFile("c.csv", body)}
    )

    assert response.status_code == 200
    assert response.json() == {"rows": 1, "created": 1, "updated": 0}


# --- suspensions and plans --------------------------------------------------------------------


def test_suspensions_through_the_api(supervisor, zto):
    api = bearer_client(supervisor)

    created = post_json(
        api,
        f"{L}/suspensions",
        {
            "carrier_id": zto.pk,
            "outlet": "于田网点",
            "province": "新疆",
            "city": "和田地区",
            "district": "于田县",
            "starts_on": "2026-11-14",
            "ends_on": "2026-11-20",
        },
    )
    sid = created.json()["id"]
    active = api.get(f"{L}/suspensions?active_on=2026-11-20").json()["count"]
    over = api.get(f"{L}/suspensions?active_on=2026-11-21").json()["count"]
    reversed_dates = patch_json(api, f"{L}/suspensions/{sid}", {"ends_on": "2026-11-01"})
    bad_date = patch_json(api, f"{L}/suspensions/{sid}", {"ends_on": "2026-13-01"})

    assert created.status_code == 201
    assert (active, over) == (1, 0)
    assert reversed_dates.status_code == 422
    assert error_of(reversed_dates)["field"] == "ends_on"
    assert bad_date.status_code == 422
    assert error_of(bad_date)["field"] == "ends_on"
    assert api.delete(f"{L}/suspensions/{sid}").status_code == 204
    assert not OutletSuspension.objects.exists()


def test_plans_through_the_api(supervisor, zto):
    api = bearer_client(supervisor)

    created = post_json(
        api,
        f"{L}/plans",
        {"carrier_id": zto.pk, "problem_kind": "stranded", "action": "forward", "note": "转寄"},
    )
    twice = post_json(
        api,
        f"{L}/plans",
        {"carrier_id": zto.pk, "problem_kind": "stranded", "action": "forward"},
    )
    bad_kind = post_json(
        api, f"{L}/plans", {"carrier_id": zto.pk, "problem_kind": "lost", "action": "forward"}
    )
    changed = patch_json(api, f"{L}/plans/{created.json()['id']}", {"action": "return_to_sender"})

    assert created.status_code == 201
    assert twice.status_code == 422
    assert error_of(twice)["field"] == "problem_kind"
    assert bad_kind.status_code == 422
    assert changed.json()["action"] == "return_to_sender"
    assert ContingencyPlan.objects.get().action == "return_to_sender"


# --- routes -----------------------------------------------------------------------------------


def test_routes_through_the_api(supervisor, shop, zto, yto):
    api = bearer_client(supervisor)

    created = post_json(
        api,
        f"{L}/routes",
        {"shop_id": shop.pk, "province": "新疆", "carrier_ids": [yto.pk, zto.pk]},
    )
    rid = created.json()["id"]
    changed = patch_json(api, f"{L}/routes/{rid}", {"carrier_ids": [zto.pk]})
    listed = api.get(f"{L}/routes").json()

    assert created.status_code == 201
    assert [c["code"] for c in created.json()["carriers"]] == ["yto", "zto"]
    assert [c["code"] for c in changed.json()["carriers"]] == ["zto"]
    assert [r["id"] for r in listed] == [rid]
    assert api.delete(f"{L}/routes/{rid}").status_code == 204
    assert not Route.objects.exists()


@pytest.mark.parametrize(
    ("carrier_ids", "message"),
    [
        ([], "请至少选择一家快递公司。"),
        (["{zto}", "{zto}"], "同一家快递公司只能出现一次。"),
        ([999], "快递公司不存在。"),
    ],
)
def test_a_route_with_bad_carriers_is_refused(supervisor, shop, zto, carrier_ids, message):
    ids = [zto.pk if c == "{zto}" else c for c in carrier_ids]

    response = post_json(
        bearer_client(supervisor), f"{L}/routes", {"shop_id": shop.pk, "carrier_ids": ids}
    )

    assert response.status_code == 422
    assert error_of(response) == {"code": "invalid", "field": "carrier_ids", "message": message}


def test_a_route_for_another_shop_is_not_found(outsider, shop, zto):
    response = post_json(
        bearer_client(outsider), f"{L}/routes", {"shop_id": shop.pk, "carrier_ids": [zto.pk]}
    )

    assert response.status_code == 404
    assert not Route.objects.exists()


# --- pre-ship flags ----------------------------------------------------------------------------


def test_flags_are_listed_and_settled_once(agent, shop, zto):
    route(shop, [zto])
    rule(zto, "西藏自治区")
    order = unshipped(shop, province="西藏", city="拉萨市")
    sweep(now=NOW)
    api = bearer_client(agent)

    listed = api.get(f"{L}/preship-flags").json()
    flag_id = listed["items"][0]["id"]
    no_note = post_json(api, f"{L}/preship-flags/{flag_id}/settle", {})
    settled = post_json(api, f"{L}/preship-flags/{flag_id}/settle", {"note": "买家同意自提"})
    twice = post_json(api, f"{L}/preship-flags/{flag_id}/settle", {"note": "再次"})

    assert listed["count"] == 1
    assert listed["items"][0]["order_no"] == order.order_no
    assert listed["items"][0]["reason"] == "no_carrier"
    assert no_note.status_code == 422
    assert error_of(no_note)["field"] == "note"
    assert settled.status_code == 200
    assert settled.json()["settled_by_id"] == agent.pk
    assert twice.status_code == 409
    assert error_of(twice)["code"] == "already_settled"
    assert api.get(f"{L}/preship-flags").json()["count"] == 0
    assert PreShipFlag.objects.get().settle_note == "买家同意自提"


def test_a_nul_in_a_region_is_a_422_naming_the_field(supervisor, zto):
    response = post_json(
        bearer_client(supervisor),
        f"{L}/coverage",
        {"carrier_id": zto.pk, "province": "西藏\x00", "coverage": "none"},
    )

    assert response.status_code == 422
    assert error_of(response)["field"] == "province"
    assert not CoverageRule.objects.exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("offset=99999999999999999999", "offset"),
        ("shop_id=99999999999999999999", "shop_id"),
        ("limit=0", "limit"),
    ],
)
def test_the_flag_list_refuses_numbers_the_database_cannot_hold(agent, query, field):
    response = bearer_client(agent).get(f"{L}/preship-flags?{query}")

    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == field


def test_a_route_of_an_id_beyond_any_integer_is_refused_not_a_server_error(agent):
    response = bearer_client(agent).get(f"{L}/orders/99999999999999999999/route")

    assert response.status_code == 422
    assert error_of(response)["field"] == "order_id"
