"""Writing many rows at once: ``COPY`` and set-based statements on PostgreSQL, Django's bulk
operations elsewhere (SQLite). Both give the same rows; PostgreSQL gets there several times
faster, which is what a million-order export needs.

Values are given as the database adapter takes them (``str``, ``int``, ``bool``, ``Decimal``,
aware ``datetime``, ``None``), by attribute name (``order_id``, not ``order``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

Row = tuple[Any, ...]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _fields(model: type[Model], names: Sequence[str]) -> list[Field[Any, Any]]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[name] for name in names]


def defaults(
    model: type[Model], given: Sequence[str], *, as_text: bool = False
) -> tuple[list[str], Callable[[], Row]]:
    """The columns a row of ``given`` values (attribute names) leaves out, and a function
    giving their values for one row: the time of the write for ``auto_now``/``auto_now_add``
    (as ``save()`` would), else the field's default. A column with neither must be given;
    leaving it out is a bug, refused before anything is written."""
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in given
    ]
    now = timezone.now()
    values: list[Any] = []
    per_row: dict[int, Callable[[], Any]] = {}
    for i, f in enumerate(fields):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            values.append(now)
        elif f.has_default() and callable(f.default):
            values.append(None)
            per_row[i] = f.get_default
        elif f.has_default() or f.null:
            values.append(f.get_default())
        else:
            raise ValueError(f"{model.__name__}.{f.name} has no default and is not given")
    constant = tuple(_as_text(v) for v in values) if as_text else tuple(values)
    if not per_row:
        return _columns(fields), lambda: constant

    def make() -> Row:
        row = list(constant)
        for i, default in per_row.items():
            row[i] = default()
        return tuple(row)

    return _columns(fields), make


def copy_rows(
    table: str, columns: Sequence[str], rows: Iterable[Row], *, types: Sequence[str] = ()
) -> None:
    """``COPY table (columns) FROM STDIN``: the fastest way into a PostgreSQL table. With
    ``types`` (PostgreSQL type names, one per column) the rows travel in binary, which the
    driver writes several times faster for times; text is faster for ``Decimal``."""
    options = " (FORMAT BINARY)" if types else ""
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN{options}"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.copy(sql) as copy:
            if types:
                copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(row)


def _as_text(value: Any) -> Any:
    # A value repeated on every row is turned into its text once: the driver's own text
    # form of an aware datetime costs microseconds a row.
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def insert_rows(model: type[Model], names: Sequence[str], rows: Sequence[Row]) -> None:
    """Insert rows of ``names`` values; every other column gets its default."""
    if not rows:
        return
    if is_postgres():
        columns = _columns(_fields(model, names))
        extra_columns, extra = defaults(model, names, as_text=True)
        if extra_columns:
            rows = [(*row, *extra()) for row in rows]
        copy_rows(model._meta.db_table, [*columns, *extra_columns], rows)
    else:
        model._default_manager.bulk_create(
            [model(**dict(zip(names, row, strict=True))) for row in rows]
        )


def update_rows(model: type[Model], names: Sequence[str], rows: Sequence[Row]) -> None:
    """Set ``names`` on the rows given as (pk, *values). On PostgreSQL one ``UPDATE … FROM
    unnest(…)``: Django's ``bulk_update`` writes a CASE with a branch per row, which the
    database then tests row by row — quadratic in a batch of thousands."""
    if not rows:
        return
    if not is_postgres():
        objs = [model(pk=row[0], **dict(zip(names, row[1:], strict=True))) for row in rows]
        model._default_manager.bulk_update(objs, [f.name for f in _fields(model, names)])
        return
    pk = model._meta.pk
    assert pk is not None  # noqa: S101
    fields = [pk, *_fields(model, names)]
    columns = [quote(c) for c in _columns(fields)]
    arrays = ", ".join(f"%s::{_db_type(f)}[]" for f in fields)
    assignments = ", ".join(f"{c} = v.{c}" for c in columns[1:])
    table = quote(model._meta.db_table)
    sql = (
        f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 - quoted names of the model
        f"FROM unnest({arrays}) AS v({', '.join(columns)}) "
        f"WHERE t.{columns[0]} = v.{columns[0]}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])


def stage_create(name: str, columns: Sequence[tuple[str, str]]) -> None:
    """A session's temporary table for staging batches, emptied for each. It lives as long
    as the connection (or the transaction that made it, if that rolls back)."""
    spec = ", ".join(f"{quote(column)} {db_type}" for column, db_type in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {quote(name)} ({spec})")


def stage_fill(
    name: str, columns: Sequence[str], rows: Sequence[Row], *, types: Sequence[str] = ()
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {quote(name)}")
    copy_rows(name, columns, rows, types=types)


def _columns(fields: Sequence[Field[Any, Any]]) -> list[str]:
    return [f.column for f in fields]  # type: ignore[misc]  # concrete fields have columns


def _db_type(field: Field[Any, Any]) -> str:
    # An auto primary key's own type says how it is generated; what it holds is rel_db_type.
    db_type = field.rel_db_type(connection) if field.primary_key else field.db_type(connection)
    assert db_type is not None  # noqa: S101 - every concrete column has one
    return db_type
