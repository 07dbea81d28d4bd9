"""An import that stops partway says exactly what it saved and what it did not.

Each batch is its own transaction: when one fails (the database goes away, the rest of the
file cannot be read), the batches before it stay saved, the failing one rolls back whole, and
nothing after it is read. The report's counts are then what was saved, ``interrupted`` names
the file and how many of its data rows were saved, and the API answers with the report (never
a 500 over committed rows). Importing the whole file again finishes the job without
duplicating anything.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError

from aftersales.orders import importers
from aftersales.orders.models import Order, OrderLine
from aftersales.orders.services import order_import_files
from aftersales.orders.services.order_writes import Batches
from bench import exports as bench_exports
from tests.api import API, bearer_client

NOW = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
BATCH = 500


@pytest.fixture
def export(tmp_path):
    return bench_exports.write_export(tmp_path, 2_000)


def _fail_on_call(monkeypatch, cls, name: str, call: int, exc: Exception) -> None:
    """The ``call``-th call of ``cls.name`` raises ``exc`` (the batch's write fails)."""
    real = getattr(cls, name)
    calls = {"n": 0}

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == call:
            raise exc
        return real(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, failing)


def test_a_database_failure_in_the_third_batch_keeps_two_and_says_so(shop, export, monkeypatch):
    # Given the database fails while the third batch of orders is written
    _fail_on_call(
        monkeypatch, Batches, "orders_prepare", 3, OperationalError("server closed the connection")
    )

    # When the export is imported
    report = order_import_files(
        shop=shop,
        actor=None,
        orders_file=export.orders_path,
        items_file=export.items_path,
        batch_size=BATCH,
        now=NOW,
    )

    # Then two batches are saved, the report counts them and nothing else
    assert Order.objects.filter(shop=shop).count() == 2 * BATCH
    assert report.orders_created == 2 * BATCH
    assert report.lines_created == 0
    assert OrderLine.objects.filter(order__shop=shop).count() == 0
    stopped = report.interrupted
    assert stopped is not None
    assert (stopped.file, stopped.rows_saved) == (export.orders_path.name, 2 * BATCH)
    assert "数据库出错" in stopped.message
    assert f"前 {2 * BATCH} 行已处理并保存" in stopped.message
    body = report.as_dict()
    assert body["complete"] is False
    assert body["interrupted"]["rows_saved"] == 2 * BATCH


def test_importing_the_file_again_finishes_without_duplicates(shop, export, monkeypatch):
    # Given an import stopped in its third batch
    with monkeypatch.context() as m:
        _fail_on_call(m, Batches, "orders_prepare", 3, OperationalError("gone"))
        first = order_import_files(
            shop=shop,
            actor=None,
            orders_file=export.orders_path,
            items_file=export.items_path,
            batch_size=BATCH,
            now=NOW,
        )
    assert first.interrupted is not None

    # When the whole export is imported again
    again = order_import_files(
        shop=shop,
        actor=None,
        orders_file=export.orders_path,
        items_file=export.items_path,
        batch_size=BATCH,
        now=NOW,
    )

    # Then every order is there once, with its lines
    assert again.interrupted is None
    assert again.as_dict()["complete"] is True
    assert (again.orders_created, again.orders_unchanged) == (
        export.orders - 2 * BATCH,
        2 * BATCH,
    )
    assert Order.objects.filter(shop=shop).count() == export.orders
    assert OrderLine.objects.filter(order__shop=shop).count() == export.lines


def test_a_failure_in_the_item_report_keeps_every_order_and_the_saved_lines(
    shop, export, monkeypatch
):
    _fail_on_call(monkeypatch, Batches, "lines_prepare", 2, OperationalError("gone"))

    report = order_import_files(
        shop=shop,
        actor=None,
        orders_file=export.orders_path,
        items_file=export.items_path,
        batch_size=BATCH,
        now=NOW,
    )

    assert report.orders_created == export.orders
    saved_lines = OrderLine.objects.filter(order__shop=shop).count()
    assert 0 < saved_lines < export.lines
    assert report.lines_created == saved_lines
    stopped = report.interrupted
    assert stopped is not None
    assert stopped.file == export.items_path.name
    # The first batch of item rows was saved: at least BATCH rows (a batch ends with an order).
    assert BATCH <= stopped.rows_saved < export.lines


def test_a_file_that_cannot_be_read_to_its_end_keeps_what_was_read(shop, export, monkeypatch):
    # Given the file's bytes go bad at its 1,234th data row
    real = importers.order_rows

    def reader(index):
        read = real(index)
        count = {"n": 0}

        def read_row(row, cells):
            count["n"] += 1
            if count["n"] == 1_234:
                raise UnicodeDecodeError("gb18030", b"\xff", 0, 1, "illegal multibyte sequence")
            return read(row, cells)

        return read_row

    monkeypatch.setattr(importers, "order_rows", reader)

    report = order_import_files(
        shop=shop, actor=None, orders_file=export.orders_path, batch_size=BATCH, now=NOW
    )

    # Then the first batch is saved. The next batch is read while the one before it is
    # written, in that one's transaction: the bad row (in the third batch) rolls back the
    # second, and the report says exactly that
    assert Order.objects.filter(shop=shop).count() == BATCH
    assert report.orders_created == BATCH
    assert report.interrupted is not None
    assert report.interrupted.rows_saved == BATCH
    assert "无法读取" in report.interrupted.message


def test_the_api_answers_with_what_was_saved_not_a_server_error(
    shop, supervisor, export, monkeypatch
):
    _fail_on_call(monkeypatch, Batches, "orders_prepare", 2, OperationalError("gone"))
    monkeypatch.setattr("aftersales.orders.services.order_import.batch_size_default", lambda: BATCH)
    client = bearer_client(supervisor)

    response = client.post(
        f"{API}/orders/import",
        {
            "shop_id": shop.pk,
            "orders_file": SimpleUploadedFile(
                export.orders_path.name, export.orders_path.read_bytes()
            ),
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["complete"] is False
    assert body["orders_created"] == BATCH
    assert body["interrupted"]["rows_saved"] == BATCH
    assert Order.objects.filter(shop=shop).count() == BATCH
