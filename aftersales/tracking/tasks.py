"""The tracking's periodic work: poll the shipments due through the configured adapters, and
mark parcels on their way that stopped saying anything. Each periodic job only enqueues a
Django task, so every run is recorded like any other."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.tracking.adapters import configured_adapters
from aftersales.tracking.services import poll_due, sweep_never_heard, sweep_silent

# Ask a carrier again about a parcel after this many hours (Kuaidi100 re-checks ~4-hourly).
POLL_EVERY_HOURS = 4
# A parcel on its way with no event for this long is "no update".
SILENT_AFTER_HOURS = 48
# Shipments per polling round; the job loops until none is due.
POLL_BATCH = 500
POLL_ROUNDS = 40


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@task()
def poll_tracking() -> dict:
    now = timezone.now()
    adapters = configured_adapters()
    totals = {"rounds": 0, "events_new": 0, "moved": 0}
    if not adapters:
        return totals
    hours = _setting("TRACKING_POLL_EVERY_HOURS", POLL_EVERY_HOURS)
    for _round in range(POLL_ROUNDS):
        result = poll_due(now=now, adapters=adapters, hours=hours, limit=POLL_BATCH)
        totals["rounds"] += 1
        totals["events_new"] += result.events_new
        totals["moved"] += result.shipments_moved
        if result.events_seen == 0 and result.shipments_moved == 0:
            break
    return totals


@task()
def sweep_tracking() -> dict:
    now = timezone.now()
    hours = _setting("TRACKING_SILENT_AFTER_HOURS", SILENT_AFTER_HOURS)
    return {
        "silent": sweep_silent(now=now, hours=hours),
        "never_heard": sweep_never_heard(now=now, hours=hours),
    }


@db_periodic_task(crontab(minute="*/30"))
def poll_tracking_every_30_minutes() -> None:
    poll_tracking.enqueue()


@db_periodic_task(crontab(minute="15"))
def sweep_tracking_hourly() -> None:
    sweep_tracking.enqueue()
