"""Database connections do not leak: gunicorn serving 1,000 requests over 100 concurrent
connections holds at most one PostgreSQL session per request it can have in hand at once
(workers, times threads for gthread), during the load and after it, and none once stopped.

The server runs in a subprocess on this test's database (pytest-django's, committed by
``transactional_db``); the sessions are counted on this test's own connection, which
pg_stat_activity shows too and the count leaves out."""

import pytest
from django.db import connection

from tests.serving.server import (
    SESSIONS_SQL,
    base_env,
    gunicorn,
    load_and_count,
    wait_for_sessions,
)

PATHS = ["/health/", "/accounts/login/"]  # /health/ runs SELECT 1

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="counts PostgreSQL sessions; set DATABASE_URL=postgres://… to run it",
    ),
]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


def _sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(SESSIONS_SQL, [connection.settings_dict["NAME"]])
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("worker_class", "workers", "threads"), [("sync", 3, 1), ("gthread", 2, 4)]
)
def test_sessions_stay_within_what_gunicorn_can_serve_at_once(
    transactional_db, static_root, tmp_path, worker_class, workers, threads
):
    env = base_env(tmp_path, static_root, _database_url())
    with (tmp_path / "gunicorn.log").open("w") as log:
        with gunicorn(
            env, worker_class=worker_class, workers=workers, threads=threads, log=log
        ) as server:
            report = load_and_count(server, _sessions, PATHS, total=1000, concurrency=100)
    report.sessions_after_stop = wait_for_sessions(_sessions)
    print("\n".join(report.lines()))

    assert report.statuses == {200: 1000}, (tmp_path / "gunicorn.log").read_text()[-3000:]
    assert server.capacity == workers * threads
    assert report.sessions_peak <= server.capacity
    assert report.sessions_after <= server.capacity
    assert report.sessions_after >= 1  # persistent (CONN_MAX_AGE): kept, not reopened each time
    assert report.sessions_after_stop == 0
