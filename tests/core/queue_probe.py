"""Enqueue one Django task through the configured backend (huey's djhuey backend), wait for a
consumer in another process to run it, print what the backend then reports, as JSON.

Run by tests/core/test_task_queue.py as ``python -m tests.core.queue_probe`` with the settings
and environment of the storage under test; ``--flush`` empties that storage afterwards.
"""

import json
import os
import sys
import time

import django


def main() -> int:
    django.setup()
    from huey.contrib.djhuey import HUEY

    from tests.core.queue_tasks import double

    result = double.enqueue(21)
    queued = HUEY.storage.queue_size()
    deadline = time.monotonic() + 30
    while not result.is_finished and time.monotonic() < deadline:
        time.sleep(0.1)
        result.refresh()
    print(
        json.dumps(
            {
                "storage": type(HUEY.storage).__name__,
                "queued_after_enqueue": queued,
                "status": str(result.status),
                "return_value": result.return_value if result.is_finished else None,
                "worker_ids": result.worker_ids,
                "probe_pid": os.getpid(),
                "backend": type(double.get_backend()).__module__,
            }
        )
    )
    if "--flush" in sys.argv:
        HUEY.storage.flush_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
