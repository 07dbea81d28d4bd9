"""The huey instance behind Django's Tasks API.

SQLite storage by default (one machine, no server); ``HUEY_STORAGE=redis`` when the shop
outgrows it. Run the consumer with ``python manage.py run_huey``.
"""

from django.conf import settings
from django.utils.module_loading import import_string
from huey import MemoryHuey, RedisHuey, SqliteHuey


def _make_huey():
    conf = settings.HUEY
    immediate = conf.get("immediate", False)
    if conf["storage"] == "redis":
        return RedisHuey(conf["name"], url=conf["url"], immediate=immediate)
    if conf["storage"] == "memory":
        return MemoryHuey(conf["name"], immediate=immediate)
    return SqliteHuey(conf["name"], filename=conf["filename"], immediate=immediate)


huey = _make_huey()


@huey.task(retries=3, retry_delay=10)
def run_django_task(task_path: str, args: list, kwargs: dict) -> object:
    """Run a Django task by its import path. Retries cover a database that blinked."""
    task = import_string(task_path)
    return task.call(*args, **kwargs)
