"""The penalty job: on the 1st of each month at 02:00 Shanghai time, the month before is
scored and the penalty policy applied (``services.penalties_apply``). Safe to run again or
twice at once; ``manage.py apply_penalties --month YYYY-MM`` runs it for a given month."""

from django.utils import timezone
from django_tasks import task
from huey.contrib.djhuey import db_periodic_task

from aftersales.scorecards import policies
from aftersales.scorecards.services import penalties_apply


@task()
def apply_penalties(month: str | None = None) -> dict:
    """``month`` as YYYY-MM; the month before today's (in Shanghai) when not given."""
    now = timezone.now()
    target = policies.parse_month(month) if month else policies.previous_month(now)
    if target is None:
        raise ValueError(f"not a month: {month!r}")
    result = penalties_apply(month=target, now=now)
    return {
        "month": f"{result.month:%Y-%m}",
        "penalties_new": result.penalties_new,
        "revocations_new": result.revocations_new,
    }


# huey's scheduler hands its validator a naive UTC time (huey's ``utc=True``, the default), and
# a crontab would match it in UTC: 02:00 on the 1st in Shanghai is 18:00 UTC on the last day of
# the month before, which a crontab cannot say. So the minute is checked in Shanghai time.
@db_periodic_task(policies.first_of_month_at_2_shanghai)
def apply_penalties_monthly() -> None:
    apply_penalties.enqueue()
