"""The problem-parcel sweep, every ten minutes (see ``aftersales.parcels.services.sweep``)."""

from django.utils import timezone
from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.parcels.services.sweep import problems_mirror_sync, problems_resolve_delivered


@task()
def sweep_problem_parcels() -> dict:
    """Resolve the problem parcels signed for since, batch after batch, and close the open
    mirror of cases the refund ledger completed. Safe to run twice at once."""
    now = timezone.now()
    resolved = 0
    while moved := problems_resolve_delivered(now=now):
        resolved += moved
    return {"resolved": resolved, "mirrors_closed": problems_mirror_sync()}


# huey's scheduler enqueues this; it only hands the work to the Django task, so the run is
# recorded like any other.
@db_periodic_task(crontab(minute="*/10"))
def sweep_problem_parcels_every_10_minutes() -> None:
    sweep_problem_parcels.enqueue()
