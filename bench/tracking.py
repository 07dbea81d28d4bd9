"""(d) The tracking apply of N carrier events, beside bare SQL doing the same work in the same
run.

Built in bulk (not timed): one shop, N / 5 orders each with one line and its outbound parcel,
and for each parcel a five-line history as a push brings it (collected, two transit lines,
then two lines by how it ends: 55% out for delivery, 25% signed, 5% each out of area,
stranded, refused, and refused then on its way back). Times start a week before NOW.

Timed, each side on the same events:

- ``tracking.services.apply_events`` as a push or a poll calls it (first arrival: every
  event new; then the same events again: the steady state of re-pushed histories, which
  must write nothing);
- the bare side, on a bare driver connection (psycopg or sqlite3): the statements a person
  would write for the same work — insert the missing tracking rows (ON CONFLICT DO NOTHING),
  insert the events (ON CONFLICT DO NOTHING on the dedupe key), and one UPDATE setting each
  shipment's status from its newest event where it is newer than the status it has (and a
  signed one only to refused/returning); run twice as well.

Between the two sides the events and tracking rows are emptied (not timed); both must end
with the same status and status time for every shipment. ``apply_events`` also records each
newly signed parcel's sign-in through ``orders.services.shipment_sign_in_record`` (one call
per parcel, several statements each) and calls the problem hook: work the bare SQL does
not do, so their times are measured apart and reported (``ratio_first_own`` leaves them
out; the problem handlers are whatever the installed areas registered, e.g. parcels').
Run on its own::

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_t_bench python -m bench.tracking
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time

from bench.report import note

SEED = 5
NOW = dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC)
LINES = 5
BATCH = 2_000
# Every history: three lines, then two by how it ends (of 100: how many end so).
BASE = [
    ("collected", "103", "【杭州市】快件已被 余杭一部 揽收"),
    ("in_transit", "1002", "【杭州市】快件已发往 成都转运中心"),
    ("in_transit", "1001", "【成都市】快件已到达 成都转运中心"),
]
_AT_OUTLET = ("in_transit", "1003", "【成都市】快件已到达 城东网点")
_DELIVERING = ("out_for_delivery", "5", "【成都市】派件员 王师傅 正在派件")
_REFUSED = ("refused", "14", "【成都市】收件人拒收，快件将退回")
ENDING_LINES = {
    "out_for_delivery": [_AT_OUTLET, _DELIVERING],
    "signed": [_DELIVERING, ("signed", "301", "【成都市】快件已签收，签收人：本人签收")],
    "out_of_area": [_AT_OUTLET, ("out_of_area", "207", "【成都市】快件超出派送范围")],
    "stranded": [_AT_OUTLET, ("stranded", "208", "【成都市】网点暂停营业，快件滞留")],
    "refused": [_DELIVERING, _REFUSED],
    "returning": [_REFUSED, ("returning", "6", "【成都市】快件已退回，正在返回寄件地")],
}
ENDINGS = (
    ("out_for_delivery", 55),
    ("signed", 25),
    ("out_of_area", 5),
    ("stranded", 5),
    ("refused", 5),
    ("returning", 5),
)


def build(events: int, *, seed: int = SEED):
    """The shop, its parcels and the events (a list of NormalisedEvent), not timed."""
    from aftersales.accounts.models import Shop
    from aftersales.core.models import Carrier
    from aftersales.orders.models import Order, OrderLine, Shipment
    from aftersales.tracking.policies import NormalisedEvent

    r = random.Random(seed)
    parcels = max(1, events // LINES)
    shop = Shop.objects.create(name="轨迹压测旗舰店")
    carrier, _ = Carrier.objects.get_or_create(code="yto", defaults={"name": "圆通速递"})
    week_ago = NOW - dt.timedelta(days=7)
    orders = Order.objects.bulk_create(
        [
            Order(
                shop=shop,
                order_no=f"77{n:017d}",
                buyer_nick=f"tb{n:08d}",
                status="wait_buyer_confirm",
                goods_total="99.00",
                amount_paid="99.00",
                created_at=week_ago - dt.timedelta(hours=2),
                paid_at=week_ago - dt.timedelta(hours=2),
            )
            for n in range(parcels)
        ],
        batch_size=BATCH,
    )
    # One line each, as every real order has (a problem-parcel case names the order's lines).
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                line_no=1,
                title="袜子",
                sku_code="WZ-10",
                unit_price="99.00",
                quantity=1,
                amount_paid="99.00",
            )
            for order in orders
        ],
        batch_size=BATCH,
    )
    shipments = Shipment.objects.bulk_create(
        [
            Shipment(
                order=order,
                direction="outbound",
                carrier=carrier,
                waybill_no=f"YT{n:012d}",
                shipped_at=week_ago,
            )
            for n, order in enumerate(orders)
        ],
        batch_size=BATCH,
    )
    weights = [w for _e, w in ENDINGS]
    out = []
    for shipment in shipments:
        t = week_ago + dt.timedelta(minutes=r.randrange(30, 300))
        ending = r.choices([e for e, _w in ENDINGS], weights)[0]
        for status, code, text in BASE + ENDING_LINES[ending]:
            t += dt.timedelta(minutes=r.randrange(120, 900))
            out.append(
                NormalisedEvent(
                    shipment_id=shipment.pk,
                    occurred_at=t,
                    status=status,
                    raw_state=code,
                    context=text,
                )
            )
    return shop, [s.pk for s in shipments], out


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


# The newest event of each shipment, computed once (MATERIALIZED: on tables just filled, the
# planner's guess would otherwise recompute it for every shipment row).
_UPDATE = (
    "WITH v AS MATERIALIZED ("
    " SELECT shipment_id, id, status, occurred_at FROM ("
    "  SELECT shipment_id, id, status, occurred_at, ROW_NUMBER() OVER ("
    "   PARTITION BY shipment_id ORDER BY occurred_at DESC, id DESC) AS n"
    "  FROM tracking_trackingevent WHERE shipment_id {ids}) e WHERE n = 1)"
    " UPDATE tracking_shipmenttracking SET status = v.status, status_at = v.occurred_at,"
    " status_event_id = v.id, last_event_at = v.occurred_at, updated_at = {now}"
    " FROM v WHERE tracking_shipmenttracking.shipment_id = v.shipment_id"
    " AND (tracking_shipmenttracking.status_at IS NULL"
    "  OR v.occurred_at > tracking_shipmenttracking.status_at)"
    " AND (tracking_shipmenttracking.status <> 'signed' OR v.status IN ('refused', 'returning'))"
)


def bare_apply(conn, sqlite: bool, ids: list[int], events, *, now: dt.datetime) -> int:
    """The same work by hand, one transaction; returns how many events were new."""
    if sqlite:
        fmt = "%Y-%m-%d %H:%M:%S"

        def t(value: dt.datetime) -> str:
            return value.astimezone(dt.UTC).strftime(fmt)

        cur = conn.cursor()
        cur.execute("BEGIN")
        cur.executemany(
            "INSERT INTO tracking_shipmenttracking (shipment_id, status, subscribed,"
            " carrier_code) VALUES (?, '', 0, '') ON CONFLICT (shipment_id) DO NOTHING",
            [(i,) for i in ids],
        )
        before = conn.total_changes
        cur.executemany(
            "INSERT INTO tracking_trackingevent (shipment_id, occurred_at, status, raw_state,"
            " context, area, payload_id, dedupe_key, created_at)"
            " VALUES (?, ?, ?, ?, ?, '', NULL, ?, ?)"
            " ON CONFLICT (shipment_id, dedupe_key) DO NOTHING",
            [
                (
                    e.shipment_id,
                    t(e.occurred_at),
                    e.status,
                    e.raw_state,
                    e.context,
                    e.dedupe_key,
                    t(now),
                )
                for e in events
            ],
        )
        new = conn.total_changes - before
        cur.execute("ANALYZE tracking_trackingevent")
        for start in range(0, len(ids), 30_000):
            chunk = ids[start : start + 30_000]
            listed = "IN (" + ",".join(str(i) for i in chunk) + ")"
            cur.execute(_UPDATE.format(ids=listed, now=f"'{t(now)}'"))
        cur.execute("COMMIT")
        return new
    with conn.transaction():
        conn.execute(
            "INSERT INTO tracking_shipmenttracking (shipment_id, status, subscribed, carrier_code)"
            " SELECT unnest(%s::bigint[]), '', false, '' ON CONFLICT (shipment_id) DO NOTHING",
            [ids],
        )
        columns = list(
            zip(
                *[
                    (e.shipment_id, e.occurred_at, e.status, e.raw_state, e.context, e.dedupe_key)
                    for e in events
                ],
                strict=True,
            )
        )
        new = conn.execute(
            "INSERT INTO tracking_trackingevent (shipment_id, occurred_at, status, raw_state,"
            " context, area, payload_id, dedupe_key, created_at)"
            " SELECT s, o, st, r, c, '', NULL, k, %s FROM unnest(%s::bigint[],"
            " %s::timestamptz[], %s::varchar[], %s::varchar[], %s::text[], %s::varchar[])"
            " AS u(s, o, st, r, c, k) ON CONFLICT (shipment_id, dedupe_key) DO NOTHING",
            [now, *[list(c) for c in columns]],
        ).rowcount
        # Fresh rows: without statistics the planner would join them row by row.
        conn.execute("ANALYZE tracking_trackingevent, tracking_shipmenttracking")
        conn.execute(_UPDATE.format(ids="= ANY(%s)", now="%s"), [ids, now])
    return new


def _state(ids: list[int]) -> dict[int, tuple[str, dt.datetime | None]]:
    from aftersales.tracking.models import ShipmentTracking

    return {
        sid: (status, at)
        for sid, status, at in ShipmentTracking.objects.filter(shipment_id__in=ids).values_list(
            "shipment_id", "status", "status_at"
        )
    }


def _empty() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tracking_trackingevent")
        cursor.execute("DELETE FROM tracking_shipmenttracking")
        cursor.execute("DELETE FROM orders_shipmentsigninchange")
        cursor.execute(
            "UPDATE orders_shipment SET sign_precision = 'none', signed_at = NULL,"
            " signed_on = NULL, sign_source = '', sign_recorded_by_id = NULL,"
            " sign_recorded_at = NULL WHERE sign_source = 'tracking'"
        )
    _analyze()


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def bench_tracking_apply(events: int = 100_000) -> dict:
    """Build the parcels and events, time ``apply_events`` and the bare SQL on them (first
    arrival and the same events again); figures and ratios."""
    from aftersales.orders.models import ShipmentSignInChange
    from aftersales.tracking import services
    from aftersales.tracking.hooks import problem_handlers

    logging.getLogger("aftersales.tracking").setLevel(logging.ERROR)
    started = time.perf_counter()
    _shop, ids, evs = build(events)
    build_seconds = time.perf_counter() - started
    _analyze()

    # Time spent recording sign-ins through the orders service, measured apart.
    spent = {"sign_in_s": 0.0, "calls": 0}
    real_sign_in = services._sign_ins

    def timed_sign_in(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return real_sign_in(*args, **kwargs)
        finally:
            spent["sign_in_s"] += time.perf_counter() - t0
            spent["calls"] += 1

    real_notify = services.hooks.notify_problems

    def timed_notify(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return real_notify(*args, **kwargs)
        finally:
            spent["hooks_s"] = spent.get("hooks_s", 0.0) + time.perf_counter() - t0

    services._sign_ins = timed_sign_in
    services.hooks.notify_problems = timed_notify
    try:
        note(f"  built {len(evs):,} events over {len(ids):,} parcels in {build_seconds:.0f} s")
        t = time.perf_counter()
        first = services.apply_events(evs, now=NOW)
        apply_first = time.perf_counter() - t
        note(
            f"  apply_events, first arrival: {apply_first:.1f} s (sign-ins "
            f"{spent['sign_in_s']:.1f} s, problem handlers {spent.get('hooks_s', 0.0):.1f} s)"
        )
        state = _state(ids)
        sign_in_first = spent["sign_in_s"]
        hooks_first = spent.get("hooks_s", 0.0)
        sign_ins = ShipmentSignInChange.objects.count()
        t = time.perf_counter()
        again = services.apply_events(evs, now=NOW)
        apply_again = time.perf_counter() - t
        note(f"  apply_events, the same events again: {apply_again:.1f} s")
    finally:
        services._sign_ins = real_sign_in
        services.hooks.notify_problems = real_notify
    if again.events_new or again.shipments_moved or _state(ids) != state:
        raise SystemExit("applying the same events again changed something")
    _empty()

    conn, sqlite = _bare_connection()
    try:
        t = time.perf_counter()
        bare_new = bare_apply(conn, sqlite, ids, evs, now=NOW)
        bare_first = time.perf_counter() - t
        note(f"  bare SQL, first arrival: {bare_first:.1f} s")
        bare_state = _state(ids)
        t = time.perf_counter()
        bare_again_new = bare_apply(conn, sqlite, ids, evs, now=NOW)
        bare_again = time.perf_counter() - t
    finally:
        conn.close()
    if bare_state != state or bare_new != first.events_new or bare_again_new != 0:
        raise SystemExit("apply_events and the bare SQL ended differently")
    # What the bare SQL also does: events, tracking rows, statuses.
    own = apply_first - sign_in_first - hooks_first
    return {
        "events": len(evs),
        "shipments": len(ids),
        "build_seconds": round(build_seconds, 1),
        "events_new": first.events_new,
        "shipments_moved": first.shipments_moved,
        "problems_heard": len(first.problems),
        "sign_ins_recorded": sign_ins,
        "sign_ins_refused": len(first.sign_in_refused),
        "apply_first_s": round(apply_first, 3),
        "of_which_sign_in_s": round(sign_in_first, 3),
        "of_which_problem_handlers_s": round(hooks_first, 3),
        "problem_handlers": [f"{fn.__module__}.{fn.__qualname__}" for fn in problem_handlers()],
        "bare_first_s": round(bare_first, 3),
        "ratio_first": round(apply_first / bare_first, 2),
        "apply_first_own_s": round(own, 3),
        "ratio_first_own": round(own / bare_first, 2),
        "apply_again_s": round(apply_again, 3),
        "bare_again_s": round(bare_again, 3),
        "ratio_again": round(apply_again / bare_again, 2),
        "events_per_s_first": int(len(evs) / apply_first),
    }


def main() -> None:
    import argparse
    import json

    from bench import db

    parser = argparse.ArgumentParser(prog="python -m bench.tracking")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    target = db.choose(sqlite=args.sqlite)
    import django

    django.setup()
    db.prepare()
    note(f"tracking apply of {args.events:,} events on {target.label}")
    print(json.dumps(bench_tracking_apply(args.events), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
