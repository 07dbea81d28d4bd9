"""``python -m loadtest`` (``make load``) — a Double 11 day against the production server.

In a PostgreSQL database of its own (``aftersales_load`` on 127.0.0.1, emptied every run;
``LOAD_DATABASE_URL`` names another, which must have "load" in its name): migrates, loads the
demo, imports a seller-centre export of ``--orders`` orders for the demo's first shop, then
serves the product exactly as ``make run`` does (gunicorn with config/gunicorn.conf.py and
config.settings.run, the huey consumer beside it) and drives it with locust, headless and
bounded (``--users`` people for ``--duration`` seconds; the mix is loadtest/locustfile.py).
Then, in the same run and on the same database, pgbench measures the database's raw
transaction rate (its TPC-B-like script and its select-only one), so the product's throughput
reads beside what the database alone does on this machine.

Prints requests, throughput and p50/p95/p99 per operation and the errors, and exits 1 when
any request failed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersales_load"
PY = sys.executable


def main() -> int:
    args = _arguments()
    url = os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL)
    name = urlsplit(url).path.lstrip("/")
    if "load" not in name:
        sys.exit(
            f"LOAD_DATABASE_URL must name a database with 'load' in it (it is emptied): {name}"
        )
    out = ROOT / "var" / "load"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.run",
        "HOST": "127.0.0.1",
        "PORT": str(args.port),
        "GUNICORN_ACCESSLOG": "",
        "GUNICORN_LOGLEVEL": "warning",
        # The huey consumer of this run keeps its queue apart from `make run`'s.
        "HUEY_NAME": "aftersales_load",
    }
    _say(f"database {url}")
    _recreate(url, name)
    started = time.perf_counter()
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "load_demo")
    _say(f"migrated and loaded the demo in {time.perf_counter() - started:.0f} s")
    pool = _prepare(env, out, args)
    _say(
        f"{len(pool['orders']):,} orders ready for cases; "
        f"{len(pool['imports'])} export files for the importer"
    )
    _manage(env, "collectstatic", "--noinput", "-v0")

    servers = _serve(env, args.port, out)
    try:
        stats = _locust(env, args, pool, out)
    finally:
        for proc in servers:
            proc.send_signal(signal.SIGINT)
        for proc in servers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    raw = _pgbench(url, args)
    return _report(stats, raw, args, out)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=40, help="simulated people (40)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="people started per second")
    parser.add_argument("--duration", type=int, default=120, help="seconds of load (120)")
    parser.add_argument("--orders", type=int, default=20_000, help="orders imported first (20,000)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pgbench-seconds", type=int, default=30)
    return parser.parse_args()


def _say(*lines: str) -> None:
    for line in lines:
        print(line, flush=True)


def _recreate(url: str, name: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _manage(env: dict, *argv: str) -> None:
    subprocess.run(
        [PY, "manage.py", *argv], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


_PREPARE = r"""
import json, sys, tempfile
from decimal import Decimal, ROUND_DOWN
from pathlib import Path

import django
django.setup()
from django.db.models import Count
from django.utils import timezone

from aftersales.accounts.models import Shop, User
from aftersales.demo.data import staff_table
from aftersales.orders.models import Order, OrderLine
from aftersales.orders.services import order_import_files
from bench.exports import write_export

out, orders, imports = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
supervisor = User.objects.get(username="supervisor")
shop = supervisor.shops.order_by("pk").first()
work = Path(tempfile.mkdtemp(prefix="aftersales-load-"))
export = write_export(work, orders, realistic=True, seed=23)
report = order_import_files(
    shop=shop, actor=supervisor, orders_file=export.orders_path, items_file=export.items_path,
    now=timezone.now(),
)
assert not report.errors, report.errors[:3]
files = []
for i in range(imports):
    d = out / f"import-{i}"
    d.mkdir()
    files.append(str(write_export(d, 2_000, realistic=True, seed=100 + i).orders_path))
# One line of each order without a case: one unit of it is what a case returns and refunds.
lines = (
    OrderLine.objects.filter(order__shop=shop, amount_paid__gt=0, order__cases__isnull=True)
    .select_related("order")
    .order_by("order_id", "line_no")
)
pool, seen = [], set()
for line in lines.iterator():
    if line.order_id in seen:
        continue
    seen.add(line.order_id)
    unit = (line.amount_paid / line.quantity).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    if unit > 0:
        pool.append([line.order_id, line.pk, str(unit)])
users = {u: p for u, _r, p, _n, _s in staff_table()}
(out / "pool.json").write_text(json.dumps(
    {"shop_id": shop.pk, "orders": pool, "imports": files, "users": users}
))
"""


def _prepare(env: dict, out: Path, args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    subprocess.run(
        [PY, "-c", _PREPARE, str(out), str(args.orders), "3"], cwd=ROOT, env=env, check=True
    )
    _say(f"imported {args.orders:,} orders in {time.perf_counter() - started:.0f} s")
    return json.loads((out / "pool.json").read_text())


def _serve(env: dict, port: int, out: Path) -> list[subprocess.Popen]:
    log = (out / "server.log").open("w")
    huey = subprocess.Popen(
        [PY, "manage.py", "run_huey", "--quiet"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    web = subprocess.Popen(
        [
            str(Path(PY).with_name("gunicorn")),
            "-c",
            "config/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as r:
                if r.status == 200:
                    _say(f"serving on 127.0.0.1:{port} (gunicorn, config.settings.run) with huey")
                    return [web, huey]
        except OSError:
            time.sleep(0.5)
    web.kill()
    huey.kill()
    sys.exit(f"the server did not answer /health/ in 60 s; see {out / 'server.log'}")


def _locust(env: dict, args: argparse.Namespace, pool: dict, out: Path) -> dict:
    _say(f"locust: {args.users} people, {args.spawn_rate}/s, {args.duration} s …")
    run_env = {**env, "AFTERSALES_LOAD_POOL": str(out / "pool.json")}
    proc = subprocess.run(
        [
            str(Path(PY).with_name("locust")),
            "-f",
            str(ROOT / "loadtest" / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            f"{args.duration}s",
            "--host",
            f"http://127.0.0.1:{args.port}",
            "--csv",
            str(out / "run"),
            "--only-summary",
            "--stop-timeout",
            "15",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=run_env,
        capture_output=True,
        text=True,
    )
    (out / "locust.log").write_text(proc.stdout + proc.stderr)
    with (out / "run_stats.csv").open() as f:
        stats = list(csv.DictReader(f))
    failures = []
    if (out / "run_failures.csv").exists():
        with (out / "run_failures.csv").open() as f:
            failures = list(csv.DictReader(f))
    left = re.search(r"cases left in the queues: .*", proc.stdout + proc.stderr)
    return {"rows": stats, "failures": failures, "left": left.group(0) if left else ""}


def _pgbench(url: str, args: argparse.Namespace) -> dict[str, float]:
    _say(f"pgbench on the same database: {args.pgbench_seconds} s each, 8 clients …")
    subprocess.run(["pgbench", "-i", "-q", "-s", "10", url], check=True, capture_output=True)
    out = {}
    for label, extra in (("TPC-B-like (read/write)", []), ("select-only", ["-S"])):
        r = subprocess.run(
            ["pgbench", "-c", "8", "-j", "2", "-T", str(args.pgbench_seconds), *extra, url],
            check=True,
            capture_output=True,
            text=True,
        )
        tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", r.stdout)
        out[label] = float(tps.group(1)) if tps else float("nan")
    subprocess.run(["pgbench", "-i", "-I", "d", url], capture_output=True)
    return out


def _report(stats: dict, raw: dict[str, float], args: argparse.Namespace, out: Path) -> int:
    rows = stats["rows"]
    width = max(len(r["Name"]) for r in rows) + 2
    _say(
        "",
        f"{'operation':<{width}}{'requests':>9}{'fails':>7}{'req/s':>8}{'p50 ms':>8}"
        f"{'p95 ms':>8}{'p99 ms':>8}",
    )
    total = None
    for r in rows:
        if r["Name"] == "Aggregated":
            total = r
            continue
        _say(_line(r, width))
    if total is not None:
        _say("-" * (width + 48), _line(total, width, name="all"))
    _say("")
    for label, tps in raw.items():
        _say(f"database alone (pgbench {label}, 8 clients): {tps:,.0f} transactions/s")
    if total is not None:
        rps = float(total["Requests/s"])
        tpcb = raw.get("TPC-B-like (read/write)", float("nan"))
        _say(f"product: {rps:,.1f} requests/s = {rps / tpcb:.3f} × the database's TPC-B-like rate")
    if stats["left"]:
        _say(stats["left"])
    errors = int(total["Failure Count"]) if total else 0
    _say(f"errors: {errors}")
    for f in stats["failures"][:20]:
        _say(f"  {f['Method']} {f['Name']}: {f['Occurrences']} × {f['Error'][:300]}")
    _say(f"(raw figures in {out})")
    return 1 if errors else 0


def _line(r: dict, width: int, name: str | None = None) -> str:
    return (
        f"{(name or r['Name']):<{width}}{int(r['Request Count']):>9,}{int(r['Failure Count']):>7}"
        f"{float(r['Requests/s']):>8.1f}{_ms(r['50%']):>8}{_ms(r['95%']):>8}{_ms(r['99%']):>8}"
    )


def _ms(value: str) -> str:
    return "—" if value in ("", "N/A") else f"{float(value):,.0f}"


if __name__ == "__main__":
    sys.exit(main())
