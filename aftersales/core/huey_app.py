"""The huey instance behind Django's Tasks API.

SQLite storage by default (one machine, no server); ``HUEY_STORAGE=redis`` when the shop
outgrows it. Run the consumer with ``python manage.py run_huey``.
"""

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey


def make_huey(conf: dict[str, Any]) -> Huey:
    immediate = conf.get("immediate", False)
    if conf["storage"] == "redis":
        return RedisHuey(conf["name"], url=conf["url"], immediate=immediate)
    if conf["storage"] == "memory":
        return MemoryHuey(conf["name"], immediate=immediate)
    return SqliteHuey(conf["name"], filename=conf["filename"], immediate=immediate)


def run_by_path(task_path: str, args: list[Any], kwargs: dict[str, Any]) -> object:
    """Run a Django task by its import path, as the consumer does."""
    task = import_string(task_path)
    return task.call(*args, **kwargs)


huey = make_huey(settings.HUEY)
# Retries cover a database that blinked or a sender that was down for a moment.
run_django_task = huey.task(retries=3, retry_delay=10, name="run_django_task")(run_by_path)
