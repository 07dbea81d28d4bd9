"""Who may import or change orders: the services check ``Perm.ORDER_IMPORT`` themselves, before
anything is read or written, whoever calls them. ``actor=None`` is the system itself."""

import datetime as dt
import io

import pytest

from aftersales.accounts.permissions import MSG_NOT_FOUND, MSG_PERMISSION, PERM_LABELS, Perm
from aftersales.core.errors import NotFound, PermissionDeniedError
from aftersales.orders.models import Order, OrderLine
from aftersales.orders.services import order_import_files, order_upsert_many
from tests.factories import UserFactory
from tests.orders.test_import import ITEMS_SAMPLE, ORDERS_SAMPLE
from tests.orders.test_import_upsert import an_order

NOW = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
REFUSED = str(MSG_PERMISSION % {"what": PERM_LABELS[Perm.ORDER_IMPORT]})

# role × may import orders in its own shop: the written table (accounts.permissions).
ROLE_TABLE = {
    "administrator": True,
    "supervisor": True,
    "agent": False,
    "warehouse": False,
    "packer": False,
    "review_specialist": False,
    "dispute_specialist": False,
}


class Unreadable(io.RawIOBase):
    """A file that fails the test if the import reads it."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise AssertionError("the file was read before the actor was checked")


def test_the_table_is_the_permission_table():
    from aftersales.accounts.permissions import PERMISSIONS

    assert {role for role, may in ROLE_TABLE.items() if may} == PERMISSIONS[Perm.ORDER_IMPORT]


@pytest.mark.parametrize(("role", "may"), ROLE_TABLE.items())
def test_importing_files_by_role(shop, role, may):
    actor = UserFactory(username=role, roles=[role], shops=[shop])

    if may:
        report = order_import_files(
            shop=shop, actor=actor, orders_file=ORDERS_SAMPLE, items_file=ITEMS_SAMPLE, now=NOW
        )
        assert (report.orders_created, report.lines_created, report.errors) == (60, 90, [])
    else:
        with pytest.raises(PermissionDeniedError) as refused:
            order_import_files(shop=shop, actor=actor, orders_file=Unreadable(), now=NOW)
        assert str(refused.value.message) == REFUSED == "您的角色不能导入或修改订单。"
        assert not Order.objects.exists()


@pytest.mark.parametrize(("role", "may"), ROLE_TABLE.items())
def test_upserting_orders_by_role(shop, role, may):
    actor = UserFactory(username=role, roles=[role], shops=[shop])

    if may:
        report = order_upsert_many(shop=shop, actor=actor, orders=[an_order()], now=NOW)
        assert (report.orders_created, report.lines_created, report.errors) == (1, 3, [])
    else:
        with pytest.raises(PermissionDeniedError):
            order_upsert_many(shop=shop, actor=actor, orders=[an_order()], now=NOW)
        assert (Order.objects.count(), OrderLine.objects.count()) == (0, 0)


def test_an_outsider_finds_no_shop_to_import_into(shop, outsider):
    # The outsider supervises another shop: this one is not found, whatever the role.
    with pytest.raises(NotFound) as not_found:
        order_import_files(shop=shop, actor=outsider, orders_file=Unreadable(), now=NOW)
    with pytest.raises(NotFound):
        order_upsert_many(shop=shop, actor=outsider, orders=[an_order()], now=NOW)

    assert str(not_found.value.message) == str(MSG_NOT_FOUND)
    assert not Order.objects.exists()


def test_an_outsider_cannot_change_an_existing_order(shop, outsider):
    order_upsert_many(shop=shop, actor=None, orders=[an_order()], now=NOW)

    with pytest.raises(NotFound):
        order_upsert_many(
            shop=shop, actor=outsider, orders=[an_order(status="closed", seller_note="x")], now=NOW
        )

    assert Order.objects.get().status == "wait_seller_send"


def test_an_inactive_supervisor_may_not(shop):
    actor = UserFactory(username="gone", roles=["supervisor"], shops=[shop], is_active=False)

    with pytest.raises(PermissionDeniedError):
        order_upsert_many(shop=shop, actor=actor, orders=[an_order()], now=NOW)

    assert not Order.objects.exists()


def test_the_system_imports_without_an_actor(shop):
    report = order_import_files(shop=shop, actor=None, orders_file=ORDERS_SAMPLE, now=NOW)

    assert (report.orders_created, report.errors) == (60, [])


def test_the_actor_must_be_named(shop):
    with pytest.raises(TypeError, match="actor"):
        order_upsert_many(shop=shop, orders=[an_order()], now=NOW)
