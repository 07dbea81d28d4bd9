"""The sample pushes (../shared/samples/kuaidi100_pushes.jsonl, copied to tests/tracking/data)
and the shipments they are about."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from tests.factories import CarrierFactory, OrderFactory, ShipmentFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
SALT = "aftersales-demo-salt"
PUSH_URL = "/api/v1/tracking/kuaidi100/push"
# After every sample's last line (22 Nov, 02:10 in Shanghai).
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)
SAMPLES = Path(__file__).parent / "data" / "kuaidi100_pushes.jsonl"


def samples() -> list[dict]:
    return [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines() if line]


def sample(case_starts: str) -> dict:
    found = [s for s in samples() if s["case"].startswith(case_starts)]
    assert len(found) == 1, case_starts
    return found[0]


def form_body(form: dict) -> str:
    return urlencode(form)


def push(client, form: dict):
    return client.post(PUSH_URL, form_body(form), content_type="application/x-www-form-urlencoded")


@pytest.fixture(autouse=True)
def _salt(settings):
    settings.KUAIDI100_SALT = SALT


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def parcels(shop):
    """The four parcels of the samples, each in an order of ``shop``, shipped before their
    first line; our carriers' codes are not Kuaidi100's."""
    carriers = {
        "shentong": CarrierFactory(code="sto", name="申通快递"),
        "yuantong": CarrierFactory(code="yto", name="圆通速递"),
        "jtexpress": CarrierFactory(code="jt", name="极兔速递"),
        "youzhengguonei": CarrierFactory(code="post", name="邮政快递包裹"),
    }
    waybills = {
        "shentong": ("77956997616807", dt.datetime(2026, 11, 13, 9, 0, tzinfo=SHANGHAI)),
        "yuantong": ("73538983640727", dt.datetime(2026, 11, 10, 18, 0, tzinfo=SHANGHAI)),
        "jtexpress": ("78408754141567", dt.datetime(2026, 11, 17, 18, 0, tzinfo=SHANGHAI)),
        "youzhengguonei": ("72467438592934", dt.datetime(2026, 10, 21, 9, 0, tzinfo=SHANGHAI)),
    }
    out = {}
    for com, (waybill, shipped_at) in waybills.items():
        order = OrderFactory(shop=shop)
        out[com] = ShipmentFactory(
            order=order, carrier=carriers[com], waybill_no=waybill, shipped_at=shipped_at
        )
    return out


@pytest.fixture
def system_sign_in(db):
    """The tracking records a sign-in as the system (no actor) through
    ``orders.services.shipment_sign_in_record``, which takes the system for source
    'tracking' only."""
