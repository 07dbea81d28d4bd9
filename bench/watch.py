"""(c) The follow-up sweep of the 15-day order watch over a large shop, beside bare SQL doing
the same work in the same run.

Built in bulk (not timed), with explicit ids and ``bulk.insert_rows`` (COPY on PostgreSQL):
N orders of one shop as a big Tmall shop's book looks on a working morning — 12% shipped and
waiting for the buyer, 78% successful over the last 90 days (so about 13% within their 15
days), 6% closed, 4% not shipped yet — each shipped order with its outbound parcel, its
tracking summary (a share stalled, out of area, stranded, refused, on its way back; the
successful ones signed) and its signing event (some in a parcel locker: Kuaidi100 304), and
open cases on 2% of the orders.

Timed, each side on the same data:

- ``followups_sweep`` as the huey job runs it (first run: every follow-up new; second run:
  nothing new, the steady state of a job every ten minutes), then the expiry a day later;
- the bare side: the statements a person would write for the same rules (the every-shop
  rules only, times as literals, no ordering), sent through a bare driver connection
  (psycopg or sqlite3), first and second run, then the same expiry UPDATE.

Between the two sides the follow-ups are emptied (not timed); both must raise exactly the
same (order, kind) pairs and expire the same rows. Run on its own::

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_w_bench python -m bench.watch
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from decimal import Decimal

from bench.report import note

CHUNK = 100_000
SEED = 7
NOW = dt.datetime(2026, 11, 14, 1, 30, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)

_ORDER_FIELDS = (
    "id",
    "shop_id",
    "order_no",
    "buyer_nick",
    "receiver_name",
    "receiver_phone",
    "province",
    "city",
    "district",
    "street",
    "postal_code",
    "status",
    "goods_total",
    "freight_paid",
    "amount_paid",
    "buyer_message",
    "seller_note",
    "created_at",
    "paid_at",
    "success_at",
)
_SHIPMENT_FIELDS = (
    "id",
    "order_id",
    "direction",
    "carrier_id",
    "waybill_no",
    "shipped_at",
    "sign_precision",
    "signed_at",
    "sign_source",
)
_TRACKING_FIELDS = (
    "shipment_id",
    "status",
    "status_at",
    "last_event_at",
    "subscribed",
    "carrier_code",
)
_EVENT_FIELDS = (
    "shipment_id",
    "occurred_at",
    "status",
    "raw_state",
    "context",
    "area",
    "dedupe_key",
    "created_at",
)
_CASE_FIELDS = (
    "number",
    "shop_id",
    "order_id",
    "kind",
    "status",
    "reason",
    "buyer_claim",
    "priority",
    "due_rule",
    "is_open",
    "created_at",
    "updated_at",
    "version",
)

# The state of a parcel still on its way: (tracking status, hours since its last event range).
_MOVING = [
    ("in_transit", (1, 30)),
    ("in_transit", (30, 120)),  # some of these are stalled (48 hours and more)
    ("out_for_delivery", (1, 20)),
    ("collected", (2, 90)),
    ("", (0, 0)),  # never heard of: stalls from its shipping time
    ("out_of_area", (1, 48)),
    ("stranded", (1, 72)),
    ("refused", (1, 24)),
    ("returning", (1, 72)),
    ("signed", (1, 40)),
]
_MOVING_WEIGHTS = [40, 14, 12, 6, 5, 3, 3, 2, 2, 13]


def _max_id(model) -> int:
    from django.db.models import Max

    return model.objects.aggregate(m=Max("id"))["m"] or 0


def _reset_sequence(model) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - model table
            f"(SELECT MAX(id) FROM {table}))"
        )


def _chunks(rows: Iterator[tuple], size: int = CHUNK) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def build(orders: int, *, seed: int = SEED) -> dict[str, int]:
    """The shop's book (see the module's docstring). Returns how many rows of each kind."""
    from django.db import transaction

    from aftersales.accounts.models import Shop
    from aftersales.cases.models import Case
    from aftersales.core.models import Carrier
    from aftersales.orders.models import Order, Shipment
    from aftersales.orders.services import bulk
    from aftersales.tracking.models import ShipmentTracking, TrackingEvent

    r = random.Random(seed)
    shop = Shop.objects.create(name="跟踪压测旗舰店")
    carrier, _ = Carrier.objects.get_or_create(code="yto", defaults={"name": "圆通速递"})
    first_order, first_shipment = _max_id(Order) + 1, _max_id(Shipment) + 1
    counts = dict.fromkeys(("orders", "shipments", "tracking", "events", "cases"), 0)
    money = Decimal("99.00")
    zero = Decimal("0.00")

    def books() -> Iterator[tuple[tuple, tuple | None, tuple | None, tuple | None, tuple | None]]:
        shipment_id = first_shipment
        for i in range(orders):
            oid = first_order + i
            roll = r.random()
            created = NOW - dt.timedelta(seconds=r.randint(3_600, 100 * 86_400))
            success_at = None
            if roll < 0.12:
                status = "wait_buyer_confirm"
                created = NOW - dt.timedelta(seconds=r.randint(3 * 3_600, 12 * 86_400))
            elif roll < 0.90:
                status = "success"
                success_at = NOW - dt.timedelta(seconds=r.randint(60, 90 * 86_400))
                created = success_at - dt.timedelta(seconds=r.randint(3 * 86_400, 10 * 86_400))
            elif roll < 0.96:
                status = "closed"
            else:
                status = "wait_seller_send"
                created = NOW - dt.timedelta(seconds=r.randint(600, 2 * 86_400))
            order_row = (
                oid, shop.pk, f"9{oid:018d}", f"tb{oid:09d}", "张三", "13812345678",
                "浙江省", "杭州市", "西湖区", "文三路 1号", "310000", status,
                money, zero, money, "", "", created, created + dt.timedelta(minutes=1),
                success_at,
            )  # fmt: skip
            if status == "wait_seller_send":
                yield order_row, None, None, None, None
                continue
            shipped = created + dt.timedelta(hours=r.randint(2, 30))
            sid = shipment_id
            shipment_id += 1
            event_row = None
            if status == "wait_buyer_confirm":
                state, (low, high) = r.choices(_MOVING, _MOVING_WEIGHTS)[0]
                if state == "":
                    status_at = last = None
                else:
                    hours = r.uniform(low, high)
                    status_at = last = max(NOW - dt.timedelta(hours=hours), shipped)
                signed = None
                if state == "signed":
                    signed = status_at
            else:
                state = "signed"
                signed = min(shipped + dt.timedelta(hours=r.randint(20, 90)), success_at or NOW)
                status_at = last = signed
            if state == "signed":
                # A quarter in a parcel locker or a station (Kuaidi100 304), the rest by hand.
                locker = r.random() < 0.25
                event_row = (
                    sid,
                    signed,
                    "signed",
                    "304" if locker else "301",
                    "已签收，快件已放入菜鸟驿站" if locker else "已签收，签收人：本人",
                    "浙江省杭州市西湖区",
                    f"b{sid}",
                    signed,
                )
            shipment_row = (
                sid, oid, "outbound", carrier.pk, f"YT{sid:012d}", shipped,
                "exact" if signed else "none", signed, "tracking" if signed else "",
            )  # fmt: skip
            tracking_row = (sid, state, status_at, last, True, "yuantong") if state else None
            case_row = None
            if r.random() < 0.02:
                kind = "problem_parcel" if state in ("out_of_area", "stranded") else "return_refund"
                opened = max(created, NOW - dt.timedelta(hours=r.randint(1, 200)))
                case_row = (
                    f"WB{oid:012d}", shop.pk, oid, kind, "requested", "quality", "", 2, "",
                    True, opened, opened, 1,
                )  # fmt: skip
            yield order_row, shipment_row, tracking_row, event_row, case_row

    for batch in _chunks(books()):
        with transaction.atomic():
            parts = list(zip(*batch, strict=True))
            for model, fields, key, rows in (
                (Order, _ORDER_FIELDS, "orders", parts[0]),
                (Shipment, _SHIPMENT_FIELDS, "shipments", parts[1]),
                (ShipmentTracking, _TRACKING_FIELDS, "tracking", parts[2]),
                (TrackingEvent, _EVENT_FIELDS, "events", parts[3]),
                (Case, _CASE_FIELDS, "cases", parts[4]),
            ):
                present = [row for row in rows if row is not None]
                bulk.insert_rows(model, fields, present)
                counts[key] += len(present)
        note(f"  watch: {counts['orders']:,} orders built")
    for model in (Order, Shipment):
        _reset_sequence(model)
    return counts


# --- the bare side ----------------------------------------------------------------------------


def _lit(value: dt.datetime, *, sqlite: bool) -> str:
    if sqlite:
        return "'" + value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ") + "'"
    return f"TIMESTAMPTZ '{value.isoformat()}'"


def bare_statements(now: dt.datetime, rules: dict[str, tuple[int, int, int]], *, sqlite: bool):
    """What a person would write for the every-shop rules: one INSERT … SELECT per rule, the
    times as literals. ``rules``: kind -> (rule id, threshold hours, due hours)."""

    def t(value: dt.datetime) -> str:
        return _lit(value, sqlite=sqlite)

    watch = (
        f"(o.success_at > {t(now - 15 * D)} OR (o.status = 'wait_buyer_confirm' "
        "AND o.success_at IS NULL))"
    )
    to_buyer = "s.direction IN ('outbound', 'reship', 'replacement')"
    out = []
    for kind, (rule_id, hours, due_hours) in rules.items():
        cutoff, due = t(now - hours * H), t(now + due_hours * H)
        head = (
            "INSERT INTO watch_followup (shop_id, order_id, kind, rule_id, shipment_id, case_id, "
            "basis_at, raised_at, due_at, status, result) "
        )
        vals = f"'{kind}', {rule_id}, {{s}}, {{c}}, {{b}}, {t(now)}, {due}, 'open', ''"

        def raised(fact: str, kind: str = kind) -> str:
            return (
                f"NOT EXISTS (SELECT 1 FROM watch_followup f WHERE f.order_id = o.id AND "
                f"f.kind = '{kind}' AND (f.status = 'open' OR {fact}))"
            )

        parcels = (
            "FROM orders_shipment s JOIN orders_order o ON o.id = s.order_id "
            "JOIN tracking_shipmenttracking t ON t.shipment_id = s.id "
        )
        by_status = (
            f"SELECT o.shop_id, o.id, {vals.format(s='s.id', c='NULL', b='t.status_at')} "
            f"{parcels} WHERE {to_buyer} AND t.status {{st}} AND t.status_at <= {cutoff} "
            f"AND {watch} AND {{extra}}"
            + raised("(f.shipment_id = s.id AND f.basis_at = t.status_at)")
        )
        if kind == "stalled":
            basis = "COALESCE(t.last_event_at, s.shipped_at)"
            sql = (
                f"SELECT o.shop_id, o.id, {vals.format(s='s.id', c='NULL', b=basis)} "
                "FROM orders_shipment s JOIN orders_order o ON o.id = s.order_id "
                "LEFT JOIN tracking_shipmenttracking t ON t.shipment_id = s.id "
                f"WHERE {to_buyer} AND s.shipped_at IS NOT NULL AND s.sign_precision = 'none' "
                "AND COALESCE(t.status, '') IN ('', 'collected', 'in_transit', "
                f"'out_for_delivery', 'no_update') AND {basis} <= {cutoff} AND {watch} AND "
                + raised(f"(f.shipment_id = s.id AND f.basis_at = {basis})")
            )
        elif kind == "problem_parcel":
            cases = (
                f"SELECT o.shop_id, o.id, {vals.format(s='NULL', c='c.id', b='c.created_at')} "
                "FROM cases_case c JOIN orders_order o ON o.id = c.order_id "
                f"WHERE c.kind = 'problem_parcel' AND c.is_open AND c.created_at <= {cutoff} "
                f"AND {watch} AND " + raised("(f.case_id = c.id OR f.raised_at >= c.created_at)")
            )
            sql = (
                by_status.format(st="IN ('out_of_area', 'blind_area', 'stranded')", extra="")
                + " UNION ALL "
                + cases
            )
        elif kind in ("refused", "returning"):
            sql = by_status.format(st=f"= '{kind}'", extra="")
        elif kind == "signed_by_other":
            words = " OR ".join(
                f"e.context LIKE '%{w}%'"
                for w in ("代签", "代收", "驿站", "快递柜", "丰巢", "投柜", "门卫", "前台", "物业")
            )
            other = (
                "EXISTS (SELECT 1 FROM tracking_trackingevent e WHERE e.shipment_id = s.id AND "
                "e.status = 'signed' AND (e.raw_state IN ('303', '304', '代签', '投柜或站签收') OR "
                f"(e.raw_state NOT IN ('301', '本人签收') AND ({words})))) AND "
            )
            sql = by_status.format(st="= 'signed'", extra=other)
        else:  # open_case
            sql = (
                f"SELECT o.shop_id, o.id, {vals.format(s='NULL', c='c.id', b='c.created_at')} "
                "FROM cases_case c JOIN orders_order o ON o.id = c.order_id "
                f"WHERE c.is_open AND c.kind <> 'problem_parcel' AND c.created_at <= {cutoff} "
                f"AND {watch} AND " + raised("f.case_id = c.id")
            )
        out.append(head + sql + " ON CONFLICT DO NOTHING")
    return out


def bare_expire(now: dt.datetime, *, sqlite: bool) -> str:
    t = _lit(now - 15 * D, sqlite=sqlite)
    return (
        f"UPDATE watch_followup SET status = 'expired', resolved_at = {_lit(now, sqlite=sqlite)} "
        "WHERE status = 'open' AND NOT EXISTS (SELECT 1 FROM orders_order o WHERE "
        f"o.id = watch_followup.order_id AND (o.success_at > {t} OR "
        "(o.status = 'wait_buyer_confirm' AND o.success_at IS NULL)))"
    )


def _bare_connection():
    from django.db import connection

    if connection.vendor == "postgresql":
        import psycopg

        s = connection.settings_dict
        conn = psycopg.connect(
            dbname=s["NAME"],
            user=s["USER"],
            password=s["PASSWORD"] or None,
            host=s["HOST"] or None,
            port=s["PORT"] or None,
            autocommit=True,
        )
        return conn, False
    import sqlite3

    return sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None), True


def _pairs() -> set[tuple[int, str]]:
    from aftersales.watch.models import FollowUp

    return set(FollowUp.objects.values_list("order_id", "kind"))


def _expired_pairs() -> set[tuple[int, str]]:
    """What both sides must agree on after the expiry."""
    from aftersales.watch.models import FollowUp

    return set(FollowUp.objects.filter(status="expired").values_list("order_id", "kind"))


def _empty_followups() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM watch_contactlog")
        cursor.execute("DELETE FROM watch_followup")
    _analyze()


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def bench_followup_sweep(orders: int = 1_000_000) -> dict:
    """Build the book, time the sweep and the bare SQL on it; figures and ratios."""
    from aftersales.watch.models import WatchRule
    from aftersales.watch.sweep import followups_expire, followups_sweep, rules_ensure_defaults

    started = time.perf_counter()
    counts = build(orders)
    build_seconds = time.perf_counter() - started
    _analyze()
    rules_ensure_defaults(now=NOW)
    rules = {
        r.kind: (r.pk, r.threshold_hours, r.due_hours)
        for r in WatchRule.objects.filter(shop__isnull=True, is_active=True)
    }
    later = NOW + D
    conn, sqlite = _bare_connection()
    try:
        # The sweep as the job runs it.
        t = time.perf_counter()
        first = followups_sweep(now=NOW)
        sweep_first = time.perf_counter() - t
        t = time.perf_counter()
        again = followups_sweep(now=NOW)
        sweep_again = time.perf_counter() - t
        swept = _pairs()
        t = time.perf_counter()
        expired = followups_expire(now=later)
        expire_orm = time.perf_counter() - t
        expired_pairs = _expired_pairs()
        _empty_followups()

        # The bare statements on a bare connection.
        statements = bare_statements(NOW, rules, sqlite=sqlite)
        t = time.perf_counter()
        bare_raised = 0
        for sql in statements:
            cursor = conn.execute(sql)
            bare_raised += cursor.rowcount
        bare_first = time.perf_counter() - t
        t = time.perf_counter()
        bare_again_raised = 0
        for sql in statements:
            cursor = conn.execute(sql)
            bare_again_raised += cursor.rowcount
        bare_again = time.perf_counter() - t
        bare_pairs = _pairs()
        t = time.perf_counter()
        bare_expired = conn.execute(bare_expire(later, sqlite=sqlite)).rowcount
        expire_bare = time.perf_counter() - t
        bare_expired_pairs = _expired_pairs()
    finally:
        conn.close()
    if swept != bare_pairs or first.total_raised != bare_raised:
        raise SystemExit("the sweep and the bare SQL raised different follow-ups")
    if again.total_raised != 0 or bare_again_raised != 0:
        raise SystemExit("a second run raised follow-ups")
    if expired != bare_expired or expired_pairs != bare_expired_pairs:
        raise SystemExit("the sweep and the bare SQL expired different follow-ups")
    return {
        "orders": orders,
        "rows": counts,
        "build_seconds": round(build_seconds, 1),
        "raised": first.total_raised,
        "raised_by_kind": first.raised,
        "expired_a_day_later": expired,
        "sweep_first_s": round(sweep_first, 3),
        "bare_first_s": round(bare_first, 3),
        "ratio_first": round(sweep_first / bare_first, 2),
        "sweep_again_s": round(sweep_again, 3),
        "bare_again_s": round(bare_again, 3),
        "ratio_again": round(sweep_again / bare_again, 2),
        "expire_s": round(expire_orm, 3),
        "bare_expire_s": round(expire_bare, 3),
        "ratio_expire": round(expire_orm / expire_bare, 2),
    }


def main() -> None:
    import argparse
    import json

    from bench import db

    parser = argparse.ArgumentParser(prog="python -m bench.watch")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    target = db.choose(sqlite=args.sqlite)
    import django

    django.setup()
    db.prepare()
    note(f"follow-up sweep over {args.orders:,} orders on {target.label}")
    print(json.dumps(bench_followup_sweep(args.orders), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
