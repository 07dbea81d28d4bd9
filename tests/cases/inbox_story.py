"""Cases at every stage of the inbox, brought there through the services, for the inbox's
tests (selectors, pages, API, browser)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from aftersales.cases.models import Case
from aftersales.returns.services import case_act, refund_settle, return_case_open
from tests.api import order_build

# Thu 19 Nov 2026, 10:00 in Shanghai: the inbox is read at NOW.
NOW = dt.datetime(2026, 11, 19, 2, 0, tzinfo=dt.UTC)
SIGNED_AT = NOW - dt.timedelta(days=3)


def open_case(
    shop,
    actor,
    kind: str = "return_refund",
    *,
    at: dt.datetime = NOW,
    amount: Decimal | None = None,
    assignee=None,
    **order_fields,
) -> Case:
    """A quality case on a new order of ``shop`` for one pair of its ten (9.90), opened
    ``at``: the shop answers within 48 hours of it."""
    order, lines = order_build(shop=shop, signed_at=SIGNED_AT, **order_fields)
    extra = {}
    if kind == "refusal":
        extra["refused_at"] = at - dt.timedelta(hours=1)
    if kind == "exchange":
        extra["exchange_sku"] = lines[0].sku_code
    return return_case_open(
        order=order,
        kind=kind,
        lines=[(lines[0], 1)],
        reason="quality",
        actor=actor,
        now=at,
        requested_amount=amount,
        assignee=assignee,
        **extra,
    )


def step(case: Case, action: str, *, actor, at: dt.datetime = NOW, **params) -> Case:
    if action == "buyer_ship":
        params = {"carrier": "yto", "waybill_no": f"SF{case.pk:010d}", **params}
    if action == "refund_failed":
        refund_settle(
            refund_id=case.refunds.get(status="pending").pk,
            succeeded=False,
            actor=actor,
            failure_reason="买家账户异常",
            now=at,
        )
    else:
        case_act(case_id=case.pk, action=action, actor=actor, now=at, params=params)
    return Case.objects.get(pk=case.pk)


def cases_at_every_stage(shop, *, agent, warehouse) -> dict[str, Case]:
    """One case of the shop per stage, and a closed one:

    pending         return_refund, just opened, unassigned, 5.50 asked
    pending_mine    refund_only, opened, assigned to the agent
    awaiting_buyer  return_refund, agreed
    to_receive      return_refund, the buyer shipped it back
    refused_parcel  refusal: the refused parcel on its way back (to receive too)
    refunding       refund_only, agreed: the refund is out
    refund_failed   refund_only: the refund failed
    overdue         return_refund opened three days ago, never answered
    closed          return_refund, refused
    """
    out = {
        "pending": open_case(shop, agent, amount=Decimal("5.50"), buyer_nick="Tb-Alice-长名字"),
        "pending_mine": open_case(shop, agent, "refund_only", assignee=agent),
        "awaiting_buyer": open_case(shop, agent),
        "to_receive": open_case(shop, agent),
        "refused_parcel": open_case(shop, agent, "refusal"),
        "refunding": open_case(shop, agent, "refund_only"),
        "refund_failed": open_case(shop, agent, "refund_only"),
        "overdue": open_case(shop, agent, at=NOW - dt.timedelta(days=3)),
        "closed": open_case(shop, agent, buyer_nick="tb-closed", receiver_name="王小明"),
    }
    step(out["awaiting_buyer"], "agree", actor=agent)
    step(out["to_receive"], "agree", actor=agent)
    step(out["to_receive"], "buyer_ship", actor=agent)
    step(out["refunding"], "agree", actor=agent, amount="9.90")
    step(out["refund_failed"], "agree", actor=agent, amount="9.90")
    step(out["refund_failed"], "refund_failed", actor=agent)
    step(out["closed"], "refuse", actor=agent, reason="超出售后范围")
    return {name: Case.objects.get(pk=case.pk) for name, case in out.items()}
