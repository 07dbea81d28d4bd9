"""gunicorn in a subprocess and a crowd of HTTP clients: for the serving tests and for
``python -m tests.serving.conn_check`` (``make conn-check``)."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[2]

# Sessions of one database, not counting the connection that asks.
SESSIONS_SQL = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
    " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO,
        env=env,
        check=True,
    )


def get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 60):
    """One request on a connection of its own; returns (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    worker_class: str
    workers: int
    threads: int

    @property
    def capacity(self) -> int:
        """Requests (and so database connections) the server can have in hand at once."""
        return self.workers * (self.threads if self.worker_class == "gthread" else 1)

    def describe(self) -> str:
        if self.worker_class == "gthread":
            return f"gthread, {self.workers} workers x {self.threads} threads"
        return f"{self.worker_class}, {self.workers} workers"


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str],
    *,
    worker_class: str = "sync",
    workers: int = 2,
    threads: int = 1,
    log: IO[str] | int = subprocess.DEVNULL,
    ready_path: str = "/health/",
) -> Iterator[Server]:
    """gunicorn with config/gunicorn.conf.py, as `make run` starts it, on a free port; stopped
    (SIGTERM, gunicorn's graceful shutdown) when the block ends."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"),
        *("--bind", f"127.0.0.1:{port}", "--worker-class", worker_class),
        *("--workers", str(workers), "--threads", str(threads)),
    ]
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command,
        cwd=REPO,
        env={"GUNICORN_ACCESSLOG": "", **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(process, port, worker_class, workers, threads)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}")
            try:
                get(port, ready_path, timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fire(port: int, paths: Sequence[str], *, total: int, concurrency: int) -> Counter[int]:
    """``total`` GETs from ``concurrency`` threads at once, each request on a connection of its
    own (a sync worker closes every connection after its response), cycling through ``paths``.
    Returns the count of each status; a request that fails to connect counts as 0."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    next_index = iter(range(total))
    start = threading.Barrier(concurrency)

    def client() -> None:
        start.wait()
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                return
            try:
                status = get(port, paths[index % len(paths)])[0]
            except OSError:
                status = 0
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@dataclass
class LoadReport:
    server: str
    capacity: int
    requests: int
    concurrency: int
    statuses: dict[int, int]
    seconds: float
    sessions_before: int
    sessions_peak: int
    sessions_after: int
    sessions_after_stop: int | None = None

    def lines(self) -> list[str]:
        return [
            f"server:               gunicorn {self.server} (at most {self.capacity} at once)",
            f"requests:             {self.requests} over {self.concurrency} concurrent connections"
            f" in {self.seconds:.1f} s, statuses {self.statuses}",
            f"sessions before:      {self.sessions_before}",
            f"sessions peak:        {self.sessions_peak} (sampled during the load)",
            f"sessions after:       {self.sessions_after}",
            f"sessions after stop:  {self.sessions_after_stop}",
        ]


def load_and_count(
    server: Server,
    count_sessions,
    paths: Sequence[str],
    *,
    total: int = 1000,
    concurrency: int = 100,
) -> LoadReport:
    """Fire the load from other threads while this one samples PostgreSQL's session count
    through ``count_sessions()`` (which runs SESSIONS_SQL on this thread's own connection)."""
    before = count_sessions()
    result: dict[str, Counter[int]] = {}
    started = time.monotonic()
    loader = threading.Thread(
        target=lambda: result.update(
            statuses=fire(server.port, paths, total=total, concurrency=concurrency)
        )
    )
    loader.start()
    peak = before
    while loader.is_alive():
        peak = max(peak, count_sessions())
        time.sleep(0.02)
    loader.join()
    seconds = time.monotonic() - started
    after = count_sessions()
    return LoadReport(
        server=server.describe(),
        capacity=server.capacity,
        requests=total,
        concurrency=concurrency,
        statuses=dict(sorted(result["statuses"].items())),
        seconds=seconds,
        sessions_before=before,
        sessions_peak=max(peak, after),
        sessions_after=after,
    )


def wait_for_sessions(count_sessions, expected: int = 0, timeout: float = 15) -> int:
    """PostgreSQL ends a backend shortly after its client goes away: wait for that."""
    deadline = time.monotonic() + timeout
    while (sessions := count_sessions()) > expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return sessions


def base_env(var_dir: Path, static_root: Path, database_url: str | None) -> dict[str, str]:
    """The environment `make run` gives gunicorn, kept to ``var_dir``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.run",
        "AFTERSALES_VAR_DIR": str(var_dir),
        "STATIC_ROOT": str(static_root),
        "HUEY_STORAGE": "sqlite",
    }
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env
