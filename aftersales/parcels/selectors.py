"""Reads of problem parcels: what the case page and the API show of one, and the timeline's
words for its events."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from aftersales.cases.models import Case
from aftersales.core.money import ZERO, to_money
from aftersales.logistics.models import ProblemKind
from aftersales.logistics.services import contingency_plan_for
from aftersales.parcels.models import ParcelProblem
from aftersales.returns.models import RefundStatus
from aftersales.returns.registration import describe_event as describe_refund_event

MSG_PROBLEM = _("%(kind)s · %(carrier)s %(waybill)s")
MSG_CONTACT = _("%(channel)s：%(summary)s")
MSG_NEW_ADDRESS = _("新地址：%(address)s")
MSG_STATION = _("自提网点：%(station)s")
MSG_RESHIP = _("补寄 %(units)s 件")
MSG_REASON = _("原因：%(reason)s")
MSG_REFUND = _("发起退款 ¥%(amount)s")

CHANNEL_LABELS = {
    "wangwang": _("旺旺"),
    "phone": _("电话"),
    "sms": _("短信"),
    "other": _("其他"),
}


def problem_of(case: Case) -> ParcelProblem | None:
    return (
        ParcelProblem.objects.select_related(
            "shipment__carrier", "reship_shipment__carrier", "agreed_by"
        )
        .filter(case=case)
        .first()
    )


def source_event(problem: ParcelProblem):
    """The tracking event that raised the problem, if it came from tracking."""
    if problem.source_event_id is None:
        return None
    from aftersales.tracking.models import TrackingEvent

    return TrackingEvent.objects.filter(pk=problem.source_event_id).first()


def tracking_of(problem: ParcelProblem):
    from aftersales.tracking.models import ShipmentTracking

    return ShipmentTracking.objects.filter(shipment_id=problem.shipment_id).first()


def plan_of(problem: ParcelProblem):
    carrier_id = problem.shipment.carrier_id
    if carrier_id is None:
        return None
    return contingency_plan_for(carrier_id, problem.problem_kind)


def detail_context(case: Case) -> dict[str, Any]:
    """What the problem-parcel panel of the case page shows."""
    problem = problem_of(case)
    if problem is None:
        return {"problem": None}
    refunds = list(case.refunds.select_related("order_line").order_by("created_at"))
    for refund in refunds:
        refund.total = refund.amount + refund.freight_amount + refund.return_freight_amount
    return {
        "problem": problem,
        "problem_event": source_event(problem),
        "problem_tracking": tracking_of(problem),
        "plan": plan_of(problem),
        "refunds": refunds,
        "reship_lines": list(case.reship_lines.select_related("order_line").order_by("id")),
        "pending": RefundStatus.PENDING,
    }


def detail_api(case: Case) -> dict[str, Any]:
    problem = problem_of(case)
    if problem is None:
        return {}
    shipment = problem.shipment
    plan = plan_of(problem)
    reship = problem.reship_shipment
    refunded = sum(
        (
            r.amount + r.freight_amount + r.return_freight_amount
            for r in case.refunds.filter(status=RefundStatus.SUCCEEDED)
        ),
        ZERO,
    )
    return {
        "problem_kind": problem.problem_kind,
        "source": problem.source,
        "source_event_id": problem.source_event_id,
        "occurred_at": problem.occurred_at.isoformat(),
        "shipment": {
            "id": shipment.pk,
            "carrier": shipment.carrier.code if shipment.carrier else None,
            "waybill_no": shipment.waybill_no,
        },
        "contingency_plan": (
            {"action": plan.action, "note": plan.note} if plan is not None else None
        ),
        "outcome": problem.outcome,
        "new_address": problem.new_address,
        "station": problem.station,
        "reship": (
            {
                "id": reship.pk,
                "carrier": reship.carrier.code if reship.carrier else None,
                "waybill_no": reship.waybill_no,
            }
            if reship is not None
            else None
        ),
        "refund_amount": str(problem.refund_amount) if problem.refund_amount else None,
        "refunded": str(to_money(refunded)),
        "close_reason": problem.close_reason,
        "agreed_at": problem.agreed_at.isoformat() if problem.agreed_at else None,
    }


def _kind_label(code: str) -> str:
    return str(dict(ProblemKind.choices).get(code, code))


def describe_event(event) -> str:
    """A line under an event on the timeline, in words."""
    after = event.after or {}
    action = event.action
    if action == "problem_reported":
        return str(
            MSG_PROBLEM
            % {
                "kind": _kind_label(after.get("problem_kind", "")),
                "carrier": after.get("carrier", ""),
                "waybill": after.get("waybill_no", ""),
            }
        )
    if action == "problem_again":
        return _kind_label(after.get("problem_kind", ""))
    if action == "record_contact":
        channel = CHANNEL_LABELS.get(after.get("channel", ""), after.get("channel", ""))
        return str(MSG_CONTACT % {"channel": channel, "summary": after.get("summary", "")})
    if action == "agree_new_address":
        return str(MSG_NEW_ADDRESS % {"address": after.get("new_address", "")})
    if action == "agree_pickup":
        return str(MSG_STATION % {"station": after.get("station", "")})
    if action == "reship_other_carrier":
        return str(MSG_RESHIP % {"units": sum((after.get("reship") or {}).values())})
    if action == "cancel_and_refund":
        return str(MSG_REFUND % {"amount": to_money(after.get("amount") or "0")})
    if action == "close_problem":
        return str(MSG_REASON % {"reason": after.get("reason", "")})
    return describe_refund_event(event)
