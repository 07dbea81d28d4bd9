from .base import *  # noqa: F403
from .base import HUEY, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"
# Tests run tasks in-process through huey's immediate mode: the same code path as the
# consumer, without a second process.
HUEY = {**HUEY, "immediate": True, "storage": "memory"}
LANGUAGE_CODE = "zh-hans"
