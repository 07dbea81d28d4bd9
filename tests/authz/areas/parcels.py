"""The parcels area's part of the walks (see tests/authz/areas/__init__.py): how the story
opens a problem-parcel case (an order shipped by YTO and not signed for, reported stranded by
the agent), the actions' parameters and the steps that bring a case where each is offered."""

from __future__ import annotations

from typing import Any

from aftersales.core.models import Carrier
from aftersales.orders.services import shipment_sign_in_record
from aftersales.parcels.models import ParcelProblem
from aftersales.parcels.services import problem_case_open
from tests.api import NOW, order_build

ACTION_PARAMS: dict[str, dict[str, Any]] = {
    "record_contact": {"channel": "phone", "summary": "买家同意改寄"},
    "agree_new_address": {"address": "浙江省杭州市西湖区文三路 2 号"},
    "agree_pickup": {"station": "圆通文三路营业部"},
    "reship_other_carrier": {"carrier": "sf", "waybill_no": "SF7000000001"},
    "cancel_and_refund": {"reason": "买家取消订单", "amount": "99.00"},
    "confirm_delivered": {},
    "close_problem": {"reason": "快递已恢复派送"},
}

ACTION_STATES: dict[str, tuple[str, list[str]]] = {
    "record_contact": ("problem_parcel", []),
    "agree_new_address": ("problem_parcel", []),
    "agree_pickup": ("problem_parcel", []),
    "reship_other_carrier": ("problem_parcel", ["record_contact"]),
    "cancel_and_refund": ("problem_parcel", ["agree_new_address"]),
    "confirm_delivered": ("problem_parcel", ["agree_pickup", "parcel_signed"]),
    "close_problem": ("problem_parcel", ["record_contact"]),
}

# Valid bodies for the outsider's walk: it must reach the record lookup (404), not stop at
# validation.
OUTSIDER_ACTION_PARAMS: dict[str, dict[str, Any]] = {
    "record_contact": {"summary": "外人"},
    "agree_new_address": {"address": "外人地址"},
    "agree_pickup": {"station": "外人网点"},
    "reship_other_carrier": {"carrier": "sf", "waybill_no": "SF1"},
    "cancel_and_refund": {"reason": "外人"},
    "confirm_delivered": {},
    "close_problem": {"reason": "外人"},
}


def _open(story):
    # The reship goes by another carrier than the parcel's own (YTO).
    Carrier.objects.get_or_create(code="sf", defaults={"name": "顺丰速运"})
    order, _lines = order_build(shop=story.shop, signed_at=None, postal_code="310000")
    return problem_case_open(
        order=order, problem_kind="stranded", actor=story.agent, now=NOW, note="网点暂停派送"
    )


def _signed(story, case) -> None:
    problem = ParcelProblem.objects.get(case=case)
    shipment_sign_in_record(
        shipment_id=problem.shipment_id, actor=story.agent, now=NOW, precision="exact", at=NOW
    )


OPENERS = {"problem_parcel": _open}
STEPS = {"parcel_signed": _signed}
