"""The log of who opened a buyer's phone and address: readable by a supervisor in the
workbench, for their shops only, never editable."""

import pytest
from django.urls import reverse

from aftersales.accounts.models import ContactReveal
from aftersales.orders.services.contact import contact_reveal
from tests.factories import OrderFactory

URL = reverse("accounts:reveal_log")


@pytest.fixture
def reveals(shop, other_shop, agent, outsider, order):
    contact_reveal(user=agent, order=order, via="workbench")
    contact_reveal(user=agent, order=order, via="api")
    theirs = OrderFactory(shop=other_shop, order_no="OTHER-SHOP-ORDER")
    contact_reveal(user=outsider, order=theirs, via="workbench")
    return order


def test_a_supervisor_reads_the_log_of_their_shops(client, supervisor, reveals):
    client.force_login(supervisor)

    page = client.get(URL)

    assert page.status_code == 200
    text = page.content.decode()
    assert text.count(reveals.order_no) == 2
    assert "OTHER-SHOP-ORDER" not in text
    assert list(page.context["reveals"]) == list(
        ContactReveal.objects.filter(order=reveals).order_by("-created_at", "-id")
    )


def test_the_log_filters_by_person_and_day(client, supervisor, agent, reveals):
    client.force_login(supervisor)

    mine = client.get(URL, {"user": supervisor.pk})
    theirs = client.get(URL, {"user": agent.pk, "from": "2000-01-01", "to": "2999-12-31"})

    assert list(mine.context["reveals"]) == []
    assert len(theirs.context["reveals"]) == 2


@pytest.mark.parametrize(
    "query",
    [
        {"page": "9" * 40},
        {"page": "-1"},
        {"from": "99999-01-01"},
        {"to": "2026-02-30"},
        {"user": "9" * 40},
        {"user": "１２"},
        {"from": "\x00"},
    ],
)
def test_odd_query_strings_never_break_the_page(client, supervisor, reveals, query):
    client.force_login(supervisor)

    assert client.get(URL, query).status_code == 200


@pytest.mark.parametrize("role", ["agent", "warehouse", "administrator"])
def test_other_roles_may_not_read_it(client, shop, reveals, role):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username=f"u-{role}", roles=[role], shops=[shop]))

    assert client.get(URL).status_code == 403


def test_a_superuser_without_the_role_may_not_read_it(client, shop, reveals):
    from tests.factories import UserFactory

    boss = UserFactory(username="root", shops=[shop], is_superuser=True, is_staff=True)
    client.force_login(boss)

    assert client.get(URL).status_code == 403


def test_the_admin_can_neither_change_nor_delete_a_reveal(client, shop, reveals):
    from django.contrib.admin import site

    from tests.factories import UserFactory

    admin_user = UserFactory(username="root", shops=[shop], is_superuser=True, is_staff=True)
    request = type("R", (), {"user": admin_user})()
    model_admin = site._registry[ContactReveal]

    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.has_add_permission(request)


def test_the_menu_offers_the_log_only_to_those_who_may_read_it(client, agent, supervisor):
    client.force_login(supervisor)
    assert 'id="nav-reveals"' in client.get(reverse("cases:inbox")).content.decode()

    client.force_login(agent)
    assert 'id="nav-reveals"' not in client.get(reverse("cases:inbox")).content.decode()
