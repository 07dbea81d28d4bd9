"""The follow-up sweep: one set-based ``INSERT … SELECT`` per active rule and one ``UPDATE`` for
the orders that left the watch. No Python loop over orders.

**Which orders are on the watch.** The seed (订单跟踪) asks the agent to "主动发现问题，及时与买家
沟通 … 确保订单交易的顺利完成" and to "重点关注'交易成功'后15天内的订单"; its figure 5-9 is an
订单跟踪物流图, a chart of the parcel's way. So the watch holds

- every order within 15 days of 交易成功 (``Order.success_at``, the buyer's 确认收货时间): on it
  while ``success_at > now - 15 days``, off it at exactly 15 days (half-open, as the seven-day
  window is); and
- every order shipped and not yet successful (status 卖家已发货，等待买家确认, no
  ``success_at``): "ensuring the transaction completes" can only happen before it completes,
  and the rules the domain lists — a stalled parcel, a problem parcel, a refusal, a parcel on
  its way back, a sign-in by someone else — are facts of the delivery, which comes before the
  buyer confirms receipt. A watch of successful orders only would almost never see them.

An order whose status is 交易成功 but whose export had no 确认收货时间 is not on the watch:
nobody can tell when its 15 days end. A closed order (交易关闭) is off it.

**Same fact, once.** A rule never raises a second open follow-up of its kind for an order
(the partial unique index ``followup_one_open_per_kind``, and ``NOT EXISTS`` before it), and a
follow-up closed by an agent is not raised again for the same fact (the same parcel and
time of its last event or status, the same case), only for a new one.

**Twice at once.** Each statement inserts with ``ON CONFLICT DO NOTHING`` on that index, in
order-id order, so two sweeps running together wait for each other row by row and neither
writes a duplicate nor fails; the expiry is a conditional ``UPDATE`` (``status = 'open'``).
Every time is compared with a cutoff computed here and passed as a parameter, so the SQL is
the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, transaction

from aftersales.cases.models import Case
from aftersales.orders.models import Order, OrderStatus, Shipment, ShipmentDirection
from aftersales.tracking.models import ShipmentTracking, TrackingEvent, TrackingStatus
from aftersales.watch.models import (
    DEFAULT_DUE_HOURS,
    DEFAULT_THRESHOLD_HOURS,
    WATCH_DAYS,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    WatchRule,
)

ORDERS = Order._meta.db_table
SHIPMENTS = Shipment._meta.db_table
TRACKING = ShipmentTracking._meta.db_table
EVENTS = TrackingEvent._meta.db_table
CASES = Case._meta.db_table
FOLLOWUPS = FollowUp._meta.db_table
RULES = WatchRule._meta.db_table

# Parcels on their way to the buyer; a return is the case's business, not the watch's.
TO_BUYER = (ShipmentDirection.OUTBOUND, ShipmentDirection.RESHIP, ShipmentDirection.REPLACEMENT)
# A parcel still moving (or not yet heard of): the statuses where silence means "stalled".
# The problem statuses, the refusal and the return have rules of their own.
MOVING = ("", TrackingStatus.COLLECTED, TrackingStatus.IN_TRANSIT,
          TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.NO_UPDATE)  # fmt: skip
# The problem statuses the problem-parcel rule covers: refused and returning are rules of their
# own (one fact, one follow-up).
PROBLEM = (TrackingStatus.OUT_OF_AREA, TrackingStatus.BLIND_AREA, TrackingStatus.STRANDED)
PROBLEM_CASE_KIND = "problem_parcel"

# Signed by someone other than the buyer. Kuaidi100's advanced state codes (PLATFORMS.md §1):
# 303 代签, 304 投柜或站签收; 301 is 本人签收. Where only the base code (3) or none came, the
# text of the signing event says it.
# Tracking keeps the code, or the state's name where only a name came (resultv2=1).
SIGNED_BY_OTHER_CODES = ("303", "304", "代签", "投柜或站签收")
SIGNED_BY_BUYER_CODES = ("301", "本人签收")
SIGNED_BY_OTHER_WORDS = ("代签", "代收", "驿站", "快递柜", "丰巢", "投柜", "门卫", "前台", "物业")


def watch_from(now: dt.datetime) -> dt.datetime:
    """An order that succeeded after this instant is still on the watch."""
    return now - dt.timedelta(days=WATCH_DAYS)


def _in(values: tuple[str, ...]) -> str:
    # Fixed values of this module, never input: written into the statement as literals.
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def on_watch_sql(alias: str = "o") -> str:
    """The watch as a condition on an order row; takes the parameter ``%(watch_from)s``."""
    return (
        f"({alias}.success_at > %(watch_from)s OR ({alias}.status = "
        f"'{OrderStatus.WAIT_BUYER_CONFIRM.value}' AND {alias}.success_at IS NULL))"
    )


@dataclass
class SweepResult:
    raised: dict[str, int] = field(default_factory=dict)
    expired: int = 0

    @property
    def total_raised(self) -> int:
        return sum(self.raised.values())


def _p(value: dt.datetime):
    """A time as the database's driver takes it for a datetime column (SQLite keeps text)."""
    return connection.ops.adapt_datetimefield_value(value)


def rules_ensure_defaults(*, now: dt.datetime) -> int:
    """The every-shop rule of each kind, with the defaults, where there is none yet. Safe to
    run twice at once (the one-global-rule-per-kind index, conflicts ignored)."""
    missing = set(FollowUpKind.values) - set(
        WatchRule.objects.filter(shop__isnull=True).values_list("kind", flat=True)
    )
    if not missing:
        return 0
    WatchRule.objects.bulk_create(
        [
            WatchRule(
                shop=None,
                kind=kind,
                threshold_hours=DEFAULT_THRESHOLD_HOURS[kind],
                due_hours=DEFAULT_DUE_HOURS,
                is_active=True,
                created_at=now,
                updated_at=now,
            )
            for kind in sorted(missing)
        ],
        ignore_conflicts=True,
    )
    return len(missing)


# --- the statements ----------------------------------------------------------------------------

_INSERT = (
    f"INSERT INTO {FOLLOWUPS} (shop_id, order_id, kind, rule_id, shipment_id, case_id, basis_at, "
    "raised_at, due_at, status, result) "
)
_VALUES = "%(rule_id)s, {shipment}, {case}, {basis}, %(now)s, %(due_at)s, 'open', ''"


def _scope(rule_shop_id: int | None) -> str:
    """Which orders a rule applies to: its shop's, or (every-shop rule) the orders of the
    shops without a rule of their own of that kind."""
    if rule_shop_id is not None:
        return "o.shop_id = %(shop_id)s"
    return (
        f"NOT EXISTS (SELECT 1 FROM {RULES} r2 "  # noqa: S608 - table names of the models
        "WHERE r2.kind = %(kind)s AND r2.shop_id = o.shop_id)"
    )


def _not_raised(same_fact: str) -> str:
    return (
        f"NOT EXISTS (SELECT 1 FROM {FOLLOWUPS} f "  # noqa: S608 - table names of the models
        "WHERE f.order_id = o.id AND f.kind = %(kind)s "
        f"AND (f.status = 'open' OR {same_fact}))"
    )


def _select(*, shipment: str, case: str, basis: str, source: str, where: str) -> str:
    values = _VALUES.format(shipment=shipment, case=case, basis=basis)
    # Every piece is this module's own text (table names, fixed values), never input.
    return f"SELECT o.shop_id, o.id, %(kind)s, {values} FROM {source} WHERE {where}"  # noqa: S608


def _shipment_select(*, status_sql: str, extra: str = "", scope: str) -> str:
    """A to-buyer parcel whose tracking status is ``status_sql``, for ``cutoff`` or longer."""
    return _select(
        shipment="s.id",
        case="NULL",
        basis="t.status_at",
        source=(
            f"{SHIPMENTS} s JOIN {ORDERS} o ON o.id = s.order_id "
            f"JOIN {TRACKING} t ON t.shipment_id = s.id"
        ),
        where=(
            f"s.direction IN ({_in(TO_BUYER)}) AND t.status {status_sql} "
            f"AND t.status_at <= %(cutoff)s {extra} AND {on_watch_sql()} AND {scope} AND "
            + _not_raised("(f.shipment_id = s.id AND f.basis_at = t.status_at)")
        ),
    )


def statement_for(kind: str, rule_shop_id: int | None) -> str:
    """The ``INSERT … SELECT`` of one rule. Parameters: kind, rule_id, shop_id, now, due_at,
    cutoff (the fact's time at or before which it raises), watch_from."""
    scope = _scope(rule_shop_id)
    if kind == FollowUpKind.STALLED:
        basis = "COALESCE(t.last_event_at, s.shipped_at)"
        select = _select(
            shipment="s.id",
            case="NULL",
            basis=basis,
            source=(
                f"{SHIPMENTS} s JOIN {ORDERS} o ON o.id = s.order_id "
                f"LEFT JOIN {TRACKING} t ON t.shipment_id = s.id"
            ),
            where=(
                f"s.direction IN ({_in(TO_BUYER)}) AND s.shipped_at IS NOT NULL "
                f"AND s.sign_precision = 'none' AND COALESCE(t.status, '') IN ({_in(MOVING)}) "
                f"AND {basis} <= %(cutoff)s AND {on_watch_sql()} AND {scope} AND "
                + _not_raised(f"(f.shipment_id = s.id AND f.basis_at = {basis})")
            ),
        )
    elif kind == FollowUpKind.PROBLEM_PARCEL:
        by_tracking = _shipment_select(status_sql=f"IN ({_in(PROBLEM)})", scope=scope)
        # The parcels area's case, opened from an event or by hand. A follow-up raised since
        # the case was opened (for the event that opened it) already covers it.
        by_case = _select(
            shipment="NULL",
            case="c.id",
            basis="c.created_at",
            source=f"{CASES} c JOIN {ORDERS} o ON o.id = c.order_id",
            where=(
                f"c.kind = '{PROBLEM_CASE_KIND}' AND c.is_open AND c.created_at <= %(cutoff)s "
                f"AND {on_watch_sql()} AND {scope} AND "
                + _not_raised("(f.case_id = c.id OR f.raised_at >= c.created_at)")
            ),
        )
        select = f"{by_tracking} UNION ALL {by_case}"
    elif kind == FollowUpKind.REFUSED:
        select = _shipment_select(status_sql=f"= '{TrackingStatus.REFUSED.value}'", scope=scope)
    elif kind == FollowUpKind.RETURNING:
        select = _shipment_select(status_sql=f"= '{TrackingStatus.RETURNING.value}'", scope=scope)
    elif kind == FollowUpKind.SIGNED_BY_OTHER:
        words = " OR ".join(f"e.context LIKE '%%{w}%%'" for w in SIGNED_BY_OTHER_WORDS)
        other = (
            f"AND EXISTS (SELECT 1 FROM {EVENTS} e WHERE e.shipment_id = s.id "  # noqa: S608
            f"AND e.status = '{TrackingStatus.SIGNED.value}' "
            f"AND (e.raw_state IN ({_in(SIGNED_BY_OTHER_CODES)}) OR "
            f"(e.raw_state NOT IN ({_in(SIGNED_BY_BUYER_CODES)}) AND ({words}))))"
        )
        select = _shipment_select(
            status_sql=f"= '{TrackingStatus.SIGNED.value}'", extra=other, scope=scope
        )
    elif kind == FollowUpKind.OPEN_CASE:
        select = _select(
            shipment="NULL",
            case="c.id",
            basis="c.created_at",
            source=f"{CASES} c JOIN {ORDERS} o ON o.id = c.order_id",
            where=(
                f"c.is_open AND c.kind <> '{PROBLEM_CASE_KIND}' AND c.created_at <= %(cutoff)s "
                f"AND {on_watch_sql()} AND {scope} AND " + _not_raised("f.case_id = c.id")
            ),
        )
    else:
        raise ValueError(f"no statement for the rule kind {kind!r}")
    # Inserted in order-id order: two sweeps at once meet on the unique index in the same
    # order and wait for each other instead of deadlocking.
    return f"{_INSERT}{select} ORDER BY 2 ON CONFLICT DO NOTHING"


EXPIRE = (
    f"UPDATE {FOLLOWUPS} SET status = '{FollowUpStatus.EXPIRED.value}', "  # noqa: S608
    "resolved_at = %(now)s "
    f"WHERE status = 'open' AND NOT EXISTS (SELECT 1 FROM {ORDERS} o "
    f"WHERE o.id = {FOLLOWUPS}.order_id AND {on_watch_sql()})"
)


def _params(**values) -> dict:
    return {k: _p(v) if isinstance(v, dt.datetime) else v for k, v in values.items()}


def followups_expire(*, now: dt.datetime) -> int:
    """Close the open follow-ups of orders that left the watch: one UPDATE."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(EXPIRE, _params(now=now, watch_from=watch_from(now)))
        return cursor.rowcount


def followups_raise(*, rule: WatchRule, now: dt.datetime) -> int:
    """Raise the follow-ups of one rule: one INSERT … SELECT. Returns how many were new."""
    params = _params(
        kind=rule.kind,
        rule_id=rule.pk,
        shop_id=rule.shop_id,
        now=now,
        due_at=now + dt.timedelta(hours=rule.due_hours),
        cutoff=now - dt.timedelta(hours=rule.threshold_hours),
        watch_from=watch_from(now),
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement_for(rule.kind, rule.shop_id), params)
        return cursor.rowcount


def followups_sweep(*, now: dt.datetime) -> SweepResult:
    """The whole sweep: the orders that left the watch first, then each active rule."""
    rules_ensure_defaults(now=now)
    result = SweepResult(expired=followups_expire(now=now))
    for rule in WatchRule.objects.filter(is_active=True).order_by("kind", "shop_id", "id"):
        raised = followups_raise(rule=rule, now=now)
        result.raised[rule.kind] = result.raised.get(rule.kind, 0) + raised
    return result
