from django.utils import timezone
from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.logistics.services.flags import sweep


@task()
def preship_sweep() -> dict[str, int]:
    """Bring the pre-ship flags up to date (set-based; see logistics.services.flags)."""
    result = sweep(now=timezone.now())
    return {"parsed": result.parsed, "removed": result.removed, "raised": result.raised}


# Enqueued every five minutes by huey's scheduler (the consumer started with periodic tasks
# finds this module by autodiscovery); the work runs as a Django task, recorded like any other.
@db_periodic_task(crontab(minute="*/5"))
def preship_sweep_every_5_minutes() -> None:
    preship_sweep.enqueue()
