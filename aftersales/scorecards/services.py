"""The only code of the scorecards area that writes: the penalty policy's rules, the monthly
job that applies them, and an administrator's reversal of a penalty."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role, User
from aftersales.accounts.permissions import MSG_NOT_FOUND, Perm, authorize
from aftersales.core.errors import (
    ConcurrentChange,
    InvalidInput,
    NotFound,
    PermissionDeniedError,
)
from aftersales.core.models import Carrier
from aftersales.core.money import to_money
from aftersales.core.validation import text_problem
from aftersales.logistics.services import priority_restore, priority_revoke
from aftersales.scorecards import policies, selectors
from aftersales.scorecards.models import Penalty, PenaltyMetric, PenaltyPolicy

MSG_EVERY_SHOP_ADMIN = _("只有管理员可以设置适用于所有店铺的考核规则。")
MSG_CARRIER_UNKNOWN = _("快递公司不存在。")
MSG_THRESHOLD_RANGE = _("阈值须在 0 到 100 之间。")
MSG_DEDUCTION_NEGATIVE = _("扣款不能为负数。")
MSG_NOTHING_TO_DO = _("每件扣款和取消优先天数至少填一项。")
MSG_METRIC_UNKNOWN = _("考核指标无效。")
MSG_REASON_REQUIRED = _("请填写撤销原因。")
MSG_ALREADY_REVERSED = _("该处罚已撤销。")
MSG_REVOKE_DAYS_RANGE = _("取消优先天数须在 0 到 365 之间。")
MAX_REVOKE_DAYS = 365

POLICY_FIELDS = (
    "carrier_id",
    "metric",
    "threshold_pct",
    "min_parcels",
    "deduction_per_parcel",
    "revoke_days",
    "note",
    "is_active",
)


def _check_values(values: dict) -> None:
    if (
        values.get("carrier_id") is not None
        and not Carrier.objects.filter(pk=values["carrier_id"]).exists()
    ):
        raise InvalidInput(MSG_CARRIER_UNKNOWN, field="carrier_id")
    if values["metric"] not in PenaltyMetric.values:
        raise InvalidInput(MSG_METRIC_UNKNOWN, field="metric")
    threshold = Decimal(values["threshold_pct"])
    if not Decimal(0) <= threshold <= Decimal(100):
        raise InvalidInput(MSG_THRESHOLD_RANGE, field="threshold_pct")
    if Decimal(values["deduction_per_parcel"]) < 0:
        raise InvalidInput(MSG_DEDUCTION_NEGATIVE, field="deduction_per_parcel")
    if not 0 <= int(values["revoke_days"]) <= MAX_REVOKE_DAYS:
        raise InvalidInput(MSG_REVOKE_DAYS_RANGE, field="revoke_days")
    if Decimal(values["deduction_per_parcel"]) == 0 and int(values["revoke_days"]) == 0:
        raise InvalidInput(MSG_NOTHING_TO_DO, field="deduction_per_parcel")


def _authorize_scope(actor: User | None, shop_id: int | None) -> None:
    authorize(actor, Perm.CARRIER_MANAGE, shop_id=shop_id)
    if shop_id is None and not actor.has_role(Role.ADMINISTRATOR):  # type: ignore[union-attr]
        raise PermissionDeniedError(MSG_EVERY_SHOP_ADMIN)


def penalty_policy_create(
    *,
    actor: User,
    now: dt.datetime,
    shop_id: int | None,
    metric: str,
    threshold_pct: Decimal,
    carrier_id: int | None = None,
    min_parcels: int = 100,
    deduction_per_parcel: Decimal = Decimal("0.00"),
    revoke_days: int = 0,
    note: str = "",
    is_active: bool = True,
) -> PenaltyPolicy:
    """A rule of one of the actor's shops (CARRIER_MANAGE there), or of every shop (an
    administrator only)."""
    _authorize_scope(actor, shop_id)
    values = {
        "carrier_id": carrier_id,
        "metric": metric,
        "threshold_pct": threshold_pct,
        "min_parcels": min_parcels,
        "deduction_per_parcel": deduction_per_parcel,
        "revoke_days": revoke_days,
        "note": note,
        "is_active": is_active,
    }
    _check_values(values)
    values["deduction_per_parcel"] = to_money(deduction_per_parcel)
    return PenaltyPolicy.objects.create(
        shop_id=shop_id, created_by=actor, created_at=now, updated_at=now, **values
    )


def penalty_policy_update(
    *, actor: User, policy_id: int, now: dt.datetime, **changes: object
) -> PenaltyPolicy:
    """Change what is given of a rule (its shop stays). Penalties already applied keep the
    figures and amounts they were applied with."""
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise InvalidInput(MSG_METRIC_UNKNOWN, field=sorted(unknown)[0])
    with transaction.atomic():
        policy = selectors.policy_get(user=actor, policy_id=policy_id)
        policy = PenaltyPolicy.objects.select_for_update().get(pk=policy.pk)
        _authorize_scope(actor, policy.shop_id)
        values = {name: getattr(policy, name) for name in POLICY_FIELDS}
        values.update(changes)
        _check_values(values)
        values["deduction_per_parcel"] = to_money(values["deduction_per_parcel"])
        for name, value in values.items():
            setattr(policy, name, value)
        policy.updated_at = now
        policy.save(update_fields=[*POLICY_FIELDS, "updated_at"])
    return policy


# --- the monthly job ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyResult:
    month: dt.date
    penalties_new: int
    revocations_new: int


def _counted(figures: selectors.CarrierFigures, metric: str) -> int:
    if metric == PenaltyMetric.OUT_OF_AREA_RATE:
        return figures.out_of_area
    return figures.problem_parcels


def penalties_apply(*, month: dt.date, now: dt.datetime) -> ApplyResult:
    """Apply every active rule to the month's figures of every carrier and shop.

    Set-based: one grouped query gives the figures of every (carrier, shop) of the month (one
    row each, never one per shipment), the rules are matched against those rows, and the
    penalties go in as one INSERT … ON CONFLICT DO NOTHING on (policy, carrier, shop, month).
    Running again, or twice at once, inserts nothing more; a penalty an administrator reversed
    keeps its row and so is never applied again for that month.

    Then each penalty of the month that revokes priority and has no revocation yet gets one,
    through logistics' ``priority_revoke``; the penalty's row is claimed with a conditional
    UPDATE (revocation still empty, not reversed) in the same transaction as the revocation,
    so of two runs at once only one revokes (the other's revocation is rolled back).
    """
    rules = list(PenaltyPolicy.objects.filter(is_active=True).order_by("id"))
    new = 0
    if rules:
        figures = selectors.month_figures(shop_ids=None, month=month, by_shop=True)
        rows = []
        for rule in rules:
            for fig in figures:
                if fig.shop is None:  # pragma: no cover - by_shop always names the shop
                    continue
                if rule.carrier_id not in (None, fig.carrier.pk):
                    continue
                if rule.shop_id not in (None, fig.shop.pk):
                    continue
                hit = policies.breach(
                    parcels=fig.parcels,
                    counted=_counted(fig, rule.metric),
                    threshold_pct=rule.threshold_pct,
                    min_parcels=rule.min_parcels,
                    per_parcel=rule.deduction_per_parcel,
                )
                if hit is None:
                    continue
                starts, ends = policies.revocation_period(applied_at=now, days=rule.revoke_days)
                rows.append(
                    Penalty(
                        policy=rule,
                        carrier=fig.carrier,
                        shop=fig.shop,
                        month=month,
                        metric=rule.metric,
                        parcels=fig.parcels,
                        counted=hit.counted,
                        rate_pct=hit.rate_pct,
                        threshold_pct=rule.threshold_pct,
                        deduction_per_parcel=rule.deduction_per_parcel,
                        deduction=hit.deduction,
                        revoke_days=rule.revoke_days,
                        revoke_starts_at=starts,
                        revoke_ends_at=ends,
                        applied_at=now,
                    )
                )
        run = uuid.uuid4().hex
        for row in rows:
            row.run = run
        Penalty.objects.bulk_create(rows, ignore_conflicts=True)
        # What this run added (another run at once may have added some of the same first).
        new = Penalty.objects.filter(month=month, run=run).count()
    revoked = _revoke_pending(month=month)
    return ApplyResult(month=month, penalties_new=new, revocations_new=revoked)


def _revoke_pending(*, month: dt.date) -> int:
    pending = list(
        Penalty.objects.filter(
            month=month,
            revoke_days__gt=0,
            revocation__isnull=True,
            reversed_at__isnull=True,
        )
        .select_related("carrier")
        .order_by("id")
    )
    made = 0
    for penalty in pending:
        if penalty.revoke_starts_at is None or penalty.revoke_ends_at is None:
            continue  # pragma: no cover - a penalty that revokes always has its period
        with transaction.atomic():
            revocation = priority_revoke(
                carrier_id=penalty.carrier_id,
                shop_id=penalty.shop_id,
                starts_at=penalty.revoke_starts_at,
                ends_at=penalty.revoke_ends_at,
                reason=str(
                    _("%(month)s 考核处罚：%(metric)s %(rate)s%% 超过 %(threshold)s%%")
                    % {
                        "month": f"{penalty.month:%Y-%m}",
                        "metric": penalty.get_metric_display(),
                        "rate": penalty.rate_pct,
                        "threshold": penalty.threshold_pct,
                    }
                ),
                source=f"penalty:{penalty.pk}",
                actor=None,
            )
            claimed = Penalty.objects.filter(
                pk=penalty.pk, revocation__isnull=True, reversed_at__isnull=True
            ).update(revocation=revocation)
            if not claimed:
                # Another run revoked it first, or an administrator reversed the penalty.
                transaction.set_rollback(True)
                continue
            made += 1
    return made


# --- reversal ----------------------------------------------------------------------------------


def penalty_reverse(*, penalty_id: int, actor: User, now: dt.datetime, reason: str) -> Penalty:
    """An administrator's reversal (PENALTY_REVERSE in the penalty's shop): the settlement
    deduction is cancelled and, when the penalty revoked the carrier's priority, it is restored
    in routing from ``now`` (logistics' ``priority_restore``). Reversing twice is refused
    (409); a later run of the job never applies it again for that month."""
    reason = (reason or "").strip()
    if text_problem(reason):
        raise InvalidInput(MSG_REASON_REQUIRED, field="reason")
    with transaction.atomic():
        shop_id = Penalty.objects.filter(pk=penalty_id).values_list("shop_id", flat=True).first()
        if shop_id is None:
            raise NotFound(MSG_NOT_FOUND)
        # Another shop's penalty is not found (404) before the role is looked at.
        authorize(actor, Perm.PENALTY_REVERSE, shop_id=shop_id)
        if not reason:
            raise InvalidInput(MSG_REASON_REQUIRED, field="reason")
        done = Penalty.objects.filter(pk=penalty_id, reversed_at__isnull=True).update(
            reversed_at=now, reversed_by=actor, reverse_reason=reason[:255]
        )
        if not done:
            raise ConcurrentChange(MSG_ALREADY_REVERSED, code="already_reversed")
        # Read after the update holds the row: a revocation the job made meanwhile is seen.
        penalty = Penalty.objects.select_related("carrier", "shop").get(pk=penalty_id)
        if penalty.revocation_id is not None:
            priority_restore(revocation_id=penalty.revocation_id, actor=actor, now=now)
    return penalty


def penalties_total_deduction(penalties) -> Decimal:
    """What the penalties deduct from settlement, the reversed ones cancelled."""
    return to_money(sum((p.deduction for p in penalties if p.reversed_at is None), Decimal("0.00")))
