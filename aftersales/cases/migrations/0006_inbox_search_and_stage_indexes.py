"""Indexes for the inbox on PostgreSQL: each branch of its search, and its tabs' counts.

The search (``cases.selectors.search_order_ids``) looks orders up branch by branch, each on its
own index:

- part of the buyer's nick or the receiver's name, any case: Django writes ``icontains`` as
  ``UPPER("col"::text) LIKE UPPER('%term%')``, which a trigram GIN index on that very
  expression answers (pg_trgm; a trusted extension since PostgreSQL 13, so the database's
  owner may create it);
- the last four digits of the receiver's phone: ``RIGHT("receiver_phone", 4) = '1234'``;
- order number, waybill and case number have their indexes already.

The tabs' counts group a shop's open cases by kind and status, and read who has them, whether
they were escalated and when they are due: a partial index holding all of that is read alone.

Built CONCURRENTLY (outside a transaction, hence ``atomic = False``) so that a big shop's
orders table takes imports while they build. SQLite needs none of them: a small shop's tables
are read whole in no time. Going back drops the indexes and leaves pg_trgm installed (other
things may use it).
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS order_nick_trgm_idx "
    "ON orders_order USING gin (upper(buyer_nick::text) gin_trgm_ops)",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS order_receiver_trgm_idx "
    "ON orders_order USING gin (upper(receiver_name::text) gin_trgm_ops)",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS order_phone_tail_idx "
    "ON orders_order (right(receiver_phone::text, 4), shop_id)",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS case_open_stage_idx "
    "ON cases_case (shop_id, status, kind) INCLUDE (due_at, assignee_id, escalated_at) "
    "WHERE is_open",
]

BACKWARD = [
    "DROP INDEX CONCURRENTLY IF EXISTS case_open_stage_idx",
    "DROP INDEX CONCURRENTLY IF EXISTS order_phone_tail_idx",
    "DROP INDEX CONCURRENTLY IF EXISTS order_receiver_trgm_idx",
    "DROP INDEX CONCURRENTLY IF EXISTS order_nick_trgm_idx",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0005_kinds_registered_by_areas"),
        ("orders", "0002_shipment_carrier_core"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
