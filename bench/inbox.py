"""(b) The inbox as the workbench asks for it, beside the same statements on a bare driver.

The ORM side does what ``cases.views.inbox`` does for page 1: ``selectors.inbox(user=…,
filters=…, now=…)`` sliced to PAGE_SIZE + 1 rows (the extra row tells whether there is a next
page) and evaluated with its select_related, for a user object fresh from the request (so
``user.shop_ids()`` costs its query, as it does per request). The statements it sends are
captured once (not timed) — the user's shops, a search's lookups of its orders, the page —
and the bare side sends exactly those, with the values in them, on its own driver connection
(psycopg, or sqlite3) and fetches every row. What is left between the two is what Django
costs: building the query, reading the rows into objects. The two sides are interleaved,
alternating which goes first, and must return the same cases in the same order.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.models import User
from aftersales.cases import selectors
from aftersales.cases.selectors import InboxFilters
from aftersales.cases.views.inbox import PAGE_SIZE
from bench.report import percentile

LIMIT = PAGE_SIZE + 1


@dataclass(frozen=True)
class Variant:
    name: str
    filters: InboxFilters


@dataclass
class Result:
    variant: str
    orm_ms: list[float]
    bare_ms: list[float]
    rows: int
    statements: int

    def p(self, side: str, q: float) -> float:
        return percentile(self.orm_ms if side == "orm" else self.bare_ms, q)


def variants(agent: User, search_order_no: str, nick_part: str) -> list[Variant]:
    return [
        Variant("open cases, all filters off", InboxFilters()),
        Variant("assignee = me", InboxFilters(assignee="me")),
        Variant("tab: to receive", InboxFilters(stage="to_receive")),
        Variant("q = an order number", InboxFilters(q=search_order_no)),
        Variant(f"q = part of a nick ({nick_part!r})", InboxFilters(q=nick_part)),
    ]


def _page(agent: User, variant: Variant, now: dt.datetime, *, shop_ids_cached: bool):
    if not shop_ids_cached:
        agent.__dict__.pop("_shop_ids", None)  # a fresh request's user
    page = list(selectors.inbox(user=agent, filters=variant.filters, now=now)[:LIMIT])
    # What the table shows, all loaded by select_related: no query here.
    shown = [(c.order.order_no, c.assignee and c.assignee.username, c.shop.name) for c in page]
    assert len(shown) == len(page)  # noqa: S101
    return [case.pk for case in page]


def statements(agent: User, variant: Variant, now: dt.datetime, *, shop_ids_cached: bool):
    """The statements the ORM side sends, as the database received them."""
    with CaptureQueriesContext(connection) as captured:
        _page(agent, variant, now, shop_ids_cached=shop_ids_cached)
    return [q["sql"] for q in captured.captured_queries]


def measure(
    *,
    agent: User,
    variant: Variant,
    bare_cursor,
    now: dt.datetime,
    runs: int,
    warmup: int,
    shop_ids_cached: bool = False,
) -> Result:
    sent = statements(agent, variant, now, shop_ids_cached=shop_ids_cached)

    def orm() -> list[int]:
        return _page(agent, variant, now, shop_ids_cached=shop_ids_cached)

    def bare() -> list[int]:
        rows: list = []
        for sql in sent:
            bare_cursor.execute(sql)
            rows = bare_cursor.fetchall()
        return [row[0] for row in rows]

    orm_ids, bare_ids = orm(), bare()
    if orm_ids != bare_ids:
        raise SystemExit(f"{variant.name}: the ORM and the bare statements return different cases")
    orm_ms: list[float] = []
    bare_ms: list[float] = []
    for i in range(warmup + runs):
        sides = [(orm, orm_ms), (bare, bare_ms)]
        for fn, out in sides if i % 2 == 0 else reversed(sides):
            elapsed = _timed(fn)
            if i >= warmup:
                out.append(elapsed)
    return Result(variant.name, orm_ms, bare_ms, len(orm_ids), len(sent))


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter_ns()
    fn()
    return (time.perf_counter_ns() - started) / 1e6


def plan(bare_cursor, agent: User, variant: Variant, now: dt.datetime, *, sqlite: bool):
    """The plan of the page's statement (the last one sent)."""
    sql = statements(agent, variant, now, shop_ids_cached=True)[-1]
    if sqlite:
        bare_cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return [row[-1] for row in bare_cursor.fetchall()]
    bare_cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql)
    return [row[0] for row in bare_cursor.fetchall()]
