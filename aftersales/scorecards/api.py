"""Scorecard endpoints, mounted at /api/v1/scorecards: the month's figures per carrier, the
penalty policy's rules, and the penalties applied (with an administrator's reversal).

Rates are percentages with two decimals, as strings ("3.25"), and null where there were no
parcels. Errors are ``{"code", "field", "message"}``: 401 not signed in, 403 a role without
the permission, 404 another shop's record (or shop), 409 a penalty already reversed, 422 a
field that is not valid (a bad ``month`` names ``month``).
"""

# No ``from __future__ import annotations``: @paginate re-reads the view's signature.
import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from aftersales.core.errors import InvalidInput
from aftersales.core.schemas import ErrorOut, Paginated, ValidationErrorOut
from aftersales.core.validation import Id, Money, RequiredText, text
from aftersales.logistics.models import ProblemKind
from aftersales.scorecards import policies, selectors, services
from aftersales.scorecards.models import Penalty, PenaltyMetric

router = Router(tags=["scorecards"])

MAX_PAGE = 100
# Within a PositiveIntegerField on every database.
MAX_MIN_PARCELS = 1_000_000_000

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 409: ErrorOut}


def _pct(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _month(text: str | None, *, now: dt.datetime) -> dt.date:
    if text is None or text == "":
        return policies.month_of(now)
    month = policies.parse_month(text)
    if month is None:
        raise InvalidInput(policies.MSG_MONTH_INVALID, field="month")
    return month


class KindOut(Schema):
    code: str
    label: str


class CarrierRowOut(Schema):
    carrier_id: int
    carrier_code: str
    carrier_name: str
    parcels: int
    problems: dict[str, int] = Field(description="问题件数，按类型（每件每类型计一次）")
    problem_parcels: int = Field(description="有任一问题的件数")
    out_of_area: int
    out_of_area_pct: str | None = Field(description="超区率（%），无发货时为 null")
    problem_pct: str | None = Field(description="问题件率（%），无发货时为 null")
    signed_exact: int = Field(description="签收时间精确的件数")
    signed_date_only: int = Field(description="只知签收日期的件数（不计入平均时长）")
    avg_sign_hours: str | None = Field(description="平均签收时长（小时）")
    out_of_area_trend: list[str | None] = Field(
        description="近几个月的超区率（%），同 trend_months"
    )


class ScorecardOut(Schema):
    month: str
    shop_id: int | None
    kinds: list[KindOut]
    trend_months: list[str]
    carriers: list[CarrierRowOut]


class ScorecardQuery(Schema):
    month: text(20) | None = Field(default=None, description="YYYY-MM（上海时间），默认本月")
    shop_id: Id | None = Field(default=None, description="只看一个店铺；默认本人的全部店铺")


def _row(f: selectors.CarrierFigures) -> dict:
    return {
        "carrier_id": f.carrier.pk,
        "carrier_code": f.carrier.code,
        "carrier_name": f.carrier.name,
        "parcels": f.parcels,
        "problems": f.problems,
        "problem_parcels": f.problem_parcels,
        "out_of_area": f.out_of_area,
        "out_of_area_pct": _pct(f.out_of_area_pct),
        "problem_pct": _pct(f.problem_pct),
        "signed_exact": f.signed_exact,
        "signed_date_only": f.signed_date_only,
        "avg_sign_hours": None if f.avg_sign_hours is None else str(f.avg_sign_hours),
        "out_of_area_trend": [_pct(v) for v in f.trend],
    }


@router.get("", response={200: ScorecardOut, **READ_ERRORS})
def get_scorecard(request, filters: Query[ScorecardQuery]):
    """The month's scorecard per carrier, across the caller's shops or for one
    (REPORT_VIEW)."""
    month = _month(filters.month, now=timezone.now())
    card = selectors.scorecard(user=request.user, month=month, shop_id=filters.shop_id)
    return {
        "month": f"{card.month:%Y-%m}",
        "shop_id": card.shop.pk if card.shop else None,
        "kinds": [{"code": k, "label": str(ProblemKind(k).label)} for k in card.kinds],
        "trend_months": [f"{m:%Y-%m}" for m in card.trend_months],
        "carriers": [_row(r) for r in card.rows],
    }


# --- policies ------------------------------------------------------------------------------------


class PolicyOut(Schema):
    id: int
    shop_id: int | None
    carrier_id: int | None
    metric: str
    threshold_pct: Decimal
    min_parcels: int
    deduction_per_parcel: Decimal
    revoke_days: int
    is_active: bool
    note: str
    created_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class PolicyIn(Schema):
    shop_id: Id | None = Field(description="留空（null）表示所有店铺，仅管理员可设")
    carrier_id: Id | None = Field(default=None, description="留空表示所有快递公司")
    metric: PenaltyMetric
    threshold_pct: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)
    min_parcels: int = Field(default=100, ge=0, le=MAX_MIN_PARCELS)
    deduction_per_parcel: Money = Decimal("0.00")
    revoke_days: int = Field(default=0, ge=0, le=services.MAX_REVOKE_DAYS)
    note: text(255) = ""


class PolicyPatch(Schema):
    carrier_id: Id | None = None
    metric: PenaltyMetric | None = None
    threshold_pct: Decimal | None = Field(
        default=None, ge=0, le=100, max_digits=5, decimal_places=2
    )
    min_parcels: int | None = Field(default=None, ge=0, le=MAX_MIN_PARCELS)
    deduction_per_parcel: Money | None = None
    revoke_days: int | None = Field(default=None, ge=0, le=services.MAX_REVOKE_DAYS)
    note: text(255) | None = None
    is_active: bool | None = None


@router.get("/policies", response={200: list[PolicyOut], **READ_ERRORS})
def list_policies(request):
    """The rules of every shop and of the caller's shops (CARRIER_MANAGE)."""
    return list(selectors.policies_for(request.user))


@router.post("/policies", response={201: PolicyOut, **WRITE_ERRORS})
def create_policy(request, payload: PolicyIn):
    policy = services.penalty_policy_create(
        actor=request.user, now=timezone.now(), **payload.dict()
    )
    return Status(201, policy)


@router.patch("/policies/{policy_id}", response={200: PolicyOut, **WRITE_ERRORS})
def update_policy(request, policy_id: Id, payload: PolicyPatch):
    """Change what is given; ``is_active: false`` switches the rule off (penalties already
    applied stay as they are). ``carrier_id: null`` is left unchanged."""
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.penalty_policy_update(
        actor=request.user, policy_id=policy_id, now=timezone.now(), **changes
    )


# --- penalties -----------------------------------------------------------------------------------


class PenaltyOut(Schema):
    id: int
    policy_id: int
    carrier_id: int
    carrier_name: str
    shop_id: int
    month: str
    metric: str
    parcels: int
    counted: int = Field(description="计罚的问题件数")
    rate_pct: Decimal
    threshold_pct: Decimal
    deduction_per_parcel: Decimal
    deduction: Decimal = Field(description="结算扣款 = 每件扣款 × 计罚件数；撤销后不再扣")
    revoke_days: int
    revoke_starts_at: dt.datetime | None
    revoke_ends_at: dt.datetime | None
    revocation_id: int | None
    applied_at: dt.datetime
    reversed: bool
    reversed_at: dt.datetime | None
    reversed_by_id: int | None
    reverse_reason: str

    @staticmethod
    def resolve_carrier_name(obj: Penalty) -> str:
        return obj.carrier.name

    @staticmethod
    def resolve_month(obj: Penalty) -> str:
        return f"{obj.month:%Y-%m}"

    @staticmethod
    def resolve_reversed(obj: Penalty) -> bool:
        return obj.reversed_at is not None


class PenaltyFilters(Schema):
    month: text(20) | None = Field(default=None, description="YYYY-MM")
    shop_id: Id | None = None
    carrier_id: Id | None = None


class ReverseIn(Schema):
    reason: RequiredText = Field(max_length=255)


@router.get("/penalties", response={200: list[PenaltyOut], **READ_ERRORS})
@paginate(Paginated, max_limit=MAX_PAGE)
def list_penalties(request, filters: Query[PenaltyFilters]):
    """The penalties of the caller's shops, newest month first (REPORT_VIEW)."""
    qs = selectors.penalties_for(request.user)
    if filters.month:
        qs = qs.filter(month=_month(filters.month, now=timezone.now()))
    if filters.shop_id is not None:
        qs = qs.filter(shop_id=filters.shop_id)
    if filters.carrier_id is not None:
        qs = qs.filter(carrier_id=filters.carrier_id)
    return qs


@router.get("/penalties/{penalty_id}", response={200: PenaltyOut, **READ_ERRORS})
def get_penalty(request, penalty_id: Id):
    return selectors.penalty_get(user=request.user, penalty_id=penalty_id)


@router.post("/penalties/{penalty_id}/reverse", response={200: PenaltyOut, **WRITE_ERRORS})
def reverse_penalty(request, penalty_id: Id, payload: ReverseIn):
    """Reverse a penalty (administrators only, PENALTY_REVERSE): the settlement deduction is
    cancelled and the carrier's priority is restored in routing. A ``reason`` is required
    (422); a reversed penalty answers 409 ``already_reversed`` and is never applied again."""
    services.penalty_reverse(
        penalty_id=penalty_id, actor=request.user, now=timezone.now(), reason=payload.reason
    )
    return selectors.penalty_get(user=request.user, penalty_id=penalty_id)
