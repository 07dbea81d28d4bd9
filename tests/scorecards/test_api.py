"""The scorecard's API end to end: the figures as strings, the month and shop asked for, the
rules, the penalties and their reversal, and every documented 4xx."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.logistics.models import PriorityRevocation
from aftersales.scorecards.models import Penalty, PenaltyPolicy
from aftersales.scorecards.services import penalties_apply
from tests.api import API, bearer_client, error_of, patch_json, post_json
from tests.scorecards.conftest import at, event, report, ship

NOV = dt.date(2026, 11, 1)
RUN_AT = at(2026, 12, 1, 2, 0)


@pytest.fixture
def november(shop, agent, yto, zto):
    """yto: 4 parcels, one out of area twice over (tracking and a report), one stranded, one
    signed after 30 hours, one signed on a date only; zto: 1 parcel."""
    out = ship(shop, yto, at(2026, 11, 1, 0, 10))
    event(out, "out_of_area")
    report(out, "out_of_area", actor=agent)
    event(ship(shop, yto, at(2026, 11, 8, 9)), "stranded")
    ship(shop, yto, at(2026, 11, 9, 9), signed_at=at(2026, 11, 10, 15))
    ship(shop, yto, at(2026, 11, 9, 9), signed_on=dt.date(2026, 11, 11))
    ship(shop, zto, at(2026, 11, 9, 9))


def test_the_scorecard_of_a_month(november, agent, yto):
    response = bearer_client(agent).get(f"{API}/scorecards?month=2026-11")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["month"] == "2026-11"
    assert body["shop_id"] is None
    assert [k["code"] for k in body["kinds"]] == [
        "out_of_area",
        "blind_area",
        "stranded",
        "refused",
        "returning",
    ]
    assert body["trend_months"] == [
        "2026-06",
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
        "2026-11",
    ]
    y = body["carriers"][0]
    assert y == {
        "carrier_id": yto.pk,
        "carrier_code": "yto",
        "carrier_name": "圆通速递",
        "parcels": 4,
        "problems": {
            "out_of_area": 1,
            "blind_area": 0,
            "stranded": 1,
            "refused": 0,
            "returning": 0,
        },
        "problem_parcels": 2,
        "out_of_area": 1,
        "out_of_area_pct": "25.00",
        "problem_pct": "50.00",
        "signed_exact": 1,
        "signed_date_only": 1,
        "avg_sign_hours": "30.0",
        "out_of_area_trend": [None, None, None, None, None, "25.00"],
    }
    assert [(c["carrier_code"], c["parcels"], c["out_of_area_pct"]) for c in body["carriers"]] == [
        ("yto", 4, "25.00"),
        ("zto", 1, "0.00"),
    ]


def test_a_month_without_parcels_answers_null_rates(november, agent, shop):
    body = bearer_client(agent).get(f"{API}/scorecards?month=2026-12&shop_id={shop.pk}").json()

    assert body["shop_id"] == shop.pk
    # Listed for their trend lines, with no rate rather than 0 %.
    assert sorted(
        (c["carrier_code"], c["parcels"], c["out_of_area_pct"], c["problem_pct"])
        for c in body["carriers"]
    ) == [("yto", 0, None, None), ("zto", 0, None, None)]


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "november", "2026-11-01"])
def test_a_bad_month_is_422_naming_the_field(agent, month):
    response = bearer_client(agent).get(f"{API}/scorecards?month={month}")

    assert response.status_code == 422
    assert error_of(response)["field"] == "month"
    assert error_of(response)["code"] == "invalid"


def test_the_scorecard_is_refused_or_not_found(november, warehouse, outsider, shop, client):
    assert bearer_client(warehouse).get(f"{API}/scorecards").status_code == 403
    refused = bearer_client(outsider).get(f"{API}/scorecards?shop_id={shop.pk}")
    assert (refused.status_code, error_of(refused)["code"]) == (404, "not_found")
    # The outsider's own shops: nothing of the shop's.
    assert bearer_client(outsider).get(f"{API}/scorecards?month=2026-11").json()["carriers"] == []
    assert client.get(f"{API}/scorecards").status_code == 401
    bad = bearer_client(outsider).get(f"{API}/scorecards?shop_id=abc")
    assert (bad.status_code, error_of(bad)["field"]) == (422, "shop_id")


# --- rules ---------------------------------------------------------------------------------------


RULE = {
    "carrier_id": None,
    "metric": "out_of_area_rate",
    "threshold_pct": "5.00",
    "min_parcels": 3,
    "deduction_per_parcel": "2.00",
    "revoke_days": 7,
    "note": "超区考核",
}


def test_a_supervisor_writes_a_rule_of_the_shop_and_only_an_admin_one_of_every_shop(
    supervisor, administrator, shop
):
    mine = post_json(
        bearer_client(supervisor), f"{API}/scorecards/policies", {**RULE, "shop_id": shop.pk}
    )
    every = post_json(
        bearer_client(supervisor), f"{API}/scorecards/policies", {**RULE, "shop_id": None}
    )
    admins = post_json(
        bearer_client(administrator), f"{API}/scorecards/policies", {**RULE, "shop_id": None}
    )

    assert mine.status_code == 201, mine.content
    assert (mine.json()["shop_id"], mine.json()["threshold_pct"]) == (shop.pk, "5.00")
    assert every.status_code == 403
    assert admins.status_code == 201
    listed = bearer_client(supervisor).get(f"{API}/scorecards/policies").json()
    assert sorted(p["id"] for p in listed) == sorted([mine.json()["id"], admins.json()["id"]])
    changed = patch_json(
        bearer_client(supervisor),
        f"{API}/scorecards/policies/{mine.json()['id']}",
        {"threshold_pct": "8.50", "is_active": False},
    )
    assert changed.status_code == 200
    assert (changed.json()["threshold_pct"], changed.json()["is_active"]) == ("8.50", False)
    theirs = patch_json(
        bearer_client(supervisor),
        f"{API}/scorecards/policies/{admins.json()['id']}",
        {"threshold_pct": "1.00"},
    )
    assert theirs.status_code == 403
    assert PenaltyPolicy.objects.get(pk=admins.json()["id"]).threshold_pct == Decimal("5.00")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"threshold_pct": "100.01"}, "threshold_pct"),
        ({"deduction_per_parcel": "-1"}, "deduction_per_parcel"),
        ({"deduction_per_parcel": "0", "revoke_days": 0}, "deduction_per_parcel"),
        ({"metric": "speed"}, "metric"),
        ({"carrier_id": 99999}, "carrier_id"),
        ({"revoke_days": 400}, "revoke_days"),
    ],
)
def test_a_bad_rule_is_422_naming_the_field(supervisor, shop, change, field):
    response = post_json(
        bearer_client(supervisor),
        f"{API}/scorecards/policies",
        {**RULE, "shop_id": shop.pk, **change},
    )

    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == field
    assert PenaltyPolicy.objects.count() == 0


def test_an_agent_may_not_write_rules(agent, shop):
    response = post_json(
        bearer_client(agent), f"{API}/scorecards/policies", {**RULE, "shop_id": shop.pk}
    )

    assert response.status_code == 403
    assert bearer_client(agent).get(f"{API}/scorecards/policies").status_code == 403


# --- penalties -----------------------------------------------------------------------------------


@pytest.fixture
def penalty(november, make_policy):
    make_policy(min_parcels=3)
    penalties_apply(month=NOV, now=RUN_AT)
    return Penalty.objects.get()


def test_the_penalties_are_listed_for_the_shop(penalty, agent, outsider):
    body = bearer_client(agent).get(f"{API}/scorecards/penalties?month=2026-11").json()

    assert body["count"] == 1
    item = body["items"][0]
    assert (item["id"], item["carrier_name"], item["month"], item["counted"]) == (
        penalty.pk,
        "圆通速递",
        "2026-11",
        1,
    )
    assert (item["deduction"], item["rate_pct"], item["reversed"]) == ("2.50", "25.00", False)
    assert bearer_client(outsider).get(f"{API}/scorecards/penalties").json()["count"] == 0
    assert (
        bearer_client(outsider).get(f"{API}/scorecards/penalties/{penalty.pk}").status_code == 404
    )
    bad = bearer_client(agent).get(f"{API}/scorecards/penalties?month=13-2026")
    assert (bad.status_code, error_of(bad)["field"]) == (422, "month")


def test_an_administrator_reverses_a_penalty_through_the_api(penalty, administrator, supervisor):
    url = f"{API}/scorecards/penalties/{penalty.pk}/reverse"

    refused = post_json(bearer_client(supervisor), url, {"reason": "申诉"})
    no_reason = post_json(bearer_client(administrator), url, {"reason": ""})
    done = post_json(bearer_client(administrator), url, {"reason": "申诉成功"})
    twice = post_json(bearer_client(administrator), url, {"reason": "申诉成功"})

    assert (refused.status_code, error_of(refused)["code"]) == (403, "permission_denied")
    assert (no_reason.status_code, error_of(no_reason)["field"]) == (422, "reason")
    assert done.status_code == 200, done.content
    assert (done.json()["reversed"], done.json()["reverse_reason"]) == (True, "申诉成功")
    assert (twice.status_code, error_of(twice)["code"]) == (409, "already_reversed")
    assert PriorityRevocation.objects.get().reversed_at is not None


@pytest.mark.parametrize(
    "path",
    [
        "/scorecards?shop_id=99999999999999999999",
        "/scorecards?shop_id=9223372036854775808",
        "/scorecards?month=%00",
        "/scorecards/penalties?offset=99999999999999999999",
        "/scorecards/penalties?shop_id=9223372036854775807&carrier_id=-1",
        "/scorecards/penalties/9223372036854775807",
    ],
)
def test_hostile_queries_answer_4xx_or_nothing(supervisor, path):
    response = bearer_client(supervisor).get(API + path)

    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert set(error_of(response)) >= {"code", "field", "message"}


def test_a_hostile_rule_is_refused_not_a_500(administrator, shop):
    for body in (
        {**RULE, "shop_id": shop.pk, "min_parcels": 2**40},
        {**RULE, "shop_id": shop.pk, "threshold_pct": "NaN"},
        {**RULE, "shop_id": shop.pk, "carrier_id": 2**63},
        {**RULE, "shop_id": 2**63},
        {**RULE, "shop_id": shop.pk, "note": "x" * 300},
    ):
        response = post_json(bearer_client(administrator), f"{API}/scorecards/policies", body)
        assert response.status_code in (404, 422), (body, response.content)
    assert PenaltyPolicy.objects.count() == 0
    huge = patch_json(
        bearer_client(administrator), f"{API}/scorecards/policies/{2**63}", {"is_active": False}
    )
    assert huge.status_code in (404, 422)
