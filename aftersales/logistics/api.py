"""The courier area's endpoints (mounted at /api/v1/logistics): an order's routing decision;
carriers' coverage rules, outlet suspensions and contingency plans (carrier-wide, CARRIER_MANAGE)
with file imports; the shop's routes (ROUTING_MANAGE); the pre-ship flags (ORDER_VIEW to read,
CASE_NOTE to settle). Who may do what is the services' to decide."""

# No ``from __future__ import annotations``: @paginate re-reads the view's signature from this
# module and must be able to resolve its types.
import datetime as dt

from django.utils import timezone
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from aftersales.core.schemas import CONFLICT_ERRORS, ERRORS, ErrorOut, Paginated, ValidationErrorOut
from aftersales.core.validation import Id, Text
from aftersales.logistics.models import (
    Coverage,
    PlanAction,
    PreShipFlag,
    ProblemKind,
    Route,
)
from aftersales.logistics.services import coverage as svc
from aftersales.logistics.services import flags as flag_svc
from aftersales.logistics.services import imports as import_svc
from aftersales.logistics.services import routes as route_svc
from aftersales.logistics.services.routing import RouteDecision, decide_many
from aftersales.orders.selectors import order_get

router = Router(tags=["logistics"])

MAX_PAGE = 100
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
DELETE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# --- schemas ---------------------------------------------------------------------------------


class CarrierRef(Schema):
    id: int
    code: str
    name: str


class RegionOut(Schema):
    province: str
    city: str
    district: str


class ReasonOut(Schema):
    position: int
    carrier: CarrierRef
    verdict: str
    why: str


class RouteDecisionOut(Schema):
    order_id: Id
    region: RegionOut
    address_known: bool
    route_id: Id | None
    carrier: CarrierRef | None
    covered: bool
    limited: bool
    primary_skipped: bool
    flag_reason: str | None
    reasons: list[ReasonOut]


def _carrier(c) -> dict | None:
    return {"id": c.pk, "code": c.code, "name": c.name} if c is not None else None


def decision_out(order_id: Id, d: RouteDecision) -> dict:
    return {
        "order_id": order_id,
        "region": dict(zip(("province", "city", "district"), d.region, strict=True)),
        "address_known": d.address_known,
        "route_id": d.route.pk if d.route else None,
        "carrier": _carrier(d.carrier),
        "covered": d.covered,
        "limited": d.limited,
        "primary_skipped": d.primary_skipped,
        "flag_reason": d.flag_reason,
        "reasons": [
            {"position": n, "carrier": _carrier(r.carrier), "verdict": r.verdict, "why": r.why}
            for n, r in enumerate(d.reasons, 1)
        ],
    }


class CoverageOut(Schema):
    id: int
    carrier: CarrierRef
    province: str
    city: str
    district: str
    coverage: Coverage
    note: str
    updated_at: dt.datetime


class CoverageIn(Schema):
    carrier_id: Id
    province: str = Field(max_length=32)
    city: str = Field(default="", max_length=32)
    district: str = Field(default="", max_length=32)
    coverage: Coverage
    note: str = Field(default="", max_length=255)


class CoveragePatch(Schema):
    carrier_id: Id | None = None
    province: str | None = Field(default=None, max_length=32)
    city: str | None = Field(default=None, max_length=32)
    district: str | None = Field(default=None, max_length=32)
    coverage: Coverage | None = None
    note: str | None = Field(default=None, max_length=255)


class SuspensionOut(Schema):
    id: int
    carrier: CarrierRef
    outlet: str
    province: str
    city: str
    district: str
    starts_on: dt.date
    ends_on: dt.date
    note: str
    updated_at: dt.datetime


class SuspensionIn(Schema):
    carrier_id: Id
    outlet: str = Field(max_length=64)
    province: str = Field(max_length=32)
    city: str = Field(default="", max_length=32)
    district: str = Field(default="", max_length=32)
    starts_on: dt.date = Field(description="暂停的第一天（含）")
    ends_on: dt.date = Field(description="暂停的最后一天（含）")
    note: str = Field(default="", max_length=255)


class SuspensionPatch(Schema):
    carrier_id: Id | None = None
    outlet: str | None = Field(default=None, max_length=64)
    province: str | None = Field(default=None, max_length=32)
    city: str | None = Field(default=None, max_length=32)
    district: str | None = Field(default=None, max_length=32)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    note: str | None = Field(default=None, max_length=255)


class PlanOut(Schema):
    id: int
    carrier: CarrierRef
    problem_kind: ProblemKind
    action: PlanAction
    note: str
    updated_at: dt.datetime


class PlanIn(Schema):
    carrier_id: Id
    problem_kind: ProblemKind
    action: PlanAction
    note: str = Field(default="", max_length=2000)


class PlanPatch(Schema):
    action: PlanAction | None = None
    note: str | None = Field(default=None, max_length=2000)


class RouteOut(Schema):
    id: int
    shop_id: Id
    province: str
    city: str
    district: str
    carriers: list[CarrierRef]
    updated_at: dt.datetime

    @staticmethod
    def resolve_carriers(obj: Route) -> list[dict]:
        return [_carrier(rc.carrier) for rc in obj.carriers.all()]


class RouteIn(Schema):
    shop_id: Id
    province: str = Field(default="", max_length=32, description="留空：店铺的默认路由")
    city: str = Field(default="", max_length=32)
    district: str = Field(default="", max_length=32)
    carrier_ids: list[int] = Field(description="按优先顺序：首选、次选……")


class RoutePatch(Schema):
    province: str | None = Field(default=None, max_length=32)
    city: str | None = Field(default=None, max_length=32)
    district: str | None = Field(default=None, max_length=32)
    carrier_ids: list[int] | None = None


class FlagOut(Schema):
    id: int
    order_id: Id
    order_no: str
    shop_id: Id
    reason: str
    carrier: CarrierRef | None
    primary: CarrierRef | None
    raised_at: dt.datetime
    settled_at: dt.datetime | None
    settled_by_id: Id | None
    settle_note: str

    @staticmethod
    def resolve_order_no(obj: PreShipFlag) -> str:
        return obj.order.order_no

    @staticmethod
    def resolve_carrier(obj: PreShipFlag) -> dict | None:
        return _carrier(obj.carrier)

    @staticmethod
    def resolve_primary(obj: PreShipFlag) -> dict | None:
        return _carrier(obj.primary)


class SettleIn(Schema):
    note: str = Field(max_length=500, description="与买家商定的结果")


class ImportOut(Schema):
    rows: int
    created: int
    updated: int


def _changes(payload: Schema) -> dict:
    return {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}


def _imported(result) -> dict:
    return {"rows": result.rows, "created": result.created, "updated": result.updated}


def _refused(exc: import_svc.ImportRefused) -> Status:
    return Status(
        422,
        {
            "code": exc.code,
            "field": exc.field,
            "message": str(exc.message),
            "errors": [
                {"row": p.row, "column": p.column, "message": str(p), "field": p.column}
                for p in exc.problems
            ],
        },
    )


# --- routing ---------------------------------------------------------------------------------


@router.get("/orders/{order_id}/route", response={200: RouteDecisionOut, **READ_ERRORS})
def order_route(request, order_id: Id):
    """Which carrier to ship this order with now, and why: every carrier of the shop's most
    specific route considered in order (not covered, limited, suspended, priority revoked,
    chosen)."""
    order = order_get(user=request.user, order_id=order_id)
    decision = decide_many([order], now=timezone.now())[order.pk]
    return decision_out(order.pk, decision)


# --- coverage --------------------------------------------------------------------------------


@router.get("/coverage", response={200: list[CoverageOut], **READ_ERRORS})
@paginate(Paginated, max_limit=MAX_PAGE)
def list_coverage(request, carrier_id: Id | None = None, province: Text = ""):
    """Every carrier's coverage rules (carrier-wide reference data)."""
    qs = svc.coverage_rules(request.user)
    if carrier_id is not None:
        qs = qs.filter(carrier_id=carrier_id)
    if province:
        qs = qs.filter(province=province)
    return qs


@router.post("/coverage", response={201: CoverageOut, **ERRORS})
def create_coverage(request, payload: CoverageIn):
    rule = svc.coverage_rule_create(actor=request.user, now=timezone.now(), **payload.dict())
    return Status(201, rule)


@router.patch("/coverage/{coverage_id}", response={200: CoverageOut, **ERRORS})
def update_coverage(request, coverage_id: Id, payload: CoveragePatch):
    return svc.coverage_rule_update(
        actor=request.user, rule_id=coverage_id, now=timezone.now(), **_changes(payload)
    )


@router.delete("/coverage/{coverage_id}", response={204: None, **DELETE_ERRORS})
def delete_coverage(request, coverage_id: Id):
    svc.coverage_rule_delete(actor=request.user, rule_id=coverage_id)
    return Status(204, None)


@router.post("/imports/coverage", response={200: ImportOut, **ERRORS})
def import_coverage(request, file: File[UploadedFile]):
    """A CSV (UTF-8 or GBK) or XLSX file with the columns 快递公司, 省, 覆盖 and, when
    present, 市, 区县, 说明. All or nothing: a refused file answers 422 ``import_refused``
    with every bad row in ``errors`` (row, column, message)."""
    try:
        result = import_svc.coverage_import(actor=request.user, upload=file, now=timezone.now())
    except import_svc.ImportRefused as exc:
        return _refused(exc)
    return _imported(result)


# --- suspensions -----------------------------------------------------------------------------


@router.get("/suspensions", response={200: list[SuspensionOut], **READ_ERRORS})
@paginate(Paginated, max_limit=MAX_PAGE)
def list_suspensions(request, carrier_id: Id | None = None, active_on: dt.date | None = None):
    """Outlet suspensions; ``active_on`` keeps those in force on that day."""
    qs = svc.suspensions(request.user)
    if carrier_id is not None:
        qs = qs.filter(carrier_id=carrier_id)
    if active_on is not None:
        qs = qs.filter(starts_on__lte=active_on, ends_on__gte=active_on)
    return qs


@router.post("/suspensions", response={201: SuspensionOut, **ERRORS})
def create_suspension(request, payload: SuspensionIn):
    found = svc.suspension_create(actor=request.user, now=timezone.now(), **payload.dict())
    return Status(201, found)


@router.patch("/suspensions/{suspension_id}", response={200: SuspensionOut, **ERRORS})
def update_suspension(request, suspension_id: Id, payload: SuspensionPatch):
    return svc.suspension_update(
        actor=request.user, suspension_id=suspension_id, now=timezone.now(), **_changes(payload)
    )


@router.delete("/suspensions/{suspension_id}", response={204: None, **DELETE_ERRORS})
def delete_suspension(request, suspension_id: Id):
    svc.suspension_delete(actor=request.user, suspension_id=suspension_id)
    return Status(204, None)


@router.post("/imports/suspensions", response={200: ImportOut, **ERRORS})
def import_suspensions(request, file: File[UploadedFile]):
    """A CSV (UTF-8 or GBK) or XLSX file with the columns 快递公司, 网点, 省, 开始日期,
    结束日期 and, when present, 市, 区县, 说明. All or nothing, like the coverage import."""
    try:
        result = import_svc.suspension_import(actor=request.user, upload=file, now=timezone.now())
    except import_svc.ImportRefused as exc:
        return _refused(exc)
    return _imported(result)


# --- contingency plans -----------------------------------------------------------------------


@router.get("/plans", response={200: list[PlanOut], **READ_ERRORS})
def list_plans(request, carrier_id: Id | None = None):
    """Each carrier's contingency plan per kind of problem."""
    qs = svc.plans(request.user)
    if carrier_id is not None:
        qs = qs.filter(carrier_id=carrier_id)
    return list(qs)


@router.post("/plans", response={201: PlanOut, **ERRORS})
def create_plan(request, payload: PlanIn):
    plan = svc.plan_create(actor=request.user, now=timezone.now(), **payload.dict())
    return Status(201, plan)


@router.patch("/plans/{plan_id}", response={200: PlanOut, **ERRORS})
def update_plan(request, plan_id: Id, payload: PlanPatch):
    return svc.plan_update(
        actor=request.user, plan_id=plan_id, now=timezone.now(), **_changes(payload)
    )


@router.delete("/plans/{plan_id}", response={204: None, **DELETE_ERRORS})
def delete_plan(request, plan_id: Id):
    svc.plan_delete(actor=request.user, plan_id=plan_id)
    return Status(204, None)


# --- routes ----------------------------------------------------------------------------------


@router.get("/routes", response={200: list[RouteOut], **READ_ERRORS})
def list_routes(request, shop_id: Id | None = None):
    """The routes of the caller's shops, each with its carriers in order."""
    qs = route_svc.routes_for(request.user)
    if shop_id is not None:
        qs = qs.filter(shop_id=shop_id)
    return list(qs)


@router.post("/routes", response={201: RouteOut, **ERRORS})
def create_route(request, payload: RouteIn):
    route = route_svc.route_create(actor=request.user, now=timezone.now(), **payload.dict())
    return Status(201, route)


@router.patch("/routes/{route_id}", response={200: RouteOut, **ERRORS})
def update_route(request, route_id: Id, payload: RoutePatch):
    """Change the region (what is given) and/or the carriers (the whole list, in order)."""
    return route_svc.route_update(
        actor=request.user, route_id=route_id, now=timezone.now(), **_changes(payload)
    )


@router.delete("/routes/{route_id}", response={204: None, **DELETE_ERRORS})
def delete_route(request, route_id: Id):
    route_svc.route_delete(actor=request.user, route_id=route_id)
    return Status(204, None)


# --- pre-ship flags --------------------------------------------------------------------------


@router.get("/preship-flags", response={200: list[FlagOut], **READ_ERRORS})
@paginate(Paginated, max_limit=MAX_PAGE)
def list_flags(request, shop_id: Id | None = None):
    """Open pre-ship flags of the caller's shops, newest first (the periodic sweep raises
    them)."""
    qs = flag_svc.open_flags(request.user)
    if shop_id is not None:
        qs = qs.filter(shop_id=shop_id)
    return qs


@router.post("/preship-flags/{flag_id}/settle", response={200: FlagOut, **CONFLICT_ERRORS})
def settle_flag(request, flag_id: Id, payload: SettleIn):
    """Record what was agreed with the buyer; the flag leaves the list. Settling twice is
    409 ``already_settled``."""
    return flag_svc.flag_settle(
        actor=request.user, flag_id=flag_id, note=payload.note, now=timezone.now()
    )
