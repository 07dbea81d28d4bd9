"""The demo's problem parcels at different steps.

Runs after tracking's demo (whose problem events open the cases by themselves through the
hook) and logistics' (whose contingency plans the case page shows). The open problem parcels
it finds are taken on by the shop's agent: one is left waiting to be contacted, the others
contacted, sent to a new address, left at a station for pick-up, reshipped by another carrier,
or cancelled and refunded. When tracking gave fewer than that, the agent reports some unsigned
parcels by hand.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count

from aftersales.accounts.models import Role, User
from aftersales.cases.models import Case
from aftersales.cases.services import case_act
from aftersales.core.errors import DomainError
from aftersales.core.models import Carrier
from aftersales.orders.models import Shipment, ShipmentDirection, SignPrecision
from aftersales.parcels.kinds import KIND, ParcelStatus
from aftersales.parcels.models import ParcelProblem
from aftersales.parcels.services import problem_case_open

STATIONS = ("菜鸟驿站（县城汽车站店）", "中通快递乡镇服务点", "邮政代投点（镇邮政支局）")
ADDRESSES = ("县城人民路 18 号 华联超市代收", "市区建设路 205 号 单位前台")


def _agent(case: Case) -> User | None:
    return (
        User.objects.filter(shops=case.shop_id, groups__name=Role.AGENT, is_active=True)
        .order_by("id")
        .first()
    )


def _other_carrier(problem: ParcelProblem) -> Carrier | None:
    return Carrier.objects.exclude(pk=problem.shipment.carrier_id).order_by("id").first()


def _steps(case: Case, n: int) -> list[tuple[str, dict]]:
    problem = case.parcel_problem
    contact = (
        "record_contact",
        {"channel": "wangwang", "summary": "已告知买家包裹无法派送，买家希望尽快收到"},
    )
    if n == 1:
        return [contact]
    if n == 2:
        return [contact, ("agree_new_address", {"address": ADDRESSES[case.pk % 2]})]
    if n == 3:
        return [("agree_pickup", {"station": STATIONS[case.pk % 3]})]
    if n == 4:
        carrier = _other_carrier(problem)
        if carrier is None:
            return []
        waybill = f"{carrier.code.upper()[:2]}{case.pk:010d}"
        return [contact, ("reship_other_carrier", {"carrier": carrier.pk, "waybill_no": waybill})]
    if n == 5:
        return [contact, ("cancel_and_refund", {"reason": "买家不愿等待，取消订单"})]
    return []


def _take(case: Case, actor: User, now: dt.datetime, steps: list[tuple[str, dict]]) -> bool:
    try:
        with transaction.atomic():
            for action, params in steps:
                case_act(case_id=case.pk, action=action, actor=actor, now=now, params=params)
    except DomainError:
        return False
    return True


def _report_more(now: dt.datetime, wanted: int) -> int:
    """Report unsigned parcels of the demo's shops by hand, as an agent would."""
    made = 0
    shipments = (
        Shipment.objects.filter(
            direction=ShipmentDirection.OUTBOUND,
            sign_precision=SignPrecision.NONE,
            carrier__isnull=False,
            order__shop__staff__groups__name=Role.AGENT,
        )
        .exclude(problems__is_open=True)
        .select_related("order")
        .distinct()
        .order_by("-shipped_at", "id")
    )
    kinds: tuple[str, ...] = ("stranded", "blind_area", "out_of_area")
    for shipment in shipments[: wanted * 3]:
        if made >= wanted:
            break
        agent = (
            User.objects.filter(shops=shipment.order.shop_id, groups__name=Role.AGENT)
            .order_by("id")
            .first()
        )
        try:
            problem_case_open(
                order=shipment.order,
                problem_kind=kinds[made % len(kinds)],
                actor=agent,
                now=now,
                shipment_id=shipment.pk,
                note="买家来电：物流多日未更新，网点电话无人接听",
            )
        except DomainError:
            continue
        made += 1
    return made


def load(*, now: dt.datetime) -> str:
    """Take the demo's open problem parcels to different steps. Safe to call once after
    tracking's demo has applied its events."""
    scenarios = 6

    def waiting() -> list[Case]:
        return list(
            Case.objects.filter(kind=KIND, status=ParcelStatus.REPORTED, is_open=True)
            .select_related("parcel_problem__shipment")
            .order_by("id")
        )

    cases = waiting()
    reported_by_hand = 0
    if len(cases) < scenarios:
        reported_by_hand = _report_more(now, scenarios - len(cases))
        cases = waiting()
    for n, case in enumerate(cases[:scenarios]):
        actor = _agent(case)
        steps = _steps(case, n)
        if actor is not None and steps:
            _take(case, actor, now, steps)
    by_status = {
        str(ParcelStatus(status).label): count
        for status, count in Case.objects.filter(kind=KIND)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    }
    parts = "，".join(f"{label} {count}" for label, count in sorted(by_status.items()))
    return f"快递问题件：{sum(by_status.values())} 个（{parts}；人工登记 {reported_by_hand}）"
