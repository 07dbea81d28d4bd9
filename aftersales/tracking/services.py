"""The only code that writes tracking: applying normalised events to shipments, the sweep that
marks silent parcels, the polling of due shipments through the adapters.

``apply_events`` is set-based and idempotent. Per batch of shipments, in one transaction:
  1. a ``ShipmentTracking`` row for each shipment that has none (ON CONFLICT DO NOTHING);
  2. those rows locked, in shipment order (two appliers of one shipment queue up here);
  3. the events inserted with ON CONFLICT DO NOTHING on (shipment, dedupe key): the same line
     twice is one row;
  4. one UPDATE of the batch's rows that change. A shipment moves only to an event later
     than the one that set its status (a late, older event never moves it back), and a
     sign-in is final unless the parcel is then refused or sent back;
  5. a shipment newly signed records its sign-in through ``orders``' service (as the
     system, source tracking) unless a person recorded one — the person's record wins, and
     the carrier's time stays on the tracking row so the conflict is shown;
  6. the problem handlers hear of the shipments newly in a problem status.
The same events applied twice insert nothing, update nothing and call nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.orders.models import Shipment, ShipmentDirection, SignPrecision, SignSource
from aftersales.orders.services import tracking_sign_ins_record
from aftersales.tracking import hooks
from aftersales.tracking.models import (
    PROBLEM_STATUSES,
    ShipmentTracking,
    TrackingEvent,
    TrackingStatus,
)
from aftersales.tracking.policies import SHANGHAI, NormalisedEvent, may_move, newest

logger = logging.getLogger("aftersales.tracking")

# Shipments per transaction: each batch locks its rows, inserts its events and is one UPDATE.
BATCH_SHIPMENTS = 500
# Rows per statement on SQLite (under its limit of 32766 bound variables).
SQLITE_ROWS = 500

NOTE_SIGN_IN = _("快递轨迹签收")
# Statuses the sweep may call silent: a parcel on its way that stopped saying anything.
MOVING = (
    "",
    TrackingStatus.COLLECTED.value,
    TrackingStatus.IN_TRANSIT.value,
    TrackingStatus.OUT_FOR_DELIVERY.value,
)


@dataclass
class ApplyResult:
    events_seen: int = 0
    events_new: int = 0
    shipments_moved: int = 0
    signed: list[int] = field(default_factory=list)
    # Shipments a person signed for already: their record stays, the carrier's time is kept.
    sign_in_kept: list[int] = field(default_factory=list)
    # Sign-ins the orders service refused (a time before shipping, in the future, …).
    sign_in_refused: list[int] = field(default_factory=list)
    problems: list[hooks.ProblemSeen] = field(default_factory=list)

    def add(self, other: ApplyResult) -> None:
        self.events_seen += other.events_seen
        self.events_new += other.events_new
        self.shipments_moved += other.shipments_moved
        self.signed += other.signed
        self.sign_in_kept += other.sign_in_kept
        self.sign_in_refused += other.sign_in_refused
        self.problems += other.problems


@dataclass(frozen=True)
class _Move:
    shipment_id: int
    status: str
    status_at: dt.datetime | None
    event_key: str | None
    last_event_at: dt.datetime | None
    carrier_signed_at: dt.datetime | None
    moved: bool
    before: str


def apply_events(events: Iterable[NormalisedEvent], *, now: dt.datetime) -> ApplyResult:
    """Apply ``events`` (any order, any number of shipments, duplicates welcome)."""
    by_shipment: dict[int, dict[str, NormalisedEvent]] = defaultdict(dict)
    seen = 0
    for event in events:
        seen += 1
        by_shipment[event.shipment_id].setdefault(event.dedupe_key, event)
    result = ApplyResult(events_seen=seen)
    ids = sorted(by_shipment)
    for start in range(0, len(ids), BATCH_SHIPMENTS):
        chunk = ids[start : start + BATCH_SHIPMENTS]
        with transaction.atomic():
            result.add(_apply_batch({sid: list(by_shipment[sid].values()) for sid in chunk}, now))
    return result


def _apply_batch(batch: dict[int, list[NormalisedEvent]], now: dt.datetime) -> ApplyResult:
    result = ApplyResult()
    ids = sorted(batch)
    ShipmentTracking.objects.bulk_create(
        [ShipmentTracking(shipment_id=sid) for sid in ids], ignore_conflicts=True
    )
    current = {
        row["shipment_id"]: row
        for row in ShipmentTracking.objects.select_for_update()
        .filter(shipment_id__in=ids)
        .order_by("shipment_id")
        .values("shipment_id", "status", "status_at", "last_event_at", "carrier_signed_at")
    }
    result.events_new = _insert_events(
        [event for sid in ids for event in sorted(batch[sid], key=lambda e: e.dedupe_key)], now
    )

    moves = []
    for sid in ids:
        move = _decide(current[sid], batch[sid])
        if move is not None:
            moves.append(move)
    if not moves:
        return result

    keys = {(m.shipment_id, m.event_key) for m in moves if m.moved}
    event_ids = {}
    if keys:
        event_ids = {
            (sid, key): pk
            for sid, key, pk in TrackingEvent.objects.filter(
                shipment_id__in={sid for sid, _k in keys},
                dedupe_key__in={key for _s, key in keys},
            ).values_list("shipment_id", "dedupe_key", "id")
            if (sid, key) in keys
        }
    _update_tracking(moves, event_ids, now)

    moved = [m for m in moves if m.moved]
    result.shipments_moved = len(moved)
    _sign_ins(
        {
            m.shipment_id: m.status_at
            for m in moved
            if m.status == TrackingStatus.SIGNED and m.status_at is not None
        },
        now,
        result,
    )
    result.problems = [
        hooks.ProblemSeen(
            shipment_id=m.shipment_id,
            status=m.status,
            occurred_at=m.status_at,
            event_id=event_ids[(m.shipment_id, m.event_key)],
        )
        for m in moved
        if m.status in PROBLEM_STATUSES and m.status != m.before and m.status_at is not None
    ]
    hooks.notify_problems(result.problems, now)
    return result


def _decide(row: dict, events: list[NormalisedEvent]) -> _Move | None:
    status, status_at = row["status"], row["status_at"]
    movers = [
        e
        for e in events
        if may_move(current=status, current_at=status_at, new=e.status, new_at=e.occurred_at)
    ]
    latest = max(e.occurred_at for e in events)
    last_event_at = row["last_event_at"]
    new_last = latest if last_event_at is None or latest > last_event_at else last_event_at
    if not movers and new_last == last_event_at:
        return None
    target = newest(movers) if movers else None
    carrier_signed_at = row["carrier_signed_at"]
    if target is not None and target.status == TrackingStatus.SIGNED:
        carrier_signed_at = target.occurred_at
    return _Move(
        shipment_id=row["shipment_id"],
        status=target.status if target else status,
        status_at=target.occurred_at if target else status_at,
        event_key=target.dedupe_key if target else None,
        last_event_at=new_last,
        carrier_signed_at=carrier_signed_at,
        moved=target is not None,
        before=status,
    )


def _insert_events(events: Sequence[NormalisedEvent], now: dt.datetime) -> int:
    """INSERT … ON CONFLICT DO NOTHING; how many rows were new."""
    if not events:
        return 0
    table = TrackingEvent._meta.db_table
    columns = (
        "shipment_id, occurred_at, status, raw_state, context, area, payload_id, dedupe_key,"
        " created_at"
    )
    rows = [
        (
            e.shipment_id,
            _dt(e.occurred_at),
            e.status,
            e.raw_state[:32],
            e.context,
            e.area[:128],
            e.payload_id,
            e.dedupe_key,
            _dt(now),
        )
        for e in events
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM unnest("  # noqa: S608
                "%s::bigint[], %s::timestamptz[], %s::varchar[], %s::varchar[], %s::text[],"
                " %s::varchar[], %s::bigint[], %s::varchar[], %s::timestamptz[])"
                " ON CONFLICT (shipment_id, dedupe_key) DO NOTHING",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return cursor.rowcount
        inserted = 0
        one = "(" + ", ".join(["%s"] * 9) + ")"
        for start in range(0, len(rows), SQLITE_ROWS):
            part = rows[start : start + SQLITE_ROWS]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
                + ", ".join([one] * len(part))
                + " ON CONFLICT (shipment_id, dedupe_key) DO NOTHING",
                [value for row in part for value in row],
            )
            inserted += cursor.rowcount
        return inserted


def _dt(value: dt.datetime | None):
    """A time as a raw statement binds it: PostgreSQL takes the aware datetime; SQLite
    compares text, so it gets exactly the text Django's own writes store."""
    if value is None or connection.vendor == "postgresql":
        return value
    return connection.ops.adapt_datetimefield_value(value)


def _update_tracking(moves: list[_Move], event_ids: dict, now: dt.datetime) -> None:
    """One UPDATE for the batch, from a list of values joined on the shipment. The rows are
    locked; the guard on ``last_event_at`` keeps it monotonic all the same."""
    table = ShipmentTracking._meta.db_table
    rows = [
        (
            m.shipment_id,
            m.status,
            _dt(m.status_at),
            event_ids.get((m.shipment_id, m.event_key)) if m.moved else None,
            m.moved,
            _dt(m.last_event_at),
            _dt(m.carrier_signed_at),
        )
        for m in moves
    ]
    now = _dt(now)
    sets = (
        "status = CASE WHEN v.moved THEN v.status ELSE t.status END,"
        " status_at = CASE WHEN v.moved THEN v.status_at ELSE t.status_at END,"
        " status_event_id = CASE WHEN v.moved THEN v.event_id ELSE t.status_event_id END,"
        " last_event_at = v.last_event_at,"
        " carrier_signed_at = v.carrier_signed_at,"
        " updated_at = %s"
    )
    guard = "t.last_event_at IS NULL OR t.last_event_at <= v.last_event_at"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM unnest("  # noqa: S608
                "%s::bigint[], %s::varchar[], %s::timestamptz[], %s::bigint[], %s::boolean[],"
                " %s::timestamptz[], %s::timestamptz[])"
                " AS v(shipment_id, status, status_at, event_id, moved, last_event_at,"
                " carrier_signed_at)"
                f" WHERE t.shipment_id = v.shipment_id AND ({guard})",
                [now, *[list(column) for column in zip(*rows, strict=True)]],
            )
            return
        one = "(" + ", ".join(["%s"] * 7) + ")"
        for start in range(0, len(rows), SQLITE_ROWS):
            part = rows[start : start + SQLITE_ROWS]
            cursor.execute(
                "WITH v(shipment_id, status, status_at, event_id, moved, last_event_at,"  # noqa: S608
                " carrier_signed_at) AS (VALUES "
                + ", ".join([one] * len(part))
                + f") UPDATE {table} AS t SET {sets} FROM v"  # noqa: S608
                f" WHERE t.shipment_id = v.shipment_id AND ({guard})",
                [*[value for row in part for value in row], now],
            )


def _sign_ins(sign_ins: dict[int, dt.datetime], now: dt.datetime, result: ApplyResult) -> None:
    """Record the carriers' sign-ins through the orders service, as the system, the batch at
    once. A person's record wins: it is left as it is (the tracking row keeps the carrier's
    time, and the tracking line shows both)."""
    done = tracking_sign_ins_record(sign_ins=sign_ins, now=now, note=str(NOTE_SIGN_IN))
    result.signed += done.signed
    result.sign_in_kept += done.kept
    for shipment_id in done.kept:
        logger.info(
            "tracking: shipment %s signed at %s by the carrier; a person's sign-in stays",
            shipment_id,
            sign_ins[shipment_id].isoformat(),
        )
    for shipment_id, exc in done.refused:
        result.sign_in_refused.append(shipment_id)
        logger.warning(
            "tracking: the sign-in of shipment %s at %s was refused: %s (%s)",
            shipment_id,
            sign_ins[shipment_id].isoformat(),
            exc.message,
            exc.code,
        )


def sign_in_conflict(*, shipment: Shipment, tracking: ShipmentTracking | None) -> bool:
    """A person recorded a sign-in the carrier's differs from (the person's stays)."""
    if tracking is None or tracking.carrier_signed_at is None:
        return False
    if shipment.sign_source != SignSource.PERSON:
        return False
    if shipment.sign_precision == SignPrecision.EXACT:
        return shipment.signed_at != tracking.carrier_signed_at
    if shipment.sign_precision == SignPrecision.DATE:
        return shipment.signed_on != tracking.carrier_signed_at.astimezone(SHANGHAI).date()
    return True


# --- silence ---------------------------------------------------------------------------------


def mark_no_update(*, shipment_ids: Sequence[int], now: dt.datetime) -> int:
    """Kuaidi100 gave up on these waybills ("3天查询无记录", "60天无变化"): a parcel on its way
    is now silent. ``status_at`` stays the time of its last event, so any later event moves
    it again; a signed or problem parcel keeps its status."""
    if not shipment_ids:
        return 0
    ShipmentTracking.objects.bulk_create(
        [ShipmentTracking(shipment_id=sid) for sid in sorted(shipment_ids)],
        ignore_conflicts=True,
    )
    return (
        ShipmentTracking.objects.filter(shipment_id__in=shipment_ids, status__in=MOVING)
        .exclude(status=TrackingStatus.NO_UPDATE)
        .update(status=TrackingStatus.NO_UPDATE, updated_at=now)
    )


def sweep_silent(*, now: dt.datetime, hours: int) -> int:
    """One UPDATE: a parcel on its way with no event for ``hours`` is ``no_update``. Its
    ``status_at`` stays its last event's time (silent since then). Safe twice at once: the
    second finds nothing left to mark."""
    cutoff = now - dt.timedelta(hours=hours)
    return ShipmentTracking.objects.filter(status__in=MOVING[1:], last_event_at__lt=cutoff).update(
        status=TrackingStatus.NO_UPDATE, updated_at=now
    )


def sweep_never_heard(*, now: dt.datetime, hours: int) -> int:
    """Shipments sent ``hours`` ago that no carrier ever told us of: one INSERT … SELECT of
    their tracking rows as ``no_update`` (ON CONFLICT DO NOTHING)."""
    cutoff = now - dt.timedelta(hours=hours)
    tracked = ShipmentTracking._meta.db_table
    shipments = Shipment._meta.db_table
    sql = (
        f"INSERT INTO {tracked} (shipment_id, status, subscribed, carrier_code, updated_at)"  # noqa: S608
        f" SELECT s.id, %s, %s, '', %s FROM {shipments} s"
        f" WHERE s.shipped_at < %s AND s.shipped_at >= %s AND s.waybill_no <> ''"
        " AND s.sign_precision = %s AND s.direction <> %s"
        f" AND NOT EXISTS (SELECT 1 FROM {tracked} x WHERE x.shipment_id = s.id)"
        " ON CONFLICT (shipment_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                TrackingStatus.NO_UPDATE.value,
                False,
                _dt(now),
                _dt(cutoff),
                _dt(now - dt.timedelta(days=POLL_MAX_AGE_DAYS)),
                SignPrecision.NONE.value,
                ShipmentDirection.RETURN.value,
            ],
        )
        return cursor.rowcount


# --- polling ---------------------------------------------------------------------------------

# A parcel still unsigned this long after shipping is left to people.
POLL_MAX_AGE_DAYS = 60


def shipments_due(*, now: dt.datetime, hours: int, limit: int) -> list[Shipment]:
    """Shipments to ask a carrier about: with a carrier and a waybill, shipped within the
    last two months, not signed (by tracking or anyone), not asked within ``hours``."""
    cutoff = now - dt.timedelta(hours=hours)
    return list(
        Shipment.objects.filter(
            carrier__isnull=False,
            shipped_at__gte=now - dt.timedelta(days=POLL_MAX_AGE_DAYS),
            shipped_at__lte=now,
            sign_precision=SignPrecision.NONE,
        )
        .exclude(waybill_no="")
        .filter(
            Q(tracking__isnull=True)
            | Q(tracking__last_polled_at__isnull=True)
            | Q(tracking__last_polled_at__lt=cutoff)
        )
        .exclude(tracking__status=TrackingStatus.SIGNED)
        .select_related("carrier", "order")
        .order_by("id")[:limit]
    )


def poll_due(*, now: dt.datetime, adapters: Sequence, hours: int, limit: int = 500) -> ApplyResult:
    """Ask each adapter about the due shipments of its carriers; apply what it says. The
    shipments are claimed first (``last_polled_at``, one conditional UPDATE), so a second
    run at once skips them."""
    result = ApplyResult()
    due = shipments_due(now=now, hours=hours, limit=limit)
    if not due:
        return result
    ids = [s.pk for s in due]
    cutoff = now - dt.timedelta(hours=hours)
    ShipmentTracking.objects.bulk_create(
        [ShipmentTracking(shipment_id=sid) for sid in ids], ignore_conflicts=True
    )
    claimed = ShipmentTracking.objects.filter(shipment_id__in=ids).filter(
        Q(last_polled_at__isnull=True) | Q(last_polled_at__lt=cutoff)
    )
    claimed_ids = set(claimed.values_list("shipment_id", flat=True))
    ShipmentTracking.objects.filter(shipment_id__in=claimed_ids).filter(
        Q(last_polled_at__isnull=True) | Q(last_polled_at__lt=cutoff)
    ).update(last_polled_at=now)
    shipments = [s for s in due if s.pk in claimed_ids]
    for adapter in adapters:
        mine = [s for s in shipments if adapter.serves(s.carrier.code)]
        if not mine:
            continue
        try:
            events = adapter.fetch(mine, now=now)
        except Exception:  # one carrier down must not stop the others
            logger.exception("tracking: adapter %s failed", type(adapter).__name__)
            continue
        result.add(apply_events(events, now=now))
    return result
