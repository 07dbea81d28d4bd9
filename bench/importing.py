"""(a) The order import, timed, beside bare loads of the same rows in the same run.

Baselines, each on a connection of its own with no Django in the way:

- PostgreSQL, files: the two export files themselves, byte for byte, through
  ``COPY … FROM STDIN WITH (FORMAT csv, HEADER, ENCODING 'GB18030')`` into scratch tables of
  the files' columns (all text, no index): the bare load of the bytes, with no parsing.
- PostgreSQL, parsed rows: the rows the import wrote (orders, lines, shipments), taken out
  with ``COPY … TO`` (not timed) and loaded with ``COPY … FROM STDIN`` into scratch tables
  ``LIKE`` the real ones with their indexes and checks (no foreign keys: LIKE copies none).
- SQLite: the same parsed rows by ``executemany`` into scratch tables with the real ones'
  columns and indexes, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.exports import Export
from bench.report import note

SCRATCH = "bench_scratch"
_CHUNK = 1 << 20


@dataclass
class Timing:
    label: str
    seconds: float
    rows: int  # rows of the export files (order rows + item rows) the timing covers
    cpu_seconds: float | None = None
    details: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def import_timed(export: Export, shop) -> Timing:
    from django.utils import timezone

    from aftersales.orders.services import order_import_files

    step = max(export.rows // 10, 1)
    started = time.perf_counter()
    shown = 0

    def progress(rows: int) -> None:
        nonlocal shown
        if rows - shown >= step or rows == export.rows:
            shown = rows
            elapsed = time.perf_counter() - started
            note(f"  import: {rows:,} rows, {elapsed:.1f} s")

    cpu = time.process_time()
    started = time.perf_counter()
    report = order_import_files(
        shop=shop,
        actor=None,
        orders_file=export.orders_path,
        items_file=export.items_path,
        progress=progress,
        now=timezone.now(),
    )
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    expected = (export.orders, 0, 0, export.lines, export.rows, [])
    got = (
        report.orders_created,
        report.orders_updated,
        report.orders_unchanged,
        report.lines_created,
        report.rows_read,
        report.errors[:3],
    )
    if got != expected:
        raise SystemExit(f"the import did not import the export: {got} != {expected}")
    return Timing("order_import_files", seconds, export.rows, cpu)


# --- PostgreSQL ------------------------------------------------------------------------------


def copy_files(export: Export, url: str) -> Timing:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCRATCH}")
        elapsed = 0.0
        loaded = 0
        for name, path in (("orders_file", export.orders_path), ("items_file", export.items_path)):
            width = len(_header(path))
            columns = ", ".join(f"c{i} text" for i in range(width))
            conn.execute(f"CREATE TABLE {SCRATCH}.{name} ({columns})")
            started = time.perf_counter()
            with conn.cursor() as cursor, path.open("rb") as f:
                copy_sql = (
                    f"COPY {SCRATCH}.{name} FROM STDIN "
                    "WITH (FORMAT csv, HEADER true, ENCODING 'GB18030')"
                )
                with cursor.copy(copy_sql) as copy:
                    while chunk := f.read(_CHUNK):
                        copy.write(chunk)
            elapsed += time.perf_counter() - started
            loaded += conn.execute(f"SELECT count(*) FROM {SCRATCH}.{name}").fetchone()[0]
        conn.execute(f"DROP SCHEMA {SCRATCH} CASCADE")
    if loaded != export.rows:
        raise SystemExit(f"COPY of the files loaded {loaded:,} rows, not {export.rows:,}")
    return Timing("COPY of the files (CSV)", elapsed, export.rows)


def _header(path: Path) -> list[str]:
    import csv

    with path.open(encoding="gb18030", newline="") as f:
        return next(csv.reader(f))


_PARSED_TABLES = (
    ("orders_order", "o.shop_id = %(shop)s", "orders_order o"),
    (
        "orders_orderline",
        "o.shop_id = %(shop)s",
        "orders_orderline x JOIN orders_order o ON o.id = x.order_id",
    ),
    (
        "orders_shipment",
        "o.shop_id = %(shop)s",
        "orders_shipment x JOIN orders_order o ON o.id = x.order_id",
    ),
)


def copy_parsed(export: Export, url: str, shop_id: int, workdir: Path) -> Timing:
    import psycopg

    details = []
    elapsed = 0.0
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCRATCH}")
        for table, where, source in _PARSED_TABLES:
            dump = workdir / f"{table}.copy"
            alias = "o" if table == "orders_order" else "x"
            with conn.cursor() as cursor, dump.open("wb") as out:
                with cursor.copy(
                    f"COPY (SELECT {alias}.* FROM {source} WHERE {where}) TO STDOUT",
                    {"shop": shop_id},
                ) as copy:
                    for data in copy:
                        out.write(data)
            conn.execute(f"CREATE TABLE {SCRATCH}.{table} (LIKE public.{table} INCLUDING ALL)")
            started = time.perf_counter()
            with conn.cursor() as cursor, dump.open("rb") as f:
                with cursor.copy(f"COPY {SCRATCH}.{table} FROM STDIN") as copy:
                    while chunk := f.read(_CHUNK):
                        copy.write(chunk)
            seconds = time.perf_counter() - started
            elapsed += seconds
            count = conn.execute(f"SELECT count(*) FROM {SCRATCH}.{table}").fetchone()[0]
            details.append(f"{table}: {count:,} rows in {seconds:.1f} s")
            dump.unlink()
        conn.execute(f"DROP SCHEMA {SCRATCH} CASCADE")
    return Timing("COPY of the parsed rows", elapsed, export.rows, details=details)


# --- SQLite ----------------------------------------------------------------------------------


def executemany_parsed(export: Export, path: Path, shop_id: int) -> Timing:
    details = []
    elapsed = 0.0
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for table, where, source in _PARSED_TABLES:
            alias = "o" if table == "orders_order" else "x"
            query = f"SELECT {alias}.* FROM {source} WHERE {where.replace('%(shop)s', '?')}"
            rows = conn.execute(query, [shop_id]).fetchall()
            scratch = f"scratch_{table}"
            conn.execute(f"DROP TABLE IF EXISTS {scratch}")
            conn.execute(f"CREATE TABLE {scratch} AS SELECT * FROM {table} WHERE 0")
            for (sql,) in conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql "
                "IS NOT NULL",
                [table],
            ).fetchall():
                conn.execute(_index_for(sql, table, scratch))
            marks = ", ".join("?" * len(rows[0])) if rows else ""
            started = time.perf_counter()
            conn.execute("BEGIN")
            conn.executemany(f"INSERT INTO {scratch} VALUES ({marks})", rows)
            conn.execute("COMMIT")
            seconds = time.perf_counter() - started
            elapsed += seconds
            details.append(f"{table}: {len(rows):,} rows in {seconds:.1f} s")
            conn.execute(f"DROP TABLE {scratch}")
    finally:
        conn.close()
    return Timing("executemany of the parsed rows", elapsed, export.rows, details=details)


def _index_for(sql: str, table: str, scratch: str) -> str:
    sql = re.sub(rf'\bON\s+"?{table}"?', f'ON "{scratch}"', sql, count=1)
    return re.sub(r'INDEX\s+"?(\w+)"?', lambda m: f'INDEX "{scratch}_{m.group(1)}"', sql, count=1)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
