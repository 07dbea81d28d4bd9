"""Django's Tasks API on huey, through huey's own glue (``huey.contrib.djhuey``).

In the suite, djhuey's instance is a MemoryHuey in immediate mode (config/settings/test.py):
an enqueued task runs at once, through the same backend and huey task as in production. The
real storages are proved end to end in other processes, since djhuey builds its instance from
settings once: one process enqueues through the backend, `manage.py run_huey` (djhuey's
consumer) runs the task, the first reads the result back through the backend. On SQLite (the
default) and on Redis.
"""

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_finished
from huey import MemoryHuey
from huey.contrib.djhuey import HUEY
from huey.contrib.djhuey.tasks_backend import HueyBackend

from aftersales.cases.tasks import escalate_overdue_cases_every_5_minutes
from tests.core.queue_tasks import double

REPO = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def test_the_suite_runs_tasks_through_huey_in_immediate_mode():
    assert isinstance(HUEY, MemoryHuey)
    assert HUEY.immediate
    assert isinstance(task_backends["default"], HueyBackend)
    assert settings.TASKS["default"]["BACKEND"] == "huey.contrib.djhuey.tasks_backend.HueyBackend"


def test_a_django_task_round_trips_through_the_backend():
    result = double.enqueue(21)

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"doubled": 42, "pid": os.getpid()}
    again = double.get_result(result.id)
    assert (again.status, again.return_value) == (result.status, result.return_value)


def test_escalation_is_a_periodic_job_every_five_minutes():
    task_class = escalate_overdue_cases_every_5_minutes.task_class
    assert task_class in HUEY._registry._periodic_tasks
    periodic = task_class()
    at = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
    due = [m for m in range(60) if periodic.validate_datetime(at.replace(minute=m))]
    assert due == list(range(0, 60, 5))


@pytest.mark.django_db
def test_the_periodic_job_runs_the_django_task():
    finished = []

    def record(sender, task_result, **kwargs):
        finished.append(task_result)

    task_finished.connect(record)
    try:
        escalate_overdue_cases_every_5_minutes.call_local()
    finally:
        task_finished.disconnect(record)

    [result] = finished
    assert result.task.module_path == "aftersales.cases.tasks.escalate_overdue_cases"
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, 0)


def _round_trip_with_a_consumer(tmp_path: Path, storage_env: dict[str, str]) -> tuple[dict, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.run",
        "AFTERSALES_VAR_DIR": str(tmp_path),
        "HUEY_NAME": f"test-{uuid.uuid4().hex[:12]}",
        **storage_env,
    }
    env.pop("DATABASE_URL", None)  # the task needs no database; keep the run to tmp_path
    log_path = tmp_path / "consumer.log"
    with log_path.open("w") as log:
        consumer = subprocess.Popen(
            # --no-periodic: a periodic job due while the test runs would want a database.
            [sys.executable, "manage.py", "run_huey", "--workers", "2", "--no-periodic"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            probe = subprocess.run(
                [sys.executable, "-m", "tests.core.queue_probe", "--flush"],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        finally:
            consumer.send_signal(signal.SIGINT)  # huey's graceful shutdown
            try:
                consumer.wait(timeout=20)
            except subprocess.TimeoutExpired:
                consumer.kill()
                consumer.wait()
    consumer_log = log_path.read_text()
    assert probe.returncode == 0, probe.stderr + consumer_log
    return json.loads(probe.stdout.strip().splitlines()[-1]), consumer_log


def _assert_run_by_the_consumer(report: dict, consumer_log: str, storage: str) -> None:
    assert report["storage"] == storage
    assert report["backend"] == "huey.contrib.djhuey.tasks_backend"
    assert report["queued_after_enqueue"] in (0, 1)  # the consumer may already have taken it
    assert report["status"] == "SUCCESSFUL", consumer_log
    consumer_pid = report["return_value"]["pid"]
    assert report["return_value"]["doubled"] == 42
    assert consumer_pid != report["probe_pid"]
    assert report["worker_ids"] == [f"{socket.gethostname()}.{consumer_pid}"]
    # djhuey's run_huey found every app's tasks module, the periodic escalation included.
    assert "aftersales.cases.tasks.escalate_overdue_cases_every_5_minutes" in consumer_log
    assert "Periodic tasks are disabled" in consumer_log


def test_sqlite_storage_with_a_real_consumer(tmp_path):
    report, log = _round_trip_with_a_consumer(tmp_path, {"HUEY_STORAGE": "sqlite"})
    _assert_run_by_the_consumer(report, log, "SqliteStorage")
    assert (tmp_path / "huey.sqlite3").exists()


@pytest.mark.skipif(
    not _redis_answers() and not os.environ.get("CI"),
    reason="Redis does not answer on 127.0.0.1:6379 (CI always has it)",
)
def test_redis_storage_with_a_real_consumer(tmp_path):
    report, log = _round_trip_with_a_consumer(
        tmp_path, {"HUEY_STORAGE": "redis", "REDIS_URL": "redis://127.0.0.1:6379/15"}
    )
    _assert_run_by_the_consumer(report, log, "RedisStorage")
