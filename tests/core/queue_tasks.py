"""A Django task for the queue tests, importable by a consumer in another process."""

import os

from django_tasks import task


@task()
def double(value: int) -> dict[str, int]:
    return {"doubled": value * 2, "pid": os.getpid()}
