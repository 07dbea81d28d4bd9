from .base import *  # noqa: F403
from .base import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"
# Tests run tasks in-process through huey's immediate mode (djhuey reads "immediate" and
# "huey_class" from this dict): the same backend and task code path as the consumer, without
# a second process. The real storages and a real consumer are in tests/core/test_task_queue.py.
HUEY = {"name": "aftersales-test", "huey_class": "huey.MemoryHuey", "immediate": True}
# Tests never run collectstatic: plain storage, files found where they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "zh-hans"
