"""The watch area's part of the walks (see tests/authz/areas/__init__.py): its follow-ups and
rules, in the API and on the workbench.

The story's follow-up: an order of socks shipped on Tue 10 Nov at 16:00 (Shanghai), never
heard of since, still waiting for the buyer; at 09:30 on Sat 14 Nov the sweep finds it stalled
(more than 48 hours without a tracking event). Working it is FOLLOWUP_WORK; managing the
rules is the watch's rule permission (``aftersales.watch.services.RULE_PERM``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from aftersales.accounts.permissions import Perm
from aftersales.watch.models import FollowUp, WatchRule
from aftersales.watch.services import RULE_PERM, watch_rule_create
from aftersales.watch.sweep import followups_sweep
from tests.api import NOW, order_build
from tests.authz.calls import Call, OutsiderCall, Visit

WORK = Perm.FOLLOWUP_WORK
FOLLOWUP = "/watch/followups/{followup_id}"
RULE_NOTE = "袜子旗舰店拒收跟踪"


def followup(story) -> FollowUp:
    """A new stalled follow-up of the story's shop, raised by the sweep."""
    order, _lines = order_build(
        shop=story.shop, signed_at=None, status="wait_buyer_confirm", postal_code="310000"
    )
    followups_sweep(now=NOW)
    return FollowUp.objects.get(order=order, kind="stalled")


def rule(story) -> WatchRule:
    """The shop's own rule, written by its supervisor: a refusal is followed up after 2 hours."""
    existing = WatchRule.objects.filter(shop=story.shop, kind="refused").first()
    return existing or watch_rule_create(
        actor=story.supervisor,
        shop_id=story.shop.pk,
        kind="refused",
        threshold_hours=2,
        note=RULE_NOTE,
        now=NOW,
    )


def _ids(items: Any) -> list[int]:
    if isinstance(items, dict):
        items = items["items"]
    return [item["id"] for item in items]


# --- the API ----------

API_OPERATIONS = {
    ("get", "/watch/followups"): WORK,
    ("get", FOLLOWUP): WORK,
    ("post", f"{FOLLOWUP}/take"): WORK,
    ("post", f"{FOLLOWUP}/contacts"): WORK,
    ("post", f"{FOLLOWUP}/resolve"): WORK,
    ("post", f"{FOLLOWUP}/dismiss"): WORK,
    ("get", "/watch/rules"): RULE_PERM,
    ("post", "/watch/rules"): RULE_PERM,
    ("patch", "/watch/rules/{watch_rule_id}"): RULE_PERM,
}


def api_calls():
    def listed(story, actor):
        f = followup(story)
        return Call(shows=lambda r: f.pk in _ids(r.json()))

    def get(story, actor):
        f = followup(story)
        return Call(ids={"followup_id": f.pk}, shows=lambda r: r.json()["id"] == f.pk)

    def take(story, actor):
        f = followup(story)
        return Call(ids={"followup_id": f.pk}, shows=lambda r: r.json()["assignee_id"] == actor.pk)

    def contact(story, actor):
        f = followup(story)
        return Call(
            ids={"followup_id": f.pk},
            json={"channel": "phone", "summary": "买家说还没收到，已催快递", "result": "no_answer"},
            ok=201,
            shows=lambda r: len(r.json()["contacts"]) == 1,
        )

    def resolve(story, actor):
        f = followup(story)
        return Call(
            ids={"followup_id": f.pk},
            json={"result": "快递已派送，买家确认收到"},
            shows=lambda r: r.json()["status"] == "done",
        )

    def dismiss(story, actor):
        f = followup(story)
        return Call(
            ids={"followup_id": f.pk},
            json={"reason": "快递已恢复派送"},
            shows=lambda r: r.json()["status"] == "dismissed",
        )

    def rules(story, actor):
        r = rule(story)
        return Call(shows=lambda resp: r.pk in _ids(resp.json()))

    def rule_create(story, actor):
        return Call(
            json={"shop_id": story.shop.pk, "kind": "stalled", "threshold_hours": 24},
            ok=201,
        )

    def rule_update(story, actor):
        r = rule(story)
        return Call(
            ids={"watch_rule_id": r.pk},
            json={"threshold_hours": 6},
            shows=lambda resp: resp.json()["threshold_hours"] == 6,
        )

    return {
        ("get", "/watch/followups"): listed,
        ("get", FOLLOWUP): get,
        ("post", f"{FOLLOWUP}/take"): take,
        ("post", f"{FOLLOWUP}/contacts"): contact,
        ("post", f"{FOLLOWUP}/resolve"): resolve,
        ("post", f"{FOLLOWUP}/dismiss"): dismiss,
        ("get", "/watch/rules"): rules,
        ("post", "/watch/rules"): rule_create,
        ("patch", "/watch/rules/{watch_rule_id}"): rule_update,
    }


# --- the outsider (another shop's agent and supervisor) ----------


def _outsider_records(records) -> tuple[FollowUp, WatchRule]:
    order = records["order"]
    f = FollowUp.objects.filter(order=order).first() or FollowUp.objects.create(
        shop=order.shop,
        order=order,
        kind="open_case",
        case=records["case"],
        basis_at=NOW,
        raised_at=NOW,
        due_at=NOW + dt.timedelta(hours=24),
        result="",
    )
    r = WatchRule.objects.filter(shop=order.shop, kind="refused").first() or (
        WatchRule.objects.create(
            shop=order.shop,
            kind="refused",
            threshold_hours=2,
            note="秘密规则",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    return f, r


def outsider_ids(records) -> dict[str, Any]:
    f, r = _outsider_records(records)
    return {"followup_id": f.pk, "watch_rule_id": r.pk}


def outsider_calls(records) -> dict[tuple[str, str], OutsiderCall]:
    _outsider_records(records)
    shop = records["shop"]
    return {
        ("get", "/watch/followups"): OutsiderCall("empty", query="status=open"),
        ("get", "/watch/rules"): OutsiderCall("empty"),
        ("post", "/watch/rules"): OutsiderCall(
            "404", json={"shop_id": shop.pk, "kind": "stalled", "threshold_hours": 1}
        ),
        ("patch", "/watch/rules/{watch_rule_id}"): OutsiderCall("404", json={"is_active": False}),
        ("post", f"{FOLLOWUP}/contacts"): OutsiderCall(
            "404", json={"channel": "phone", "summary": "外人", "result": "other"}
        ),
        ("post", f"{FOLLOWUP}/resolve"): OutsiderCall("404", json={"result": "外人"}),
        ("post", f"{FOLLOWUP}/dismiss"): OutsiderCall("404", json={"reason": "外人"}),
    }


# --- the workbench ----------

PAGES = {
    ("watch:queue", "get"): WORK,
    ("watch:detail", "get"): WORK,
    ("watch:take", "post"): WORK,
    ("watch:contact", "post"): WORK,
    ("watch:resolve", "post"): WORK,
    ("watch:dismiss", "post"): WORK,
    # The form reads the follow-up; opening the case is the opener's CASE_OPEN too, which
    # every role that works follow-ups holds.
    ("watch:open_case", "get"): WORK,
    ("watch:open_case", "post"): WORK,
    ("watch:rules", "get"): RULE_PERM,
    ("watch:rule_new", "get"): RULE_PERM,
    ("watch:rule_new", "post"): RULE_PERM,
    ("watch:rule_edit", "get"): RULE_PERM,
    ("watch:rule_edit", "post"): RULE_PERM,
}


def _rule_values(story) -> dict[str, Any]:
    return {
        "shop": story.shop.pk,
        "kind": "returning",
        "threshold_hours": "4",
        "due_hours": "12",
        "note": "退回件尽快联系",
        "is_active": "on",
    }


def page_visits():
    def queue(story, action):
        f = followup(story)
        return Visit(reverse("watch:queue"), secret=f.order.order_no, outsider="hidden")

    def detail(story, action):
        f = followup(story)
        return Visit(reverse("watch:detail", args=[f.pk]), secret=f.order.order_no)

    def take(story, action):
        f = followup(story)
        return Visit(reverse("watch:take", args=[f.pk]), htmx=True)

    def contact(story, action):
        f = followup(story)
        p = f"c{f.pk}-"
        return Visit(
            reverse("watch:contact", args=[f.pk]),
            data={
                f"{p}channel": "wangwang",
                f"{p}summary": "买家说还没收到",
                f"{p}result": "other",
            },
            htmx=True,
        )

    def resolve(story, action):
        f = followup(story)
        return Visit(
            reverse("watch:resolve", args=[f.pk]),
            data={f"r{f.pk}-result": "买家确认收到"},
            htmx=True,
        )

    def dismiss(story, action):
        f = followup(story)
        return Visit(
            reverse("watch:dismiss", args=[f.pk]),
            data={f"d{f.pk}-reason": "快递已恢复派送"},
            htmx=True,
        )

    def open_case_form(story, action):
        f = followup(story)
        return Visit(reverse("watch:open_case", args=[f.pk]), secret=f.order.order_no)

    def open_case(story, action):
        f = followup(story)
        line = f.order.lines.get()
        return Visit(
            reverse("watch:open_case", args=[f.pk]),
            data={
                "kind": "return_refund",
                "reason": "quality",
                f"qty_{line.pk}": "1",
                "priority": "2",
                "contact_channel": "phone",
                "contact_summary": "买家说袜子有破洞，要退货",
            },
            ok=302,
        )

    def rules(story, action):
        rule(story)
        return Visit(reverse("watch:rules"), secret=RULE_NOTE, outsider="hidden")

    def rule_new_form(story, action):
        return Visit(reverse("watch:rule_new"), outsider="hidden")

    def rule_new(story, action):
        # The outsider names a shop that is not theirs: the form refuses it.
        return Visit(
            reverse("watch:rule_new"), data=_rule_values(story), ok=302, outsider="refused"
        )

    def rule_edit_form(story, action):
        r = rule(story)
        return Visit(reverse("watch:rule_edit", args=[r.pk]), secret=RULE_NOTE)

    def rule_edit(story, action):
        r = rule(story)
        return Visit(
            reverse("watch:rule_edit", args=[r.pk]),
            data={
                "threshold_hours": "3",
                "due_hours": "8",
                "note": "拒收三小时内联系",
                "is_active": "on",
            },
            ok=302,
        )

    return {
        ("watch:queue", "get"): queue,
        ("watch:detail", "get"): detail,
        ("watch:take", "post"): take,
        ("watch:contact", "post"): contact,
        ("watch:resolve", "post"): resolve,
        ("watch:dismiss", "post"): dismiss,
        ("watch:open_case", "get"): open_case_form,
        ("watch:open_case", "post"): open_case,
        ("watch:rules", "get"): rules,
        ("watch:rule_new", "get"): rule_new_form,
        ("watch:rule_new", "post"): rule_new,
        ("watch:rule_edit", "get"): rule_edit_form,
        ("watch:rule_edit", "post"): rule_edit,
    }
