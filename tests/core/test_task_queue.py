"""Django tasks round-trip through huey's real storages: SQLite (the default) and Redis."""

import os
import socket
import uuid

import pytest
from django_tasks import task as django_task

from aftersales.core.huey_app import make_huey, run_by_path

CALLS: list[int] = []


@django_task()
def record(value: int) -> int:
    CALLS.append(value)
    return value * 2


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _round_trip(huey) -> int:
    task = huey.task(name="run_django_task")(run_by_path)
    result = task(record.module_path, [21], {})
    assert huey.pending_count() == 1
    # What a consumer's worker does with the next message in the queue.
    huey.execute(huey.dequeue())
    assert huey.pending_count() == 0
    return result.get()


def test_sqlite_storage_runs_a_django_task(tmp_path):
    CALLS.clear()
    huey = make_huey(
        {"name": "t-sqlite", "storage": "sqlite", "filename": str(tmp_path / "huey.db")}
    )
    assert _round_trip(huey) == 42
    assert CALLS == [21]


@pytest.mark.skipif(
    not _redis_answers() and not os.environ.get("CI"),
    reason="Redis does not answer on 127.0.0.1:6379 (CI always has it)",
)
def test_redis_storage_runs_a_django_task():
    CALLS.clear()
    huey = make_huey(
        {"name": f"t-{uuid.uuid4().hex}", "storage": "redis", "url": "redis://127.0.0.1:6379/15"}
    )
    try:
        assert _round_trip(huey) == 42
        assert CALLS == [21]
    finally:
        huey.flush()
