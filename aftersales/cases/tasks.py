from django.utils import timezone
from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.cases.services import cases_escalate_overdue


@task()
def escalate_overdue_cases() -> int:
    total = 0
    while escalated := cases_escalate_overdue(now=timezone.now()):
        total += escalated
    return total


# huey's scheduler, in the one consumer that runs with periodic tasks on (`manage.py run_huey`
# finds this module by autodiscovery), enqueues this every five minutes; it only hands the work
# to the Django task, so the run is recorded like any other.
@db_periodic_task(crontab(minute="*/5"))
def escalate_overdue_cases_every_5_minutes() -> None:
    escalate_overdue_cases.enqueue()
