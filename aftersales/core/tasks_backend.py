"""A django-tasks backend that hands each task to huey.

Django's Tasks API is what the code calls (``task.enqueue(...)``); huey is what stores,
schedules and runs the work. This adapter only translates one call into the other.
"""

from typing import Any

from django.utils import timezone
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id


class HueyBackend(BaseTaskBackend):
    supports_defer = True
    supports_async_task = False
    supports_get_result = False

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        from aftersales.core.huey_app import run_django_task

        self.validate_task(task)
        task_path = task.module_path
        if task.run_after is not None:
            run_django_task.schedule(args=(task_path, list(args), dict(kwargs)), eta=task.run_after)
        else:
            run_django_task(task_path, list(args), dict(kwargs))
        now = timezone.now()
        return TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=now,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
