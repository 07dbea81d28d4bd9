"""(b) The inbox as the workbench asks for it, beside the same SELECT by a bare driver.

The ORM side does what ``cases.views.inbox`` does for page 1: ``selectors.inbox(user=…,
filters=…, now=…)`` sliced to PAGE_SIZE + 1 rows (the extra row tells whether there is a next
page) and evaluated with its select_related, for a user object fresh from the request (so
``user.shop_ids()`` is not cached yet and costs its query, as it does per request). The bare
side runs one statement on its own driver connection (psycopg, or sqlite3): the same columns,
the same joins, filter and order, the user's shops by a subquery, LIMIT PAGE_SIZE + 1. The
two are interleaved, alternating which goes first, and must return the same cases in the
same order.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model

from aftersales.accounts.models import Shop, User
from aftersales.cases import selectors
from aftersales.cases.models import Case
from aftersales.cases.selectors import InboxFilters
from aftersales.cases.views.inbox import PAGE_SIZE
from aftersales.orders.models import Order
from bench.report import percentile

LIMIT = PAGE_SIZE + 1


@dataclass(frozen=True)
class Variant:
    name: str
    filters: InboxFilters
    where: str  # the bare statement's extra conditions
    params: tuple


@dataclass
class Result:
    variant: str
    orm_ms: list[float]
    bare_ms: list[float]
    rows: int

    def p(self, side: str, q: float) -> float:
        return percentile(self.orm_ms if side == "orm" else self.bare_ms, q)


def variants(agent: User, search_order_no: str) -> list[Variant]:
    term = search_order_no
    return [
        Variant("open cases, all filters off", InboxFilters(), "", ()),
        Variant(
            "assignee = me", InboxFilters(assignee="me"), "AND c.assignee_id = %s", (agent.pk,)
        ),
        Variant(
            "q = an order number",
            InboxFilters(q=term),
            "AND (o.order_no = %s OR o.buyer_nick = %s OR c.number = %s OR c.order_id IN "
            "(SELECT order_id FROM orders_shipment WHERE waybill_no = %s))",
            (term, term, term, term),
        ),
    ]


def _columns(model: type[Model], alias: str) -> list[str]:
    return [f"{alias}.{f.column}" for f in model._meta.concrete_fields]


def bare_sql(variant: Variant, agent: User, *, sqlite: bool) -> tuple[str, tuple]:
    select = ", ".join(
        _columns(Case, "c") + _columns(Order, "o") + _columns(User, "u") + _columns(Shop, "s")
    )
    sql = (
        f"SELECT {select} FROM cases_case c "  # noqa: S608 - model columns, fixed text
        "INNER JOIN orders_order o ON o.id = c.order_id "
        "LEFT OUTER JOIN accounts_user u ON u.id = c.assignee_id "
        "INNER JOIN accounts_shop s ON s.id = c.shop_id "
        "WHERE c.shop_id IN (SELECT shop_id FROM accounts_user_shops WHERE user_id = %s) "
        f"AND c.is_open {variant.where} "
        f"ORDER BY c.due_at ASC NULLS LAST, c.id ASC LIMIT {LIMIT}"
    )
    if sqlite:
        sql = sql.replace("%s", "?")
    return sql, (agent.pk, *variant.params)


def measure(
    *,
    agent: User,
    variant: Variant,
    bare_cursor,
    now: dt.datetime,
    runs: int,
    warmup: int,
    sqlite: bool,
    shop_ids_cached: bool = False,
) -> Result:
    sql, params = bare_sql(variant, agent, sqlite=sqlite)

    def orm() -> list[int]:
        if not shop_ids_cached:
            agent.__dict__.pop("_shop_ids", None)  # a fresh request's user
        page = list(selectors.inbox(user=agent, filters=variant.filters, now=now)[:LIMIT])
        # What the table shows, all loaded by select_related: no query here.
        shown = [(c.order.order_no, c.assignee and c.assignee.username, c.shop.name) for c in page]
        assert len(shown) == len(page)  # noqa: S101
        return [case.pk for case in page]

    def bare() -> list[int]:
        bare_cursor.execute(sql, params)
        return [row[0] for row in bare_cursor.fetchall()]

    orm_ids, bare_ids = orm(), bare()
    if orm_ids != bare_ids:
        raise SystemExit(f"{variant.name}: the ORM and the bare SQL return different cases")
    orm_ms: list[float] = []
    bare_ms: list[float] = []
    for i in range(warmup + runs):
        sides = [(orm, orm_ms), (bare, bare_ms)]
        for fn, out in sides if i % 2 == 0 else reversed(sides):
            elapsed = _timed(fn)
            if i >= warmup:
                out.append(elapsed)
    return Result(variant.name, orm_ms, bare_ms, len(orm_ids))


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter_ns()
    fn()
    return (time.perf_counter_ns() - started) / 1e6


def plan(
    bare_cursor, variant: Variant, agent: User, *, sqlite: bool, suggested: bool = False
) -> list[str]:
    make = suggested_sql if suggested else bare_sql
    sql, params = make(variant, agent, sqlite=sqlite)
    if sqlite:
        bare_cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [row[-1] for row in bare_cursor.fetchall()]
    bare_cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
    return [row[0] for row in bare_cursor.fetchall()]


# --- a suggestion, measured beside the workbench's query --------------------------------------
#
# Not the workbench's code: what the report suggests for aftersales/cases/selectors.py, timed
# the same way so the suggestion comes with its figures. The page's case ids are chosen from
# the cases table alone (its (shop, is_open, due_at, id) index holds everything the order
# needs), and only then joined to the order, assignee and shop of those rows; the table's own
# columns are the only ones read; a search finds its orders by their own indexes first.

ORDER_BY = ("due_at", "id")
SHOWN = (
    "number",
    "kind",
    "status",
    "priority",
    "due_at",
    "escalated_at",
    "shop__name",
    "order__order_no",
    "order__buyer_nick",
    "assignee__username",
    "assignee__display_name",
)


def suggested_orm(user: User, filters: InboxFilters, now: dt.datetime):
    from django.db.models import F, Q

    from aftersales.orders.models import Shipment

    order = (F("due_at").asc(nulls_last=True), "id")
    shops = user.shops.values("id")  # a subquery: no round trip of its own
    cases = Case.objects.filter(shop_id__in=shops)
    if not filters.include_closed:
        cases = cases.filter(is_open=True)
    if filters.assignee == "me":
        cases = cases.filter(assignee=user)
    term = filters.q.strip()
    if term:
        orders = Order.objects.filter(shop_id__in=shops).filter(
            Q(order_no=term) | Q(buyer_nick=term)
        )
        by_waybill = Shipment.objects.filter(waybill_no=term).values("order_id")
        cases = cases.filter(
            Q(order_id__in=orders.values("id")) | Q(order_id__in=by_waybill) | Q(number=term)
        )
    page = cases.order_by(*order).values("pk")[:LIMIT]
    return (
        Case.objects.filter(pk__in=page)
        .select_related("order", "assignee", "shop")
        .only(*SHOWN)
        .order_by(*order)
    )


def suggested_sql(variant: Variant, agent: User, *, sqlite: bool) -> tuple[str, tuple]:
    columns = {
        "c": ["id", "number", "shop_id", "order_id", "kind", "status", "assignee_id"]
        + ["priority", "due_at", "escalated_at"],
        "s": ["id", "name"],
        "o": ["id", "order_no", "buyer_nick"],
        "u": ["id", "username", "display_name"],
    }
    select = ", ".join(f"{t}.{c}" for t, cs in columns.items() for c in cs)
    where = variant.where
    params: tuple = variant.params
    if variant.filters.q:
        where = (
            "AND (c.order_id IN (SELECT id FROM orders_order WHERE shop_id IN "
            "(SELECT shop_id FROM accounts_user_shops WHERE user_id = %s) "
            "AND (order_no = %s OR buyer_nick = %s)) OR c.order_id IN "
            "(SELECT order_id FROM orders_shipment WHERE waybill_no = %s) OR c.number = %s)"
        )
        term = variant.filters.q
        params = (agent.pk, term, term, term, term)
    sql = (
        f"SELECT {select} FROM cases_case c "  # noqa: S608 - fixed text
        "INNER JOIN accounts_shop s ON s.id = c.shop_id "
        "INNER JOIN orders_order o ON o.id = c.order_id "
        "LEFT OUTER JOIN accounts_user u ON u.id = c.assignee_id "
        "WHERE c.id IN (SELECT c.id FROM cases_case c WHERE c.shop_id IN "
        "(SELECT shop_id FROM accounts_user_shops WHERE user_id = %s) "
        f"AND c.is_open {where} ORDER BY c.due_at ASC NULLS LAST, c.id ASC LIMIT {LIMIT}) "
        "ORDER BY c.due_at ASC NULLS LAST, c.id ASC"
    )
    if sqlite:
        sql = sql.replace("%s", "?")
    return sql, (agent.pk, *params)


def measure_suggested(
    *,
    agent: User,
    variant: Variant,
    bare_cursor,
    now: dt.datetime,
    runs: int,
    warmup: int,
    sqlite: bool,
) -> Result:
    sql, params = suggested_sql(variant, agent, sqlite=sqlite)
    expected = [c.pk for c in selectors.inbox(user=agent, filters=variant.filters, now=now)[:LIMIT]]

    def orm() -> list[int]:
        agent.__dict__.pop("_shop_ids", None)
        page = list(suggested_orm(agent, variant.filters, now))
        shown = [(c.order.order_no, c.assignee and str(c.assignee), c.shop.name) for c in page]
        assert len(shown) == len(page)  # noqa: S101
        return [c.pk for c in page]

    def bare() -> list[int]:
        bare_cursor.execute(sql, params)
        return [row[0] for row in bare_cursor.fetchall()]

    if not orm() == bare() == expected:
        raise SystemExit(f"{variant.name}: the suggested query returns other cases")
    orm_ms: list[float] = []
    bare_ms: list[float] = []
    for i in range(warmup + runs):
        sides = [(orm, orm_ms), (bare, bare_ms)]
        for fn, out in sides if i % 2 == 0 else reversed(sides):
            elapsed = _timed(fn)
            if i >= warmup:
                out.append(elapsed)
    return Result(variant.name, orm_ms, bare_ms, len(expected))
