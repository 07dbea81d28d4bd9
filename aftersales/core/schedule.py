"""Periodic jobs, on huey's scheduler. Each only enqueues a Django task; the consumer started
by ``manage.py run_huey`` imports this module so the schedule is known."""

from huey import crontab

from aftersales.core.huey_app import huey


@huey.periodic_task(crontab(minute="*/5"))
def escalate_overdue_cases_every_5_minutes() -> None:
    from aftersales.cases.tasks import escalate_overdue_cases

    escalate_overdue_cases.enqueue()
