"""Factories per app. Persona fixtures live in tests/conftest.py."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from aftersales.accounts.models import Department, Shop, User
from aftersales.core.models import Carrier
from aftersales.orders.models import Order, OrderLine, OrderStatus, Product, Shipment

UTC = dt.UTC


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试店铺{n}")
    return_address = "浙江省 杭州市 余杭区 仓前街道 文一西路 100号 售后仓"
    return_contact = "售后仓"
    return_phone = "0571-88880000"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"部门{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username)
    password = factory.django.Password("pw-123456")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=name)[0])

    @factory.post_generation
    def shops(self, create, extracted, **kwargs):
        for shop in extracted or []:
            self.shops.add(shop)


class CarrierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Carrier
        django_get_or_create = ("code",)

    code = "yto"
    name = "圆通速递"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    shop = factory.SubFactory(ShopFactory)
    sku_code = factory.Sequence(lambda n: f"SKU-{n}")
    title = "商品"
    stock = 10


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    shop = factory.SubFactory(ShopFactory)
    order_no = factory.Sequence(lambda n: f"41{n:017d}")
    buyer_nick = factory.Sequence(lambda n: f"tb{n:07d}")
    receiver_name = "张三"
    receiver_phone = "13812345678"
    province = "浙江省"
    city = "杭州市"
    district = "西湖区"
    street = "文三路 1号"
    status = OrderStatus.SUCCESS
    goods_total = Decimal("99.00")
    freight_paid = Decimal("0.00")
    amount_paid = Decimal("99.00")
    created_at = dt.datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    paid_at = dt.datetime(2026, 11, 10, 2, 1, tzinfo=UTC)


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    line_no = factory.Sequence(lambda n: n + 1)
    title = "男士中筒袜子 10双装"
    sku_code = "WZ-10"
    unit_price = Decimal("9.90")
    quantity = 10
    amount_paid = Decimal("99.00")


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shipment

    order = factory.SubFactory(OrderFactory)
    direction = "outbound"
    carrier = factory.SubFactory(CarrierFactory)
    waybill_no = factory.Sequence(lambda n: f"YT{n:012d}")
    shipped_at = dt.datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    sign_precision = "none"
    # A sign-in the test gives came from the carrier's tracking unless it says otherwise.
    sign_source = factory.LazyAttribute(lambda s: "" if s.sign_precision == "none" else "tracking")


def ledger_case(order, *, now=dt.datetime(2026, 11, 14, 1, 0, tzinfo=UTC)):
    """A compensation case on ``order`` that the refund ledger's own tests hang refunds on:
    every refund belongs to a case, and these tests are about the ledger, not the flow. Written
    directly, one per order."""
    from aftersales.cases.models import Case, CaseLine

    case = Case.objects.filter(order=order, buyer_claim="ledger").first()
    if case is not None:
        return case
    case = Case.objects.create(
        number=f"LEDGER{order.pk:010d}",
        shop_id=order.shop_id,
        order=order,
        kind="compensation",
        status="approved",
        buyer_claim="ledger",
        created_at=now,
        updated_at=now,
    )
    CaseLine.objects.bulk_create(
        [CaseLine(case=case, order_line=line, quantity=line.quantity) for line in order.lines.all()]
    )
    return case
