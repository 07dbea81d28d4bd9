"""Importing orders: the seller centre's two reports (``order_import_files``) or orders already
parsed (``order_upsert_many``, the REST API). Both write in batches, each batch in its own
transaction with a fixed number of set-based statements, so the cost grows with the number of
batches, not rows, and a file of a million orders is never held in memory.

Orders carry the amounts every refund is capped by, so only a role that may import orders
(``Perm.ORDER_IMPORT``) may run either; ``actor`` None is the system itself (the server
operator's ``import_orders``, the demo data, the benchmark).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Shop, User
from aftersales.accounts.permissions import Perm, authorize
from aftersales.orders import importers
from aftersales.orders.importers import COL_ORDER_NO, FieldError, OrderInput, ParsedRow, Table
from aftersales.orders.services import bulk
from aftersales.orders.services.import_report import (
    MSG_GROUP_ROW_INVALID,
    MSG_LINES_NOT_CONTIGUOUS,
    MSG_ORDER_ROW_INVALID,
    REASON_DATABASE,
    REASON_UNEXPECTED,
    REASON_UNREADABLE,
    ImportReport,
    Interruption,
    LineGroup,
    Progress,
)
from aftersales.orders.services.line_amounts import lines_amount_errors
from aftersales.orders.services.order_writes import Batches, lock_shop

logger = logging.getLogger(__name__)

LABEL_ORDERS_FILE = _("订单报表")
LABEL_ITEMS_FILE = _("宝贝报表")

FileSource = str | os.PathLike[str] | IO[bytes]

# Rows per batch when the caller does not say. A batch is a transaction and a few statements
# whatever its size; PostgreSQL takes large ones by COPY, while SQLite binds every value of an
# IN list as a parameter and gains little from more.
BATCH_SIZE_POSTGRES = 10_000
BATCH_SIZE_OTHER = 1_000


def batch_size_default() -> int:
    return BATCH_SIZE_POSTGRES if bulk.is_postgres() else BATCH_SIZE_OTHER


class _Interrupted(Exception):  # noqa: N818 - a signal between two functions of this module
    """A batch failed (its transaction rolled back) after ``rows_saved`` rows were saved."""

    def __init__(self, rows_saved: int, cause: BaseException):
        super().__init__(rows_saved)
        self.rows_saved = rows_saved
        self.cause = cause


def _reason(cause: BaseException) -> str:
    if isinstance(cause, DatabaseError):
        return str(REASON_DATABASE)
    if isinstance(cause, (UnicodeError, zipfile.BadZipFile, EOFError, ValueError, KeyError)):
        return str(REASON_UNREADABLE)
    return str(REASON_UNEXPECTED)


class _Pipeline:
    """Writes a batch while the next one is read. On PostgreSQL the writes run on a second
    thread over the same connection (so in the same transaction as this thread's), which
    waits on the database server most of the time; meanwhile this thread parses the next
    batch. The two never use the connection at once: this thread hands a batch over inside
    its transaction, reads ahead without touching the database, then waits for the write
    before it commits. Elsewhere (SQLite, whose work is all in this process) a batch is
    written, then the next is read."""

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None

    def __enter__(self) -> _Pipeline:
        if bulk.is_postgres():
            shared = connections[DEFAULT_DB_ALIAS]
            shared.inc_thread_sharing()
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="order-import")
            self._executor.submit(connections.__setitem__, DEFAULT_DB_ALIAS, shared).result()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            connections[DEFAULT_DB_ALIAS].dec_thread_sharing()

    def write_all(
        self,
        run: Batches,
        batches: Iterator[tuple[Any, int]],
        prepare: Callable[[Any], Any],
        finish: Callable[[Any], None],
    ) -> None:
        """Write each (batch, rows read so far) in its own transaction: ``prepare`` (here),
        then ``finish`` (on the writing thread, if there is one) while the next batch is
        read. ``prepare`` may return None for nothing to finish. If a batch fails, its
        transaction rolls back and ``_Interrupted`` says how many data rows of this file were
        saved before it."""
        before = run.report.rows_read  # rows of the files read before this one
        saved = 0
        try:
            item = next(batches, None)
        except Exception as exc:
            raise _Interrupted(saved, exc) from exc
        while item is not None:
            batch, rows_read = item
            run.read_errors_report()
            counts = run.report.counts()
            try:
                item = self._write(run, batch, prepare, finish, batches)
            except Exception as exc:
                # The batch's transaction rolled back: it saved nothing, and nothing after it
                # is read. What the batches before it wrote stays, and the report says so.
                run.report.restore(counts)
                raise _Interrupted(saved, exc) from exc
            saved = rows_read - before
            run.tick(rows_read)

    def _write(
        self,
        run: Batches,
        batch: Any,
        prepare: Callable[[Any], Any],
        finish: Callable[[Any], None],
        batches: Iterator[tuple[Any, int]],
    ) -> tuple[Any, int] | None:
        """Write one batch in its own transaction and read the next one meanwhile."""
        if not batch:
            return next(batches, None)
        with transaction.atomic():
            lock_shop(run.shop)
            if self._executor is not None and len(connection.atomic_blocks) == 1:
                # The batch is its own transaction: check its foreign keys as each
                # statement ends, on the writing thread, while this one reads on,
                # rather than all at the commit, with this thread waiting.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            prepared = prepare(batch)
            if prepared is None:
                item = next(batches, None)
            elif self._executor is None:
                finish(prepared)
                item = next(batches, None)
            else:
                pending = self._executor.submit(finish, prepared)
                try:
                    item = next(batches, None)
                finally:
                    # Never leave the transaction while the write still uses it.
                    futures.wait([pending])
                with connection.wrap_database_errors:
                    pending.result()
        return item


def _lines_prepared(run: Batches) -> Callable[[list[LineGroup]], list[LineGroup]]:
    def prepare(groups: list[LineGroup]) -> list[LineGroup]:
        run.lines_prepare(groups)
        return groups

    return prepare


def _order_batches(
    run: Batches, table: Table, batch_size: int
) -> Iterator[tuple[list[tuple[int, OrderInput]], int]]:
    read = importers.order_rows(table.index)
    report = run.report
    batch: list[tuple[int, OrderInput]] = []
    pending = 0
    for row, cells in table.records():
        report.rows_read += 1
        pending += 1
        parsed = read(row, cells)
        if parsed.errors:
            run.refuse(table.name, parsed)
        else:
            batch.append((row, parsed.data))
        if pending >= batch_size:
            yield batch, report.rows_read
            batch, pending = [], 0
    yield batch, report.rows_read


def _line_batches(
    run: Batches, table: Table, batch_size: int
) -> Iterator[tuple[list[LineGroup], int]]:
    """Read the item report one order at a time. The report lists an order's lines
    together; rather than remember every order seen (which would grow with the file), a later
    run of rows of an order is refused: within a batch together with the earlier run, which
    is not written yet; across batches because the order then already has other lines."""
    read = importers.item_rows(table.index)
    report = run.report
    batch: dict[str, LineGroup] = {}
    pending = 0
    group: list[ParsedRow] = []

    def refuse_all(rows: list[int], code: str, message: Any) -> None:
        for row in rows:
            run.read_error(table.name, row, COL_ORDER_NO, code, message)

    def close(group: list[ParsedRow]) -> None:
        no = group[0].order_no or ""  # rows without an order number are never grouped
        if no in run.rejected:
            refuse_all([p.row for p in group], "order_invalid", MSG_ORDER_ROW_INVALID)
            return
        if any(p.errors for p in group):
            for p in group:
                if p.errors:
                    run.refuse(table.name, p)
                else:
                    refuse_all([p.row], "lines_invalid", MSG_GROUP_ROW_INVALID)
            # A later run of the same order must not write the rest of it on its own.
            run.rejected.add(no)
            return
        if no in batch:
            earlier = batch.pop(no)
            rows = earlier.rows + [p.row for p in group]
            refuse_all(rows, "lines_not_contiguous", MSG_LINES_NOT_CONTIGUOUS)
            run.rejected.add(no)
            return
        rows = [p.row for p in group]
        batch[no] = LineGroup(no, table.name, rows, COL_ORDER_NO, [p.data for p in group])

    for row, cells in table.records():
        report.rows_read += 1
        parsed = read(row, cells)
        if parsed.order_no is None:
            run.refuse(table.name, parsed)
            pending += 1
            continue
        if group and parsed.order_no != group[0].order_no:
            close(group)
            group = []
            if pending >= batch_size:
                yield list(batch.values()), report.rows_read
                batch, pending = {}, 0
        group.append(parsed)
        pending += 1
    if group:
        close(group)
    yield list(batch.values()), report.rows_read


def _written(run: Batches, file: str, write: Callable[[], None]) -> bool:
    """Run ``write``; if it stops partway, say in the report where, and what was saved."""
    try:
        write()
    except _Interrupted as stop:
        logger.exception(
            "order import of shop %s stopped after %s rows of %s",
            run.shop.pk,
            stop.rows_saved,
            file,
            exc_info=stop.cause,
        )
        run.read_errors_report()
        run.report.interrupted = Interruption(file, stop.rows_saved, _reason(stop.cause))
        return False
    return True


def _authorize(actor: User | None, shop: Shop) -> None:
    if actor is not None:
        authorize(actor, Perm.ORDER_IMPORT, shop_id=shop.pk)


def order_import_files(
    *,
    shop: Shop,
    actor: User | None,
    orders_file: FileSource,
    items_file: FileSource | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
    now: dt.datetime,
) -> ImportReport:
    """Import the order report and, if given, the item report (paths or binary files, CSV or
    XLSX). Good rows are kept and bad ones reported; a file that cannot be read at all (not
    CSV/XLSX, a required column missing) is one error. ``progress`` gets the number of rows
    read after each batch of ``batch_size`` rows (by default 10,000 on PostgreSQL, 1,000
    elsewhere). ``now`` is the import's clock, per the service convention; nothing is stamped
    with it yet because ``Order.imported_at`` is the time of the write, as ``save()`` sets it.

    ``actor`` must hold ``Perm.ORDER_IMPORT`` in ``shop`` (checked before anything is read:
    ``NotFound`` for another shop, ``PermissionDeniedError`` for a role without it); None is
    the system itself.
    """
    _authorize(actor, shop)
    if batch_size is None:
        batch_size = batch_size_default()
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    run = Batches(shop, progress)
    with _Pipeline() as pipeline:
        try:
            with importers.open_table(
                orders_file,
                required=importers.ORDER_COLUMNS_REQUIRED,
                optional=importers.ORDER_COLUMNS_OPTIONAL,
                default_name=str(LABEL_ORDERS_FILE),
            ) as table:
                run.keep_as_stored(importers.order_keys_not_in(table.index))
                if not _written(
                    run,
                    table.name,
                    lambda: pipeline.write_all(
                        run,
                        _order_batches(run, table, batch_size),
                        functools.partial(run.orders_prepare, file=table.name),
                        run.orders_finish,
                    ),
                ):
                    # Without all the orders, the item report waits for the import again.
                    return run.report
                if table.error:
                    run.report.errors.append(table.error)
        except importers.TableError as e:
            # Without the orders, every item row would be an error of its own; one is enough.
            run.report.errors.append(e.error)
            return run.report
        if items_file is not None:
            try:
                with importers.open_table(
                    items_file,
                    required=importers.ITEM_COLUMNS_REQUIRED,
                    optional=importers.ITEM_COLUMNS_OPTIONAL,
                    default_name=str(LABEL_ITEMS_FILE),
                ) as table:
                    _written(
                        run,
                        table.name,
                        lambda: pipeline.write_all(
                            run,
                            _line_batches(run, table, batch_size),
                            _lines_prepared(run),
                            run.lines_finish,
                        ),
                    )
                    if table.error:
                        run.report.errors.append(table.error)
            except importers.TableError as e:
                run.report.errors.append(e.error)
    return run.report


def order_upsert_many(
    *,
    shop: Shop,
    actor: User | None,
    orders: Sequence[OrderInput],
    now: dt.datetime,
    batch_size: int = 1000,
) -> ImportReport:
    """Create or update already-parsed orders (see ``OrderInput``), with their lines when
    given. An order with any invalid field, its lines included, or whose lines' given
    amounts do not add up to what was paid for the goods, is refused whole; errors name the
    key (``lines[0].quantity``) and the order's 1-based position as ``row``. ``actor`` as
    for ``order_import_files``."""
    _authorize(actor, shop)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    run = Batches(shop)
    for start in range(0, len(orders), batch_size):
        valid: list[tuple[int, OrderInput]] = []
        for position, order in enumerate(orders[start : start + batch_size], start + 1):
            run.report.rows_read += 1
            if isinstance(order, dict):
                order = importers.order_input_defaults(dict(order))
                errors = importers.order_input_errors(order) or lines_amount_errors(order)
            else:
                errors = [FieldError("", "wrong_type", str(importers.MSG_WRONG_TYPE))]
            for e in errors:
                run.error("", position, e.field, e.code, e.message)
            if not errors:
                valid.append((position, order))
        if not valid:
            continue
        with transaction.atomic():
            lock_shop(shop)
            written = run.orders_write(valid, "")
            run.lines_write(
                [
                    LineGroup(order["order_no"], "", [position], "lines", order["lines"])
                    for position, order in valid
                    if position in written and order.get("lines")
                ]
            )
    return run.report
