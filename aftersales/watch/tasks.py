"""The follow-up sweep, every ten minutes (see ``aftersales.watch.sweep``)."""

from django.utils import timezone
from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.watch.sweep import followups_sweep


@task()
def sweep_followups() -> dict:
    """Close the follow-ups of orders that left the watch, raise what the rules say. Safe to
    run twice at once (see the sweep's docstring)."""
    result = followups_sweep(now=timezone.now())
    return {"raised": result.raised, "expired": result.expired}


# huey's scheduler enqueues this; it only hands the work to the Django task, so the run is
# recorded like any other.
@db_periodic_task(crontab(minute="*/10"))
def sweep_followups_every_10_minutes() -> None:
    sweep_followups.enqueue()
