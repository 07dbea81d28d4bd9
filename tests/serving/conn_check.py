"""PostgreSQL sessions held by gunicorn under load: ``make conn-check``.

Builds a database of its own (``aftersales_conncheck`` on 127.0.0.1, dropped and created; set
CONN_CHECK_DATABASE_URL for another, whose name must contain "conncheck"), migrates it,
collects the static files, then for a sync and a gthread gunicorn (config/gunicorn.conf.py,
the settings `make run` serves with) fires the requests at /health/ (SELECT 1) and the login
page and prints the sessions of that database before, at the peak during, after the load and
after gunicorn stopped. The monitoring connection is not counted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from tests.serving.server import (
    REPO,
    SESSIONS_SQL,
    base_env,
    collectstatic,
    gunicorn,
    load_and_count,
    wait_for_sessions,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersales_conncheck"
PATHS = ["/health/", "/accounts/login/"]


def _fresh_database(url: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info["dbname"]
    if "conncheck" not in name:
        sys.exit(f"CONN_CHECK_DATABASE_URL names {name!r}; it is dropped, so it must say conncheck")
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4, help="sync workers")
    parser.add_argument("--gthread-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    args = parser.parse_args()

    url = os.environ.get("CONN_CHECK_DATABASE_URL", DEFAULT_URL)
    name = _fresh_database(url)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="conncheck-") as tmp:
        var_dir, static_root = Path(tmp, "var"), Path(tmp, "static")
        env = base_env(var_dir, static_root, url)
        print(f"database: {name} (migrating, collecting static files)", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=REPO,
            env=env,
            check=True,
        )
        collectstatic(env)
        print(f"CONN_MAX_AGE={env.get('CONN_MAX_AGE', '60 (default)')}, paths {PATHS}\n")

        with psycopg.connect(url, autocommit=True) as monitor:

            def sessions() -> int:
                return monitor.execute(SESSIONS_SQL, [name]).fetchone()[0]

            for worker_class, workers, threads in [
                ("sync", args.workers, 1),
                ("gthread", args.gthread_workers, args.threads),
            ]:
                with gunicorn(
                    env, worker_class=worker_class, workers=workers, threads=threads
                ) as server:
                    report = load_and_count(
                        server,
                        sessions,
                        PATHS,
                        total=args.requests,
                        concurrency=args.concurrency,
                    )
                report.sessions_after_stop = wait_for_sessions(sessions)
                ok = (
                    report.statuses == {200: args.requests}
                    and report.sessions_peak <= report.capacity
                    and report.sessions_after_stop == 0
                )
                failures += not ok
                print("\n".join(report.lines()))
                print(f"verdict:              {'OK' if ok else 'FAIL'}\n", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
