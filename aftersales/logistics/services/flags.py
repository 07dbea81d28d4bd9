"""Pre-ship flags (发货前预警): orders not yet shipped that the chosen carrier may not reach.

``sweep(now)`` is the periodic job's work, set-based:

1. Orders not yet shipped whose region is unknown or stale (``OrderRegion.source`` differs
   from the order's address) get it parsed — only those, a bounded batch per run.
2. One SQL statement decides, for every order not yet shipped of a shop that routes, what
   ``routing.RoutingBook.decide`` decides for one: the most specific route, each carrier's
   most specific coverage rule, suspensions on that day, revocations at that moment; and
   keeps the orders to flag with the reason, the carrier chosen and the primary.
3. An open flag whose order is no longer in that set (shipped, fixed, or its problem
   changed) is removed; the orders in it without an open flag, and without a settled one for
   the same problem, get one (INSERT … ON CONFLICT DO NOTHING on the one-open-flag index).

Running it twice at once is safe: the inserts meet the unique index, the deletes are
idempotent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import MSG_NOT_FOUND, Perm, authorize
from aftersales.core.errors import ConcurrentChange, InvalidInput, NotFound
from aftersales.core.validation import text_problem
from aftersales.core.workdays import shanghai_date
from aftersales.logistics.models import OrderRegion, PreShipFlag, Route
from aftersales.logistics.services.address import order_region
from aftersales.orders.models import Order, OrderStatus

# Statuses before the parcel leaves: the platform's "waiting for payment" and "paid, waiting
# for the seller to ship".
NOT_SHIPPED = (OrderStatus.WAIT_BUYER_PAY, OrderStatus.WAIT_SELLER_SEND)
PARSE_BATCH = 2000
MAX_PARSE_BATCHES = 50
NOTE_MAX = 500

MSG_NOTE_REQUIRED = _("请填写处理说明。")
MSG_ALREADY_SETTLED = _("该预警已处理。")


def _source_expr():
    bar = Value("|")
    return Concat("province", bar, "city", bar, "district", bar, "street", output_field=CharField())


def refresh_regions(*, now: dt.datetime, batch: int | None = None) -> int:
    """Parse the addresses of orders not yet shipped that have no current region; at most
    ``batch`` (PARSE_BATCH) of them. Returns how many were parsed."""
    batch = batch or PARSE_BATCH
    current = OrderRegion.objects.filter(order_id=OuterRef("pk"), source=OuterRef("source"))
    stale = (
        Order.objects.filter(status__in=NOT_SHIPPED, shop_id__in=Route.objects.values("shop_id"))
        .annotate(source=_source_expr())
        .filter(~Exists(current))
        .only("id", "province", "city", "district", "street")[:batch]
    )
    rows = []
    for order in stale:
        (province, city, district), source = order_region(order)
        rows.append(
            OrderRegion(
                order_id=order.pk,
                province=province[:32],
                city=city[:32],
                district=district[:32],
                source=source[:400],
                parsed_at=now,
            )
        )
    if rows:
        OrderRegion.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["order"],
            update_fields=["province", "city", "district", "source", "parsed_at"],
        )
    return len(rows)


# The decision for every order not yet shipped, in SQL. Specificity is the number of region
# parts a rule names; the most specific matching route, and per carrier the most specific
# matching coverage rule, win (ties cannot happen: both are unique per region).
_SPEC = "(CASE WHEN {t}.province <> '' THEN 1 ELSE 0 END + CASE WHEN {t}.city <> '' THEN 1 ELSE 0 END + CASE WHEN {t}.district <> '' THEN 1 ELSE 0 END)"  # noqa: E501
_MATCH = "({t}.city = '' OR {t}.city = o.c) AND ({t}.district = '' OR {t}.district = o.d)"

# Built from constants only (no input): the values travel as parameters.
PROBLEMS_SQL = f"""
WITH o AS (
    SELECT ord.id AS order_id, ord.shop_id AS shop_id,
           r.province AS p, r.city AS c, r.district AS d
    FROM orders_order ord
    JOIN logistics_orderregion r ON r.order_id = ord.id
    WHERE ord.status IN (%(s1)s, %(s2)s)
      AND EXISTS (SELECT 1 FROM logistics_route x WHERE x.shop_id = ord.shop_id)
),
rt AS (
    SELECT order_id, route_id FROM (
        SELECT o.order_id, rte.id AS route_id,
               ROW_NUMBER() OVER (
                   PARTITION BY o.order_id ORDER BY {_SPEC.format(t="rte")} DESC
               ) AS rn
        FROM o JOIN logistics_route rte ON rte.shop_id = o.shop_id
        WHERE o.p <> '' AND (rte.province = '' OR rte.province = o.p)
          AND {_MATCH.format(t="rte")}
    ) ranked WHERE rn = 1
),
cand AS (
    SELECT o.order_id, rc.position, rc.carrier_id,
        (SELECT cr.coverage FROM logistics_coveragerule cr
          WHERE cr.carrier_id = rc.carrier_id AND cr.province = o.p AND {_MATCH.format(t="cr")}
          ORDER BY {_SPEC.format(t="cr")} DESC LIMIT 1) AS coverage,
        CASE WHEN EXISTS (
            SELECT 1 FROM logistics_outletsuspension s
            WHERE s.carrier_id = rc.carrier_id AND s.province = o.p AND {_MATCH.format(t="s")}
              AND s.starts_on <= %(today)s AND s.ends_on >= %(today)s
        ) THEN 1 ELSE 0 END AS suspended,
        CASE WHEN EXISTS (
            SELECT 1 FROM logistics_priorityrevocation v
            WHERE v.carrier_id = rc.carrier_id
              AND (v.shop_id IS NULL OR v.shop_id = o.shop_id)
              AND v.starts_at <= %(now)s AND v.ends_at > %(now)s
              AND (v.reversed_at IS NULL OR v.reversed_at > %(now)s)
        ) THEN 1 ELSE 0 END AS revoked
    FROM o
    JOIN rt ON rt.order_id = o.order_id
    JOIN logistics_routecarrier rc ON rc.route_id = rt.route_id
),
verdict AS (
    SELECT order_id, position, carrier_id,
           CASE WHEN coalesce(coverage, '') = 'none' OR suspended = 1 OR revoked = 1
                THEN 0 ELSE 1 END AS ok,
           CASE WHEN coverage = 'limited' THEN 1 ELSE 0 END AS limited
    FROM cand
),
chosen AS (
    SELECT order_id, MIN(position) AS position FROM verdict WHERE ok = 1 GROUP BY order_id
),
firsts AS (
    SELECT order_id, MIN(position) AS position FROM verdict GROUP BY order_id
),
decision AS (
    SELECT o.order_id, o.shop_id, o.p, rt.route_id,
           vc.carrier_id AS carrier_id, vc.limited AS limited,
           vp.carrier_id AS primary_id
    FROM o
    LEFT JOIN rt ON rt.order_id = o.order_id
    LEFT JOIN chosen ch ON ch.order_id = o.order_id
    LEFT JOIN verdict vc ON vc.order_id = o.order_id AND vc.position = ch.position
    LEFT JOIN firsts f ON f.order_id = o.order_id
    LEFT JOIN verdict vp ON vp.order_id = o.order_id AND vp.position = f.position
),
problem AS (
    SELECT order_id, shop_id, carrier_id, primary_id,
        CASE WHEN p = '' THEN 'address_unknown'
             WHEN route_id IS NULL THEN 'no_route'
             WHEN carrier_id IS NULL THEN 'no_carrier'
             WHEN limited = 1 THEN 'limited'
             WHEN carrier_id <> primary_id THEN 'primary_skipped'
        END AS reason
    FROM decision
)
"""  # noqa: S608

# The same problem: same reason, same carrier chosen (NULL = NULL counts as the same).
_SAME = """f.reason = pr.reason
    AND (f.carrier_id = pr.carrier_id OR (f.carrier_id IS NULL AND pr.carrier_id IS NULL))"""

DELETE_SQL = f"""{PROBLEMS_SQL}
DELETE FROM logistics_preshipflag
WHERE settled_at IS NULL AND id NOT IN (
    SELECT f.id FROM logistics_preshipflag f
    JOIN problem pr ON pr.order_id = f.order_id
    WHERE pr.reason IS NOT NULL AND {_SAME}
)
RETURNING id
"""  # noqa: S608

INSERT_SQL = f"""{PROBLEMS_SQL}
INSERT INTO logistics_preshipflag
    (order_id, shop_id, reason, carrier_id, primary_id, raised_at, settle_note)
SELECT pr.order_id, pr.shop_id, pr.reason, pr.carrier_id, pr.primary_id, %(now)s, ''
FROM problem pr
WHERE pr.reason IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM logistics_preshipflag f
      WHERE f.order_id = pr.order_id AND f.settled_at IS NOT NULL AND {_SAME}
  )
ON CONFLICT (order_id) WHERE settled_at IS NULL DO NOTHING
RETURNING id
"""  # noqa: S608


@dataclass(frozen=True)
class SweepResult:
    parsed: int
    removed: int
    raised: int


def sweep(*, now: dt.datetime) -> SweepResult:
    """Bring the open pre-ship flags up to date (see the module)."""
    # Bounded batches until none is left stale (a first run over a large backlog parses it all;
    # later runs only the orders that arrived or changed since).
    parsed = 0
    for _batch in range(MAX_PARSE_BATCHES):
        done = refresh_regions(now=now)
        parsed += done
        if done < PARSE_BATCH:
            break
    ops = connection.ops
    params = {
        "s1": OrderStatus.WAIT_BUYER_PAY.value,
        "s2": OrderStatus.WAIT_SELLER_SEND.value,
        "today": ops.adapt_datefield_value(shanghai_date(now)),
        "now": ops.adapt_datetimefield_value(now),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # RETURNING: a statement that opens with WITH leaves rowcount unset on SQLite.
        cursor.execute(DELETE_SQL, params)
        removed = len(cursor.fetchall())
        cursor.execute(INSERT_SQL, params)
        raised = len(cursor.fetchall())
    return SweepResult(parsed=parsed, removed=removed, raised=raised)


# --- reading and settling ----------------------------------------------------------------------


def open_flags(actor: User) -> QuerySet[PreShipFlag]:
    """The open flags of the actor's shops, newest first (ORDER_VIEW)."""
    authorize(actor, Perm.ORDER_VIEW)
    return (
        PreShipFlag.objects.filter(shop_id__in=actor.shop_ids(), settled_at__isnull=True)
        .select_related("order", "shop", "carrier", "primary")
        .order_by("-raised_at", "-id")
    )


def flag_get(actor: User, flag_id: int) -> PreShipFlag:
    authorize(actor, Perm.ORDER_VIEW)
    flag = (
        PreShipFlag.objects.filter(pk=flag_id, shop_id__in=actor.shop_ids())
        .select_related("order", "shop", "carrier", "primary", "settled_by")
        .first()
    )
    if flag is None:
        raise NotFound(MSG_NOT_FOUND)
    return flag


# Settling is talking it over with the buyer before the parcel leaves and writing down what
# was agreed — the case note's permission, held by everyone who works the shop's orders.
SETTLE_PERM = Perm.CASE_NOTE


def flag_settle(*, actor: User, flag_id: int, note: str, now: dt.datetime) -> PreShipFlag:
    """Mark an open flag settled, with what was agreed; it leaves the list. Settling twice
    is refused (409 ``already_settled``)."""
    authorize(actor, Perm.ORDER_VIEW)
    flag = PreShipFlag.objects.filter(pk=flag_id, shop_id__in=actor.shop_ids()).first()
    if flag is None:
        raise NotFound(MSG_NOT_FOUND)
    authorize(actor, SETTLE_PERM, shop_id=flag.shop_id)
    note = (note or "").strip()
    if not note:
        raise InvalidInput(MSG_NOTE_REQUIRED, field="note")
    if text_problem(note):
        raise InvalidInput(_("含有无法保存的字符。"), field="note")
    if len(note) > NOTE_MAX:
        raise InvalidInput(_("内容过长：最多 %(max)s 个字符。") % {"max": NOTE_MAX}, field="note")
    updated = PreShipFlag.objects.filter(pk=flag_id, settled_at__isnull=True).update(
        settled_at=now, settled_by=actor, settle_note=note
    )
    if not updated:
        raise ConcurrentChange(MSG_ALREADY_SETTLED, code="already_settled")
    return flag_get(actor, flag_id)
