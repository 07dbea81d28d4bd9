from django.utils import timezone
from django_tasks import task

from aftersales.cases.services import cases_escalate_overdue


@task()
def escalate_overdue_cases() -> int:
    total = 0
    while escalated := cases_escalate_overdue(now=timezone.now()):
        total += escalated
    return total
