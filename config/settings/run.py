"""What `make run` serves: production's stack (gunicorn, whitenoise, the huey consumer, DEBUG
off) on one machine over plain HTTP, with nothing to set. The secret key is the one base.py
keeps in var/; SECRET_KEY in the environment still wins."""

import os

from .base import *  # noqa: F403
from .base import env_list

DEBUG = False


def _allowed_hosts() -> list[str]:
    hosts = env_list("ALLOWED_HOSTS")
    if hosts:
        return hosts
    host = os.environ.get("HOST", "127.0.0.1")
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 - `make run HOST=0.0.0.0`: any address it answers on
        return ["*"]
    return sorted({"127.0.0.1", "localhost", "[::1]", host})


ALLOWED_HOSTS = _allowed_hosts()

# `make run` is the demo: its parcels are tracked by the simulated carrier unless adapters are
# named in the environment.
TRACKING_ADAPTERS = env_list("TRACKING_ADAPTERS") or [
    "aftersales.tracking.adapters.SimulatedCarrierAdapter"
]
