"""Carrier-wide reference data: coverage rules, outlet suspensions, contingency plans.

Not per shop: whoever holds CARRIER_MANAGE reads and writes them (an administrator or a
supervisor). Every write checks it here, whatever called. Regions are normalised by the
address parser as they are saved, so a rule matches an order whatever short name was typed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Perm, authorize
from aftersales.core.errors import InvalidInput, NotFound
from aftersales.core.models import Carrier
from aftersales.core.validation import text_problem
from aftersales.logistics.models import (
    ContingencyPlan,
    Coverage,
    CoverageRule,
    OutletSuspension,
    PlanAction,
    ProblemKind,
)
from aftersales.logistics.services.address import normalise_region

MSG_NOT_FOUND = _("记录不存在。")
MSG_CARRIER_UNKNOWN = _("快递公司不存在。")
MSG_PROVINCE_REQUIRED = _("请填写省。")
MSG_CITY_REQUIRED = _("填写区县时须同时填写市。")
MSG_REGION_UNKNOWN = _("无法识别的地名：%(name)s")
MSG_REGION_TOO_LONG = _("地名过长：%(name)s")
MSG_COVERAGE_DUPLICATE = _("该快递公司在该地区已有覆盖规则。")
MSG_COVERAGE_INVALID = _("覆盖应为：不覆盖、有限覆盖或正常覆盖。")
MSG_LIMITED_NOTE = _("有限覆盖须说明限制。")
MSG_OUTLET_REQUIRED = _("请填写网点名称。")
MSG_DATES_ORDER = _("结束日期不能早于开始日期。")
MSG_SUSPENSION_DUPLICATE = _("该网点在这一天开始的暂停已登记。")
MSG_PLAN_DUPLICATE = _("该快递公司的这类问题已有应急预案。")
MSG_PLAN_ACTION = _("处理方式不正确。")
MSG_PROBLEM_KIND = _("问题类型不正确。")
MSG_TOO_LONG = _("内容过长：最多 %(max)s 个字符。")
MSG_BAD_TEXT = _("含有无法保存的字符。")

REGION_MAX = 32
NOTE_MAX = 255
OUTLET_MAX = 64


def _require(actor: User | None) -> None:
    authorize(actor, Perm.CARRIER_MANAGE)


def carrier_get(carrier_id: Any, *, field: str = "carrier_id") -> Carrier:
    carrier = Carrier.objects.filter(pk=carrier_id).first() if carrier_id else None
    if carrier is None:
        raise InvalidInput(MSG_CARRIER_UNKNOWN, field=field)
    return carrier


@dataclass(frozen=True)
class RegionIn:
    province: str
    city: str
    district: str


def region_checked(
    province: str, city: str = "", district: str = "", *, province_required: bool = True
) -> RegionIn:
    """A region as typed, checked and normalised (full names). Refuses a district without
    a city, a missing province (where one is required) and a name the parser cannot place."""
    province, city, district = ((v or "").strip() for v in (province, city, district))
    for name, value in (("province", province), ("city", city), ("district", district)):
        if text_problem(value):
            raise InvalidInput(MSG_BAD_TEXT, field=name)
    if not province and (city or district):
        raise InvalidInput(MSG_PROVINCE_REQUIRED, field="province")
    if not province and province_required:
        raise InvalidInput(MSG_PROVINCE_REQUIRED, field="province")
    if district and not city:
        raise InvalidInput(MSG_CITY_REQUIRED, field="city")
    for name, value in (("province", province), ("city", city), ("district", district)):
        if len(value) > REGION_MAX:
            raise InvalidInput(MSG_REGION_TOO_LONG % {"name": value}, field=name)
    region = normalise_region(province, city, district)
    if region.unknown:
        level, name = region.unknown[0]
        raise InvalidInput(MSG_REGION_UNKNOWN % {"name": name}, field=level)
    return RegionIn(region.province, region.city, region.district)


def _text(value: str | None, *, field: str, limit: int, required_msg: Any = None) -> str:
    value = (value or "").strip()
    if text_problem(value):
        raise InvalidInput(MSG_BAD_TEXT, field=field)
    if required_msg is not None and not value:
        raise InvalidInput(required_msg, field=field)
    if len(value) > limit:
        raise InvalidInput(MSG_TOO_LONG % {"max": limit}, field=field)
    return value


# --- coverage rules --------------------------------------------------------------------------


def coverage_rules(actor: User) -> QuerySet[CoverageRule]:
    _require(actor)
    return CoverageRule.objects.select_related("carrier").order_by(
        "carrier__name", "province", "city", "district"
    )


def coverage_rule_get(actor: User, rule_id: int) -> CoverageRule:
    _require(actor)
    rule = CoverageRule.objects.select_related("carrier").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(MSG_NOT_FOUND)
    return rule


def _coverage_values(
    *, carrier_id: Any, province: str, city: str, district: str, coverage: str, note: str
) -> dict[str, Any]:
    carrier = carrier_get(carrier_id)
    region = region_checked(province, city, district)
    if coverage not in Coverage.values:
        raise InvalidInput(MSG_COVERAGE_INVALID, field="coverage")
    note = _text(note, field="note", limit=NOTE_MAX)
    if coverage == Coverage.LIMITED and not note:
        raise InvalidInput(MSG_LIMITED_NOTE, field="note")
    return {
        "carrier": carrier,
        "province": region.province,
        "city": region.city,
        "district": region.district,
        "coverage": coverage,
        "note": note,
    }


def coverage_rule_create(
    *,
    actor: User,
    now: dt.datetime,
    carrier_id: int,
    province: str,
    city: str = "",
    district: str = "",
    coverage: str,
    note: str = "",
) -> CoverageRule:
    _require(actor)
    values = _coverage_values(
        carrier_id=carrier_id,
        province=province,
        city=city,
        district=district,
        coverage=coverage,
        note=note,
    )
    try:
        with transaction.atomic():
            return CoverageRule.objects.create(**values, updated_at=now)
    except IntegrityError:
        raise InvalidInput(MSG_COVERAGE_DUPLICATE, field="province") from None


def coverage_rule_update(
    *, actor: User, rule_id: int, now: dt.datetime, **changes: Any
) -> CoverageRule:
    """Change what is given (carrier_id, province, city, district, coverage, note). Saving
    the same values writes nothing."""
    _require(actor)
    with transaction.atomic():
        rule = CoverageRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            raise NotFound(MSG_NOT_FOUND)
        current = {
            "carrier_id": rule.carrier_id,
            "province": rule.province,
            "city": rule.city,
            "district": rule.district,
            "coverage": rule.coverage,
            "note": rule.note,
        }
        values = _coverage_values(
            **{**current, **{k: v for k, v in changes.items() if v is not None}}
        )
        if all(getattr(rule, k) == v for k, v in values.items()):
            return rule
        for key, value in values.items():
            setattr(rule, key, value)
        rule.updated_at = now
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError:
            raise InvalidInput(MSG_COVERAGE_DUPLICATE, field="province") from None
    return rule


def coverage_rule_delete(*, actor: User, rule_id: int) -> None:
    _require(actor)
    deleted, _n = CoverageRule.objects.filter(pk=rule_id).delete()
    if not deleted:
        raise NotFound(MSG_NOT_FOUND)


# --- outlet suspensions ----------------------------------------------------------------------


def suspensions(actor: User) -> QuerySet[OutletSuspension]:
    _require(actor)
    return OutletSuspension.objects.select_related("carrier").order_by(
        "-starts_on", "carrier__name", "outlet"
    )


def suspension_get(actor: User, suspension_id: int) -> OutletSuspension:
    _require(actor)
    found = OutletSuspension.objects.select_related("carrier").filter(pk=suspension_id).first()
    if found is None:
        raise NotFound(MSG_NOT_FOUND)
    return found


def _suspension_values(
    *,
    carrier_id: Any,
    outlet: str,
    province: str,
    city: str,
    district: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    note: str,
) -> dict[str, Any]:
    carrier = carrier_get(carrier_id)
    outlet = _text(outlet, field="outlet", limit=OUTLET_MAX, required_msg=MSG_OUTLET_REQUIRED)
    region = region_checked(province, city, district)
    if starts_on is None:
        raise InvalidInput(_("请填写开始日期。"), field="starts_on")
    if ends_on is None:
        raise InvalidInput(_("请填写结束日期。"), field="ends_on")
    if ends_on < starts_on:
        raise InvalidInput(MSG_DATES_ORDER, field="ends_on")
    return {
        "carrier": carrier,
        "outlet": outlet,
        "province": region.province,
        "city": region.city,
        "district": region.district,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "note": _text(note, field="note", limit=NOTE_MAX),
    }


def suspension_create(
    *,
    actor: User,
    now: dt.datetime,
    carrier_id: int,
    outlet: str,
    province: str,
    city: str = "",
    district: str = "",
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    note: str = "",
) -> OutletSuspension:
    _require(actor)
    values = _suspension_values(
        carrier_id=carrier_id,
        outlet=outlet,
        province=province,
        city=city,
        district=district,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
    )
    try:
        with transaction.atomic():
            return OutletSuspension.objects.create(**values, updated_at=now)
    except IntegrityError:
        raise InvalidInput(MSG_SUSPENSION_DUPLICATE, field="starts_on") from None


def suspension_update(
    *, actor: User, suspension_id: int, now: dt.datetime, **changes: Any
) -> OutletSuspension:
    _require(actor)
    with transaction.atomic():
        found = OutletSuspension.objects.select_for_update().filter(pk=suspension_id).first()
        if found is None:
            raise NotFound(MSG_NOT_FOUND)
        current = {
            "carrier_id": found.carrier_id,
            "outlet": found.outlet,
            "province": found.province,
            "city": found.city,
            "district": found.district,
            "starts_on": found.starts_on,
            "ends_on": found.ends_on,
            "note": found.note,
        }
        values = _suspension_values(
            **{**current, **{k: v for k, v in changes.items() if v is not None}}
        )
        if all(getattr(found, k) == v for k, v in values.items()):
            return found
        for key, value in values.items():
            setattr(found, key, value)
        found.updated_at = now
        try:
            with transaction.atomic():
                found.save()
        except IntegrityError:
            raise InvalidInput(MSG_SUSPENSION_DUPLICATE, field="starts_on") from None
    return found


def suspension_delete(*, actor: User, suspension_id: int) -> None:
    _require(actor)
    deleted, _n = OutletSuspension.objects.filter(pk=suspension_id).delete()
    if not deleted:
        raise NotFound(MSG_NOT_FOUND)


# --- contingency plans -----------------------------------------------------------------------


def plans(actor: User) -> QuerySet[ContingencyPlan]:
    _require(actor)
    return ContingencyPlan.objects.select_related("carrier").order_by(
        "carrier__name", "problem_kind"
    )


def plan_get(actor: User, plan_id: int) -> ContingencyPlan:
    _require(actor)
    found = ContingencyPlan.objects.select_related("carrier").filter(pk=plan_id).first()
    if found is None:
        raise NotFound(MSG_NOT_FOUND)
    return found


def _plan_values(*, carrier_id: Any, problem_kind: str, action: str, note: str) -> dict[str, Any]:
    carrier = carrier_get(carrier_id)
    if problem_kind not in ProblemKind.values:
        raise InvalidInput(MSG_PROBLEM_KIND, field="problem_kind")
    if action not in PlanAction.values:
        raise InvalidInput(MSG_PLAN_ACTION, field="action")
    return {
        "carrier": carrier,
        "problem_kind": problem_kind,
        "action": action,
        "note": _text(note, field="note", limit=2000),
    }


def plan_create(
    *,
    actor: User,
    now: dt.datetime,
    carrier_id: int,
    problem_kind: str,
    action: str,
    note: str = "",
) -> ContingencyPlan:
    _require(actor)
    values = _plan_values(
        carrier_id=carrier_id, problem_kind=problem_kind, action=action, note=note
    )
    try:
        with transaction.atomic():
            return ContingencyPlan.objects.create(**values, updated_at=now)
    except IntegrityError:
        raise InvalidInput(MSG_PLAN_DUPLICATE, field="problem_kind") from None


def plan_update(*, actor: User, plan_id: int, now: dt.datetime, **changes: Any) -> ContingencyPlan:
    _require(actor)
    with transaction.atomic():
        found = ContingencyPlan.objects.select_for_update().filter(pk=plan_id).first()
        if found is None:
            raise NotFound(MSG_NOT_FOUND)
        current = {
            "carrier_id": found.carrier_id,
            "problem_kind": found.problem_kind,
            "action": found.action,
            "note": found.note,
        }
        values = _plan_values(**{**current, **{k: v for k, v in changes.items() if v is not None}})
        if all(getattr(found, k) == v for k, v in values.items()):
            return found
        for key, value in values.items():
            setattr(found, key, value)
        found.updated_at = now
        try:
            with transaction.atomic():
                found.save()
        except IntegrityError:
            raise InvalidInput(MSG_PLAN_DUPLICATE, field="problem_kind") from None
    return found


def plan_delete(*, actor: User, plan_id: int) -> None:
    _require(actor)
    deleted, _n = ContingencyPlan.objects.filter(pk=plan_id).delete()
    if not deleted:
        raise NotFound(MSG_NOT_FOUND)
