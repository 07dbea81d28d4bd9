"""The scorecards area's part of the walks (see tests/authz/areas/__init__.py).

Reads of the scorecard and the penalties are REPORT_VIEW; the penalty policy's rules are
CARRIER_MANAGE; reversing a penalty is PENALTY_REVERSE (administrators). The records behind
each call: the story's order (a yto parcel shipped in November 2026, the walk's month), out of
area by the carrier's tracking, and the shop's rule that penalises it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse

from aftersales.accounts.permissions import Perm
from aftersales.scorecards.models import Penalty, PenaltyPolicy
from aftersales.scorecards.services import penalties_apply
from aftersales.tracking.models import TrackingEvent
from tests.api import NOW
from tests.authz.calls import Call, OutsiderCall, Visit

NOV = dt.date(2026, 11, 1)
RULE_NOTE = "袜子旗舰店超区考核"
REASON = "快递申诉成功"

API_OPERATIONS = {
    ("get", "/scorecards"): Perm.REPORT_VIEW,
    ("get", "/scorecards/policies"): Perm.CARRIER_MANAGE,
    ("post", "/scorecards/policies"): Perm.CARRIER_MANAGE,
    ("patch", "/scorecards/policies/{policy_id}"): Perm.CARRIER_MANAGE,
    ("get", "/scorecards/penalties"): Perm.REPORT_VIEW,
    ("get", "/scorecards/penalties/{penalty_id}"): Perm.REPORT_VIEW,
    ("post", "/scorecards/penalties/{penalty_id}/reverse"): Perm.PENALTY_REVERSE,
}

PAGES = {
    ("scorecards:board", "get"): Perm.REPORT_VIEW,
    ("scorecards:penalties", "get"): Perm.REPORT_VIEW,
    ("scorecards:penalty_reverse", "post"): Perm.PENALTY_REVERSE,
    ("scorecards:policies", "get"): Perm.CARRIER_MANAGE,
    ("scorecards:policy_new", "get"): Perm.CARRIER_MANAGE,
    ("scorecards:policy_new", "post"): Perm.CARRIER_MANAGE,
    ("scorecards:policy_edit", "get"): Perm.CARRIER_MANAGE,
    ("scorecards:policy_edit", "post"): Perm.CARRIER_MANAGE,
}


def _out_of_area_parcel(shop) -> None:
    """An order of ``shop`` whose parcel (yto, shipped in November) went out of area."""
    from tests.api import order_build

    order, _lines = order_build(shop=shop, postal_code="310000")
    shipment = order.shipments.get()
    TrackingEvent.objects.create(
        shipment=shipment,
        occurred_at=NOW,
        status="out_of_area",
        context="超区",
        dedupe_key=f"walk-{shipment.pk}",
        created_at=NOW,
    )


def _rule(shop) -> PenaltyPolicy:
    existing = PenaltyPolicy.objects.filter(shop=shop, note=RULE_NOTE).first()
    return existing or PenaltyPolicy.objects.create(
        shop=shop,
        metric="out_of_area_rate",
        threshold_pct=Decimal("0.00"),
        min_parcels=1,
        deduction_per_parcel=Decimal("3.00"),
        revoke_days=3,
        note=RULE_NOTE,
        created_at=NOW,
        updated_at=NOW,
    )


def _penalty(shop) -> Penalty:
    """The shop's rule applied to its November: one penalty of yto, priority revoked."""
    _out_of_area_parcel(shop)
    rule = _rule(shop)
    penalties_apply(month=NOV, now=NOW)
    return Penalty.objects.get(shop=shop, policy=rule)


RULE_BODY: dict[str, Any] = {
    "metric": "problem_parcel_rate",
    "threshold_pct": "10.00",
    "min_parcels": 50,
    "deduction_per_parcel": "1.50",
    "revoke_days": 0,
    "note": "问题件考核",
}


def api_calls() -> dict[tuple[str, str], Any]:
    def scorecard(story, actor):
        _out_of_area_parcel(story.shop)
        return Call(
            query="month=2026-11",
            shows=lambda r: (
                [(c["carrier_code"], c["out_of_area"]) for c in r.json()["carriers"]]
                == [("yto", 1)]
            ),
        )

    def policies(story, actor):
        rule = _rule(story.shop)
        return Call(shows=lambda r: rule.pk in [p["id"] for p in r.json()])

    def policy_create(story, actor):
        return Call(json={**RULE_BODY, "shop_id": story.shop.pk}, ok=201)

    def policy_update(story, actor):
        rule = _rule(story.shop)
        return Call(
            ids={"policy_id": rule.pk},
            json={"threshold_pct": "7.25"},
            shows=lambda r: r.json()["threshold_pct"] == "7.25",
        )

    def penalties(story, actor):
        penalty = _penalty(story.shop)
        return Call(
            query="month=2026-11",
            shows=lambda r: [p["id"] for p in r.json()["items"]] == [penalty.pk],
        )

    def penalty_get(story, actor):
        penalty = _penalty(story.shop)
        return Call(ids={"penalty_id": penalty.pk}, shows=lambda r: r.json()["id"] == penalty.pk)

    def penalty_reverse(story, actor):
        penalty = _penalty(story.shop)
        return Call(
            ids={"penalty_id": penalty.pk},
            json={"reason": REASON},
            shows=lambda r: (r.json()["reversed"], r.json()["reverse_reason"]) == (True, REASON),
        )

    return {
        ("get", "/scorecards"): scorecard,
        ("get", "/scorecards/policies"): policies,
        ("post", "/scorecards/policies"): policy_create,
        ("patch", "/scorecards/policies/{policy_id}"): policy_update,
        ("get", "/scorecards/penalties"): penalties,
        ("get", "/scorecards/penalties/{penalty_id}"): penalty_get,
        ("post", "/scorecards/penalties/{penalty_id}/reverse"): penalty_reverse,
    }


def _form(story) -> dict[str, Any]:
    return {
        "shop": story.shop.pk,
        "carrier": "",
        "metric": "problem_parcel_rate",
        "threshold_pct": "10.00",
        "min_parcels": "50",
        "deduction_per_parcel": "1.50",
        "revoke_days": "0",
        "is_active": "on",
        "note": "问题件考核",
    }


def page_visits() -> dict[tuple[str, str], Any]:
    def board(story, action):
        _out_of_area_parcel(story.shop)
        # The shop's carrier row; the outsider's own page has none.
        return Visit(
            reverse("scorecards:board") + "?month=2026-11",
            secret='id="carrier-yto"',
            outsider="hidden",
        )

    def penalties(story, action):
        penalty = _penalty(story.shop)
        return Visit(
            reverse("scorecards:penalties"), secret=f'id="penalty-{penalty.pk}"', outsider="hidden"
        )

    def penalty_reverse(story, action):
        penalty = _penalty(story.shop)
        return Visit(
            reverse("scorecards:penalty_reverse", args=[penalty.pk]),
            data={"reason": REASON},
            ok=302,
        )

    def policies(story, action):
        _rule(story.shop)
        return Visit(reverse("scorecards:policies"), secret=RULE_NOTE, outsider="hidden")

    def policy_new_form(story, action):
        return Visit(reverse("scorecards:policy_new"), outsider="hidden")

    def policy_new(story, action):
        # The outsider names a shop that is not theirs: the form refuses it.
        return Visit(
            reverse("scorecards:policy_new"), data=_form(story), ok=302, outsider="refused"
        )

    def policy_edit_form(story, action):
        rule = _rule(story.shop)
        return Visit(reverse("scorecards:policy_edit", args=[rule.pk]), secret=RULE_NOTE)

    def policy_edit(story, action):
        rule = _rule(story.shop)
        return Visit(reverse("scorecards:policy_edit", args=[rule.pk]), data=_form(story), ok=302)

    return {
        ("scorecards:board", "get"): board,
        ("scorecards:penalties", "get"): penalties,
        ("scorecards:penalty_reverse", "post"): penalty_reverse,
        ("scorecards:policies", "get"): policies,
        ("scorecards:policy_new", "get"): policy_new_form,
        ("scorecards:policy_new", "post"): policy_new,
        ("scorecards:policy_edit", "get"): policy_edit_form,
        ("scorecards:policy_edit", "post"): policy_edit,
    }


def _records(records: dict[str, Any]) -> tuple[PenaltyPolicy, Penalty]:
    """Shop A's rule and penalty, made once for the outsider's walk."""
    if "scorecards" not in records:
        penalty = _penalty(records["shop"])
        records["scorecards"] = (penalty.policy, penalty)
    return records["scorecards"]


def outsider_ids(records: dict[str, Any]) -> dict[str, int]:
    rule, penalty = _records(records)
    return {"policy_id": rule.pk, "penalty_id": penalty.pk}


def outsider_calls(records: dict[str, Any]) -> dict[tuple[str, str], OutsiderCall]:
    _records(records)
    return {
        # The outsider's own shops: no parcel, rule or penalty of shop A in the answers.
        ("get", "/scorecards"): OutsiderCall("empty", query="month=2026-11"),
        ("get", "/scorecards/policies"): OutsiderCall("empty"),
        ("get", "/scorecards/penalties"): OutsiderCall("empty", query="month=2026-11"),
        ("post", "/scorecards/policies"): OutsiderCall(
            "404", json={**RULE_BODY, "shop_id": records["shop"].pk}
        ),
        ("post", "/scorecards/penalties/{penalty_id}/reverse"): OutsiderCall(
            "404", json={"reason": "外人"}
        ),
    }
