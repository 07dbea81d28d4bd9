"""(b) Cases over the imported orders, generated in bulk (not timed): two shops, a team of
agents, and the spread of a large shop's after-sales book — most cases closed, a few
percent open with deadlines around now (some overdue, some without one), most assigned."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import connection, transaction

from aftersales.accounts.models import Role, Shop, User
from aftersales.cases.models import Case, Priority
from aftersales.orders.models import Order
from aftersales.orders.services import bulk
from aftersales.returns.kinds import CLOSED_STATUSES, CaseKind, CaseStatus

OPEN_SHARE = 0.08
AGENTS_BOTH, AGENTS_A_ONLY, AGENTS_B_ONLY = 8, 2, 2
SHOP_B_ORDERS = 4  # shop B gets every 4th order of shop A's import, under its own shop

_KINDS = {
    CaseKind.REFUND_ONLY: 30,
    CaseKind.RETURN_REFUND: 28,
    CaseKind.EXCHANGE: 8,
    CaseKind.REFUSAL: 4,
    CaseKind.COMPENSATION: 8,
}
_OPEN_STATUSES = {
    CaseStatus.REQUESTED: 35,
    CaseStatus.AWAITING_RETURN: 20,
    CaseStatus.RETURN_SHIPPED: 12,
    CaseStatus.RECEIVED: 8,
    CaseStatus.AWAITING_APPROVAL: 6,
    CaseStatus.APPROVED: 3,
    CaseStatus.REFUNDING: 6,
    CaseStatus.RESHIPPING: 5,
    CaseStatus.PARCEL_RETURNED: 2,
    CaseStatus.REPLACEMENT_SHIPPED: 3,
}
_CLOSED_STATUSES = {
    CaseStatus.COMPLETED: 75,
    CaseStatus.CANCELLED: 15,
    CaseStatus.REFUSED: 7,
    CaseStatus.DISPUTED: 3,
}
_PRIORITIES = {Priority.NORMAL: 70, Priority.HIGH: 20, Priority.LOW: 5, Priority.URGENT: 5}
_DUE_RULES = ["reply_24h", "reship_3wd", "return_7d", "approval_48h"]

_CASE_FIELDS = (
    "number",
    "shop_id",
    "order_id",
    "kind",
    "status",
    "reason",
    "buyer_claim",
    "assignee_id",
    "priority",
    "due_at",
    "due_rule",
    "is_open",
    "escalated_at",
    "created_by_id",
    "created_at",
    "updated_at",
    "closed_at",
    "version",
)


@dataclass(frozen=True)
class World:
    shop_a: Shop
    shop_b: Shop
    agent: User  # in both shops: the one whose inbox is measured
    agents: int
    orders: dict[int, int]  # orders per shop id
    cases: int
    open_cases: int
    search_order_no: str  # an order with an open case, for the search variant


def _weighted(weights: dict) -> list:
    return [value for value, weight in weights.items() for _ in range(weight)]


def shop_b_orders(shop_a: Shop, shop_b: Shop) -> int:
    """Shop B's orders: a quarter of shop A's, copied by one INSERT … SELECT."""
    columns = [
        f.column for f in Order._meta.concrete_fields if not f.primary_key and f.column != "shop_id"
    ]
    listed = ", ".join(columns)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO orders_order (shop_id, {listed}) "  # noqa: S608 - model columns
            f"SELECT %s, {listed} FROM orders_order "
            f"WHERE shop_id = %s AND MOD(id, {SHOP_B_ORDERS}) = 0",
            [shop_b.pk, shop_a.pk],
        )
        return cursor.rowcount


def agents_create(shop_a: Shop, shop_b: Shop) -> list[User]:
    from django.contrib.auth.models import Group

    group = Group.objects.get(name=Role.AGENT)
    agents = []
    plan = [(shop_a, shop_b)] * AGENTS_BOTH
    plan += [(shop_a,)] * AGENTS_A_ONLY + [(shop_b,)] * AGENTS_B_ONLY
    for n, shops in enumerate(plan, 1):
        user = User.objects.create(username=f"bench-agent-{n}", display_name=f"客服{n}")
        user.groups.add(group)
        user.shops.set(shops)
        agents.append(user)
    return agents


def cases_create(
    *, shop_a: Shop, shop_b: Shop, agents: list[User], count: int, now: dt.datetime, seed: int
) -> tuple[int, str]:
    """``count`` cases, 70% in shop A, each on a random order of its shop. Returns the
    number of open cases and the order number of one of them."""
    r = random.Random(seed)
    order_ids = {
        shop.pk: list(Order.objects.filter(shop=shop).values_list("id", flat=True))
        for shop in (shop_a, shop_b)
    }
    staff = {
        shop.pk: [a.pk for a in agents if shop.pk in a.shop_ids()] for shop in (shop_a, shop_b)
    }
    kinds = _weighted(_KINDS)
    open_statuses, closed_statuses = _weighted(_OPEN_STATUSES), _weighted(_CLOSED_STATUSES)
    priorities = _weighted(_PRIORITIES)
    rows = []
    open_cases = 0
    for n in range(count):
        shop = shop_a if r.random() < 0.7 else shop_b
        created = now - dt.timedelta(seconds=r.randint(3_600, 60 * 86_400))
        is_open = r.random() < OPEN_SHARE
        if is_open:
            open_cases += 1
            status = r.choice(open_statuses)
            # Deadlines from two days overdue to five days ahead; a tenth have none yet.
            due = (
                None
                if r.random() < 0.1
                else now + dt.timedelta(seconds=r.randint(-2 * 86_400, 5 * 86_400))
            )
            assignee = r.choice(staff[shop.pk]) if r.random() < 0.8 else None
            updated, closed = created + dt.timedelta(seconds=r.randint(0, 3_600)), None
        else:
            status = r.choice(closed_statuses)
            due = None if r.random() < 0.3 else created + dt.timedelta(days=2)
            assignee = r.choice(staff[shop.pk]) if r.random() < 0.95 else None
            closed = created + dt.timedelta(seconds=r.randint(3_600, 10 * 86_400))
            closed = min(closed, now)
            updated = closed
        assert (status in CLOSED_STATUSES) != is_open  # noqa: S101 - the generator's own rule
        rows.append(
            (
                f"AS{n + 1:010d}",
                shop.pk,
                r.choice(order_ids[shop.pk]),
                r.choice(kinds),
                status.value,
                "",
                "",
                assignee,
                r.choice(priorities).value,
                due,
                r.choice(_DUE_RULES) if due else "",
                is_open,
                None,
                None,
                created,
                updated,
                closed,
                1,
            )
        )
    with transaction.atomic():
        bulk.insert_rows(Case, _CASE_FIELDS, rows)
    open_order = (
        Case.objects.filter(shop=shop_a, is_open=True)
        .order_by("id")
        .values_list("order__order_no", flat=True)
        .first()
    )
    return open_cases, open_order or ""


def analyze() -> None:
    """Fresh planner statistics, as a database in service has."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
