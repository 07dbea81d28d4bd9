"""The logistics area's part of the walks (see tests/authz/areas/__init__.py).

Coverage rules, outlet suspensions and contingency plans are carrier-wide reference data, not
a shop's: whoever holds CARRIER_MANAGE in any shop reads and writes them, the outsider (a
supervisor of another shop) too. The API's outsider walk therefore expects those calls to go
through without showing anything of shop A ("empty"). The page walk insists that the outsider
writes nothing at all, so each carrier-wide form is walked with input that the service refuses
after the role check (a place that does not exist, dates in the wrong order, a plan that
exists, a delete not confirmed, a file with a bad row): an allowed role passes the role check
and is told why, a denied one gets 403, the outsider is refused too and nothing is written.
The real writes are tested in tests/logistics/. Routes and pre-ship flags are the shop's:
walked as every per-shop record is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftersales.accounts.permissions import Perm
from aftersales.logistics.models import (
    ContingencyPlan,
    CoverageRule,
    OutletSuspension,
    PreShipFlag,
    Route,
    RouteCarrier,
)
from aftersales.orders.models import OrderStatus
from tests.api import NOW
from tests.authz.calls import Call, OutsiderCall, Visit
from tests.factories import CarrierFactory, OrderFactory

L = "/logistics"
COVERAGE_NOTE = "中通西藏全境超区"


def _zto():
    return CarrierFactory(code="zto", name="中通快递")


def _rule() -> CoverageRule:
    return CoverageRule.objects.get_or_create(
        carrier=_zto(),
        province="西藏自治区",
        city="",
        district="",
        defaults={"coverage": "none", "note": COVERAGE_NOTE, "updated_at": NOW},
    )[0]


def _suspension() -> OutletSuspension:
    return OutletSuspension.objects.get_or_create(
        carrier=_zto(),
        outlet="杭州西湖网点",
        starts_on=dt.date(2026, 11, 14),
        defaults={
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "ends_on": dt.date(2026, 11, 16),
            "updated_at": NOW,
        },
    )[0]


def _plan() -> ContingencyPlan:
    return ContingencyPlan.objects.get_or_create(
        carrier=_zto(),
        problem_kind="out_of_area",
        defaults={"action": "forward", "note": "转最近驿站", "updated_at": NOW},
    )[0]


def _route(shop) -> Route:
    route, created = Route.objects.get_or_create(
        shop=shop, province="", city="", district="", defaults={"updated_at": NOW}
    )
    if created:
        RouteCarrier.objects.create(route=route, position=1, carrier=_zto())
    return route


def _flag(shop, order=None) -> PreShipFlag:
    order = order or OrderFactory(
        shop=shop, province="西藏", city="阿里地区", status=OrderStatus.WAIT_SELLER_SEND
    )
    return PreShipFlag.objects.create(
        order=order, shop=shop, reason="no_carrier", primary=_zto(), raised_at=NOW
    )


def _ids(body: Any) -> list[int]:
    items = body["items"] if isinstance(body, dict) else body
    return [item["id"] for item in items]


# --- the API ---------------------------------------------------------------------------------

API_OPERATIONS: dict[tuple[str, str], Any] = {
    ("get", f"{L}/orders/{{order_id}}/route"): Perm.ORDER_VIEW,
    ("get", f"{L}/coverage"): Perm.CARRIER_MANAGE,
    ("post", f"{L}/coverage"): Perm.CARRIER_MANAGE,
    ("patch", f"{L}/coverage/{{coverage_id}}"): Perm.CARRIER_MANAGE,
    ("delete", f"{L}/coverage/{{coverage_id}}"): Perm.CARRIER_MANAGE,
    ("post", f"{L}/imports/coverage"): Perm.CARRIER_MANAGE,
    ("get", f"{L}/suspensions"): Perm.CARRIER_MANAGE,
    ("post", f"{L}/suspensions"): Perm.CARRIER_MANAGE,
    ("patch", f"{L}/suspensions/{{suspension_id}}"): Perm.CARRIER_MANAGE,
    ("delete", f"{L}/suspensions/{{suspension_id}}"): Perm.CARRIER_MANAGE,
    ("post", f"{L}/imports/suspensions"): Perm.CARRIER_MANAGE,
    ("get", f"{L}/plans"): Perm.CARRIER_MANAGE,
    ("post", f"{L}/plans"): Perm.CARRIER_MANAGE,
    ("patch", f"{L}/plans/{{plan_id}}"): Perm.CARRIER_MANAGE,
    ("delete", f"{L}/plans/{{plan_id}}"): Perm.CARRIER_MANAGE,
    ("get", f"{L}/routes"): Perm.ROUTING_MANAGE,
    ("post", f"{L}/routes"): Perm.ROUTING_MANAGE,
    ("patch", f"{L}/routes/{{route_id}}"): Perm.ROUTING_MANAGE,
    ("delete", f"{L}/routes/{{route_id}}"): Perm.ROUTING_MANAGE,
    ("get", f"{L}/preship-flags"): Perm.ORDER_VIEW,
    # Settling is writing down what was agreed with the buyer: the note's permission.
    ("post", f"{L}/preship-flags/{{flag_id}}/settle"): Perm.CASE_NOTE,
}

COVERAGE_CSV = "快递公司,省,覆盖,说明\n中通快递,青海,有限覆盖,只到县城\n".encode("gbk")
SUSPENSION_CSV = (
    "快递公司,网点,省,开始日期,结束日期\n中通快递,西宁网点,青海,2026-11-14,2026-11-15\n"
)


def api_calls() -> dict[tuple[str, str], Any]:
    def order_route(story, actor):
        order, _lines = story.order()
        _route(story.shop)
        return Call(
            ids={"order_id": order.pk},
            shows=lambda r: (
                r.json()["order_id"] == order.pk and r.json()["carrier"]["code"] == "zto"
            ),
        )

    def coverage_list(story, actor):
        rule = _rule()
        return Call(shows=lambda r: rule.pk in _ids(r.json()))

    def coverage_create(story, actor):
        return Call(
            json={"carrier_id": _zto().pk, "province": "西藏", "coverage": "none"},
            ok=201,
            shows=lambda r: r.json()["province"] == "西藏自治区",
        )

    def coverage_update(story, actor):
        rule = _rule()
        return Call(
            ids={"coverage_id": rule.pk},
            json={"coverage": "limited", "note": "只到县城"},
            shows=lambda r: r.json()["coverage"] == "limited",
        )

    def coverage_delete(story, actor):
        return Call(ids={"coverage_id": _rule().pk}, ok=204)

    def coverage_import(story, actor):
        _zto()
        return Call(
            multipart={"file": SimpleUploadedFile("coverage.csv", COVERAGE_CSV)},
            shows=lambda r: r.json()["created"] == 1,
        )

    def suspensions_list(story, actor):
        found = _suspension()
        return Call(shows=lambda r: found.pk in _ids(r.json()))

    def suspension_create(story, actor):
        return Call(
            json={
                "carrier_id": _zto().pk,
                "outlet": "于田网点",
                "province": "新疆",
                "starts_on": "2026-11-14",
                "ends_on": "2026-11-20",
            },
            ok=201,
        )

    def suspension_update(story, actor):
        return Call(
            ids={"suspension_id": _suspension().pk},
            json={"ends_on": "2026-11-18"},
            shows=lambda r: r.json()["ends_on"] == "2026-11-18",
        )

    def suspension_delete(story, actor):
        return Call(ids={"suspension_id": _suspension().pk}, ok=204)

    def suspension_import(story, actor):
        _zto()
        return Call(
            multipart={"file": SimpleUploadedFile("s.csv", SUSPENSION_CSV.encode())},
            shows=lambda r: r.json()["created"] == 1,
        )

    def plans_list(story, actor):
        plan = _plan()
        return Call(shows=lambda r: plan.pk in _ids(r.json()))

    def plan_create(story, actor):
        return Call(
            json={"carrier_id": _zto().pk, "problem_kind": "stranded", "action": "forward"},
            ok=201,
        )

    def plan_update(story, actor):
        return Call(
            ids={"plan_id": _plan().pk},
            json={"action": "return_to_sender"},
            shows=lambda r: r.json()["action"] == "return_to_sender",
        )

    def plan_delete(story, actor):
        return Call(ids={"plan_id": _plan().pk}, ok=204)

    def routes_list(story, actor):
        route = _route(story.shop)
        return Call(shows=lambda r: _ids(r.json()) == [route.pk])

    def route_create(story, actor):
        return Call(
            json={"shop_id": story.shop.pk, "province": "新疆", "carrier_ids": [_zto().pk]},
            ok=201,
        )

    def route_update(story, actor):
        route = _route(story.shop)
        return Call(
            ids={"route_id": route.pk},
            json={"province": "青海"},
            shows=lambda r: r.json()["province"] == "青海省",
        )

    def route_delete(story, actor):
        return Call(ids={"route_id": _route(story.shop).pk}, ok=204)

    def flags_list(story, actor):
        flag = _flag(story.shop)
        return Call(shows=lambda r: _ids(r.json()) == [flag.pk])

    def flag_settle(story, actor):
        flag = _flag(story.shop)
        return Call(
            ids={"flag_id": flag.pk},
            json={"note": "买家同意改寄"},
            shows=lambda r: r.json()["settled_by_id"] == actor.pk,
        )

    return {
        ("get", f"{L}/orders/{{order_id}}/route"): order_route,
        ("get", f"{L}/coverage"): coverage_list,
        ("post", f"{L}/coverage"): coverage_create,
        ("patch", f"{L}/coverage/{{coverage_id}}"): coverage_update,
        ("delete", f"{L}/coverage/{{coverage_id}}"): coverage_delete,
        ("post", f"{L}/imports/coverage"): coverage_import,
        ("get", f"{L}/suspensions"): suspensions_list,
        ("post", f"{L}/suspensions"): suspension_create,
        ("patch", f"{L}/suspensions/{{suspension_id}}"): suspension_update,
        ("delete", f"{L}/suspensions/{{suspension_id}}"): suspension_delete,
        ("post", f"{L}/imports/suspensions"): suspension_import,
        ("get", f"{L}/plans"): plans_list,
        ("post", f"{L}/plans"): plan_create,
        ("patch", f"{L}/plans/{{plan_id}}"): plan_update,
        ("delete", f"{L}/plans/{{plan_id}}"): plan_delete,
        ("get", f"{L}/routes"): routes_list,
        ("post", f"{L}/routes"): route_create,
        ("patch", f"{L}/routes/{{route_id}}"): route_update,
        ("delete", f"{L}/routes/{{route_id}}"): route_delete,
        ("get", f"{L}/preship-flags"): flags_list,
        ("post", f"{L}/preship-flags/{{flag_id}}/settle"): flag_settle,
    }


def outsider_ids(records) -> dict[str, int]:
    shop = records["shop"]
    return {
        "coverage_id": _rule().pk,
        "suspension_id": _suspension().pk,
        "plan_id": _plan().pk,
        "route_id": _route(shop).pk,
        "flag_id": _flag(shop, records["order"]).pk,
    }


def outsider_calls(records) -> dict[tuple[str, str], OutsiderCall]:
    """Carrier-wide reference data is the outsider's to manage too (a supervisor elsewhere):
    through, with nothing of shop A in the answer. The shop's routes and flags: 404."""
    zto = _zto()
    return {
        ("get", f"{L}/coverage"): OutsiderCall("empty"),
        ("post", f"{L}/coverage"): OutsiderCall(
            "empty", json={"carrier_id": zto.pk, "province": "青海", "coverage": "none"}
        ),
        ("patch", f"{L}/coverage/{{coverage_id}}"): OutsiderCall("empty", json={"note": "外人改"}),
        ("delete", f"{L}/coverage/{{coverage_id}}"): OutsiderCall("empty"),
        ("post", f"{L}/imports/coverage"): OutsiderCall(
            "empty", multipart={"file": SimpleUploadedFile("c.csv", COVERAGE_CSV)}
        ),
        ("get", f"{L}/suspensions"): OutsiderCall("empty"),
        ("post", f"{L}/suspensions"): OutsiderCall(
            "empty",
            json={
                "carrier_id": zto.pk,
                "outlet": "外人网点",
                "province": "青海",
                "starts_on": "2026-11-14",
                "ends_on": "2026-11-14",
            },
        ),
        ("patch", f"{L}/suspensions/{{suspension_id}}"): OutsiderCall(
            "empty", json={"note": "外人改"}
        ),
        ("delete", f"{L}/suspensions/{{suspension_id}}"): OutsiderCall("empty"),
        ("post", f"{L}/imports/suspensions"): OutsiderCall(
            "empty", multipart={"file": SimpleUploadedFile("s.csv", SUSPENSION_CSV.encode())}
        ),
        ("get", f"{L}/plans"): OutsiderCall("empty"),
        ("post", f"{L}/plans"): OutsiderCall(
            "empty", json={"carrier_id": zto.pk, "problem_kind": "refused", "action": "forward"}
        ),
        ("patch", f"{L}/plans/{{plan_id}}"): OutsiderCall("empty", json={"note": "外人改"}),
        ("delete", f"{L}/plans/{{plan_id}}"): OutsiderCall("empty"),
        ("get", f"{L}/routes"): OutsiderCall("empty"),
        ("post", f"{L}/routes"): OutsiderCall(
            "404", json={"shop_id": records["shop"].pk, "carrier_ids": [zto.pk]}
        ),
        ("patch", f"{L}/routes/{{route_id}}"): OutsiderCall("404", json={"carrier_ids": [zto.pk]}),
        ("get", f"{L}/preship-flags"): OutsiderCall("empty"),
        ("post", f"{L}/preship-flags/{{flag_id}}/settle"): OutsiderCall(
            "404", json={"note": "外人"}
        ),
    }


# --- the workbench ---------------------------------------------------------------------------

PAGES: dict[tuple[str, str], Any] = {
    ("logistics:coverage", "get"): Perm.CARRIER_MANAGE,
    ("logistics:coverage_new", "get"): Perm.CARRIER_MANAGE,
    ("logistics:coverage_new", "post"): Perm.CARRIER_MANAGE,
    ("logistics:coverage_edit", "get"): Perm.CARRIER_MANAGE,
    ("logistics:coverage_edit", "post"): Perm.CARRIER_MANAGE,
    ("logistics:coverage_delete", "post"): Perm.CARRIER_MANAGE,
    ("logistics:suspensions", "get"): Perm.CARRIER_MANAGE,
    ("logistics:suspension_new", "get"): Perm.CARRIER_MANAGE,
    ("logistics:suspension_new", "post"): Perm.CARRIER_MANAGE,
    ("logistics:suspension_edit", "get"): Perm.CARRIER_MANAGE,
    ("logistics:suspension_edit", "post"): Perm.CARRIER_MANAGE,
    ("logistics:suspension_delete", "post"): Perm.CARRIER_MANAGE,
    ("logistics:plans", "get"): Perm.CARRIER_MANAGE,
    ("logistics:plan_new", "get"): Perm.CARRIER_MANAGE,
    ("logistics:plan_new", "post"): Perm.CARRIER_MANAGE,
    ("logistics:plan_edit", "get"): Perm.CARRIER_MANAGE,
    ("logistics:plan_edit", "post"): Perm.CARRIER_MANAGE,
    ("logistics:plan_delete", "post"): Perm.CARRIER_MANAGE,
    ("logistics:import", "get"): Perm.CARRIER_MANAGE,
    ("logistics:import", "post"): Perm.CARRIER_MANAGE,
    ("logistics:routes", "get"): Perm.ROUTING_MANAGE,
    ("logistics:route_new", "get"): Perm.ROUTING_MANAGE,
    ("logistics:route_new", "post"): Perm.ROUTING_MANAGE,
    ("logistics:route_edit", "get"): Perm.ROUTING_MANAGE,
    ("logistics:route_edit", "post"): Perm.ROUTING_MANAGE,
    ("logistics:route_delete", "post"): Perm.ROUTING_MANAGE,
    ("logistics:preship", "get"): Perm.ORDER_VIEW,
    ("logistics:preship_settle", "post"): Perm.CASE_NOTE,
}

NOT_CONFIRMED = "请在确认后再删除。"


def page_visits() -> dict[tuple[str, str], Any]:
    def shared(url: str, **extra: Any) -> Visit:
        # Carrier-wide: nothing of shop A on it; the outsider (a supervisor) opens it too.
        return Visit(url, outsider="hidden", **extra)

    def refused(url: str, data: dict[str, Any], says: str) -> Visit:
        return Visit(url, data=data, ok=422, ok_says=says, outsider="refused")

    def coverage_values(**changes: Any) -> dict[str, Any]:
        return {"carrier": _zto().pk, "province": "火星", "coverage": "none", **changes}

    def suspension_values() -> dict[str, Any]:
        return {
            "carrier": _zto().pk,
            "outlet": "于田网点",
            "province": "新疆",
            "starts_on": "2026-11-20",
            "ends_on": "2026-11-14",
        }

    route_values = {"province": "新疆", "city": "", "district": ""}

    def route_new_post(story, action):
        return Visit(
            reverse("logistics:route_new"),
            data={"shop": story.shop.pk, **route_values, "carrier_1": _zto().pk},
            ok=302,
            outsider="refused",
        )

    def route_edit_post(story, action):
        route = _route(story.shop)
        return Visit(
            reverse("logistics:route_edit", args=[route.pk]),
            data={**route_values, "carrier_1": _zto().pk},
            ok=302,
        )

    def flags(story, action):
        flag = _flag(story.shop)
        return Visit(reverse("logistics:preship"), secret=flag.order.order_no, outsider="hidden")

    def settle(story, action):
        flag = _flag(story.shop)
        return Visit(
            reverse("logistics:preship_settle", args=[flag.pk]),
            data={"note": "买家同意改寄"},
            htmx=True,
        )

    return {
        ("logistics:coverage", "get"): lambda s, a: shared(reverse("logistics:coverage")),
        ("logistics:coverage_new", "get"): lambda s, a: shared(reverse("logistics:coverage_new")),
        ("logistics:coverage_new", "post"): lambda s, a: refused(
            reverse("logistics:coverage_new"), coverage_values(), "无法识别的地名：火星"
        ),
        ("logistics:coverage_edit", "get"): lambda s, a: shared(
            reverse("logistics:coverage_edit", args=[_rule().pk])
        ),
        ("logistics:coverage_edit", "post"): lambda s, a: refused(
            reverse("logistics:coverage_edit", args=[_rule().pk]),
            coverage_values(),
            "无法识别的地名：火星",
        ),
        ("logistics:coverage_delete", "post"): lambda s, a: refused(
            reverse("logistics:coverage_delete", args=[_rule().pk]), {}, NOT_CONFIRMED
        ),
        ("logistics:suspensions", "get"): lambda s, a: shared(reverse("logistics:suspensions")),
        ("logistics:suspension_new", "get"): lambda s, a: shared(
            reverse("logistics:suspension_new")
        ),
        ("logistics:suspension_new", "post"): lambda s, a: refused(
            reverse("logistics:suspension_new"), suspension_values(), "结束日期不能早于开始日期"
        ),
        ("logistics:suspension_edit", "get"): lambda s, a: shared(
            reverse("logistics:suspension_edit", args=[_suspension().pk])
        ),
        ("logistics:suspension_edit", "post"): lambda s, a: refused(
            reverse("logistics:suspension_edit", args=[_suspension().pk]),
            suspension_values(),
            "结束日期不能早于开始日期",
        ),
        ("logistics:suspension_delete", "post"): lambda s, a: refused(
            reverse("logistics:suspension_delete", args=[_suspension().pk]), {}, NOT_CONFIRMED
        ),
        ("logistics:plans", "get"): lambda s, a: shared(reverse("logistics:plans")),
        ("logistics:plan_new", "get"): lambda s, a: shared(reverse("logistics:plan_new")),
        ("logistics:plan_new", "post"): lambda s, a: refused(
            reverse("logistics:plan_new"),
            {"carrier": _plan().carrier_id, "problem_kind": "out_of_area", "action": "forward"},
            "该快递公司的这类问题已有应急预案",
        ),
        ("logistics:plan_edit", "get"): lambda s, a: shared(
            reverse("logistics:plan_edit", args=[_plan().pk])
        ),
        ("logistics:plan_edit", "post"): lambda s, a: refused(
            reverse("logistics:plan_edit", args=[_plan().pk]),
            {"action": "teleport", "note": "瞬移"},
            "teleport",
        ),
        ("logistics:plan_delete", "post"): lambda s, a: refused(
            reverse("logistics:plan_delete", args=[_plan().pk]), {}, NOT_CONFIRMED
        ),
        ("logistics:import", "get"): lambda s, a: shared(reverse("logistics:import")),
        ("logistics:import", "post"): lambda s, a: refused(
            reverse("logistics:import"),
            {
                "kind": "coverage",
                "file": SimpleUploadedFile(
                    "c.csv", "快递公司,省,覆盖\n无名快递,西藏,不覆盖\n".encode("gbk")
                ),
            },
            "整个文件未导入",
        ),
        ("logistics:routes", "get"): lambda s, a: Visit(
            reverse("logistics:routes"),
            secret=_route(s.shop).shop.name,
            outsider="hidden",
        ),
        ("logistics:route_new", "get"): lambda s, a: Visit(
            reverse("logistics:route_new"), secret=s.shop.name, outsider="hidden"
        ),
        ("logistics:route_new", "post"): route_new_post,
        ("logistics:route_edit", "get"): lambda s, a: Visit(
            reverse("logistics:route_edit", args=[_route(s.shop).pk]), secret=s.shop.name
        ),
        ("logistics:route_edit", "post"): route_edit_post,
        ("logistics:route_delete", "post"): lambda s, a: Visit(
            reverse("logistics:route_delete", args=[_route(s.shop).pk]),
            data={"confirmed": "1"},
            ok=302,
        ),
        ("logistics:preship", "get"): flags,
        ("logistics:preship_settle", "post"): settle,
    }
