"""The contact-reveal log is evidence: a row is written once and never changed or deleted —
not in the admin, not through the ORM, and on PostgreSQL not even by raw SQL (a trigger); on
SQLite a trigger refuses raw UPDATEs. Only reveal_log_purge(), for demo data, deletes."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from aftersales.accounts.models import (
    ContactReveal,
    RevealLogIsAppendOnly,
    RevealPurgePermit,
    reveal_log_purge,
)
from aftersales.orders.services.contact import contact_reveal
from tests.api import order_build

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def reveal(shop, agent):
    order, _lines = order_build(shop=shop)
    contact_reveal(user=agent, order=order, via="workbench")
    return ContactReveal.objects.get(order=order)


def _unchanged(reveal) -> dict:
    return ContactReveal.objects.filter(pk=reveal.pk).values().get()


def test_writing_a_reveal_still_works(reveal, agent):
    assert reveal.user == agent
    assert reveal.via == "workbench"


def test_a_stored_row_cannot_be_saved_again(reveal, agent2):
    before = _unchanged(reveal)
    reveal.user = agent2

    with pytest.raises(RevealLogIsAppendOnly):
        reveal.save()

    assert _unchanged(reveal) == before


def test_a_row_cannot_be_deleted(reveal):
    with pytest.raises(RevealLogIsAppendOnly):
        reveal.delete()

    assert ContactReveal.objects.filter(pk=reveal.pk).exists()


def test_a_queryset_cannot_update_or_delete(reveal):
    with pytest.raises(RevealLogIsAppendOnly):
        ContactReveal.objects.filter(pk=reveal.pk).update(via="api")
    with pytest.raises(RevealLogIsAppendOnly):
        ContactReveal.objects.all().delete()

    assert _unchanged(reveal)["via"] == "workbench"


def test_deleting_nothing_is_no_refusal(db):
    assert ContactReveal.objects.none().delete() == (0, {})


def test_the_admin_offers_no_change_no_delete_no_add(reveal, agent):
    admin = site._registry[ContactReveal]
    request = RequestFactory().get("/admin/")
    request.user = agent

    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, reveal)
    assert not admin.has_delete_permission(request, reveal)
    assert "delete_selected" not in admin.get_actions(request)


def test_the_database_refuses_a_raw_update(reveal):
    before = _unchanged(reveal)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE accounts_contactreveal SET via = 'api' WHERE id = %s", [reveal.pk]
            )

    assert _unchanged(reveal) == before


@pytest.mark.skipif(not POSTGRES, reason="SQLite's DELETE is refused by the model only")
def test_postgresql_refuses_a_raw_delete(reveal):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_contactreveal WHERE id = %s", [reveal.pk])

    assert ContactReveal.objects.filter(pk=reveal.pk).exists()


@pytest.mark.skipif(not POSTGRES, reason="SQLite's DELETE is refused by the model only")
def test_postgresql_refuses_deleting_an_order_whose_contact_was_opened(reveal):
    order = reveal.order

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        order.delete()

    assert ContactReveal.objects.filter(pk=reveal.pk).exists()


def test_the_purge_for_demo_data_deletes_and_leaves_no_permit(reveal):
    with reveal_log_purge():
        deleted, _ = ContactReveal.objects.filter(pk=reveal.pk).delete()

    assert deleted == 1
    assert not ContactReveal.objects.exists()
    assert not RevealPurgePermit.objects.exists()


def test_after_a_purge_the_log_is_closed_again(reveal, shop, agent):
    with reveal_log_purge():
        pass
    order, _lines = order_build(shop=shop)
    contact_reveal(user=agent, order=order, via="api")

    with pytest.raises(RevealLogIsAppendOnly):
        ContactReveal.objects.all().delete()
    if POSTGRES:
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM accounts_contactreveal")
    assert ContactReveal.objects.count() == 2
