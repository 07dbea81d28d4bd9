"""An order of the agent's shop, signed for two days before NOW, with a return opened on it:
what the page tests look at."""

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.returns.services import return_case_open
from tests.factories import OrderFactory, OrderLineFactory, ShipmentFactory

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def order(shop):
    order = OrderFactory(shop=shop, freight_paid=Decimal("0.00"))
    OrderLineFactory(order=order, line_no=1)
    ShipmentFactory(
        order=order, sign_precision="exact", signed_at=dt.datetime(2026, 11, 18, 6, tzinfo=dt.UTC)
    )
    return order


@pytest.fixture
def return_case(order, agent):
    line = order.lines.get()
    return return_case_open(
        order=order,
        kind="return_refund",
        lines=[(line, 2)],
        reason="no_reason",
        actor=agent,
        now=NOW,
    )
