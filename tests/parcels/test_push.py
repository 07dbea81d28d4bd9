"""From Kuaidi100's push to the case, through tracking's real endpoint: 超区 (2/207) opens a
problem parcel by itself; the same push again (Kuaidi100 retries) opens nothing more."""

import datetime as dt
import hashlib
import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from aftersales.cases.models import Case
from tests.factories import CarrierFactory, OrderFactory, OrderLineFactory, ShipmentFactory
from tests.parcels.helpers import SHANGHAI

pytestmark = pytest.mark.django_db
SALT = "parcels-test-salt"
WAYBILL = "YT9900000000001"


def _form(lines) -> str:
    param = json.dumps(
        {
            "status": "polling",
            "message": "",
            "autoCheck": "0",
            "lastResult": {
                "message": "ok",
                "state": "2",
                "status": "200",
                "ischeck": "0",
                "com": "yuantong",
                "nu": WAYBILL,
                "data": [
                    {
                        "context": context,
                        "ftime": f"{at:%Y-%m-%d %H:%M:%S}",
                        "time": f"{at:%Y-%m-%d %H:%M}",
                        "status": status,
                        "statusCode": code,
                    }
                    for at, context, status, code in lines
                ],
            },
        },
        ensure_ascii=False,
    )
    sign = hashlib.md5((param + SALT).encode(), usedforsecurity=False).hexdigest()
    return urlencode({"param": param, "sign": sign})


def _push(body):
    return Client().post(
        "/api/v1/tracking/kuaidi100/push", body, content_type="application/x-www-form-urlencoded"
    )


def test_a_pushed_out_of_area_opens_one_case(shop, settings, time_machine):
    settings.KUAIDI100_SALT = SALT
    time_machine.move_to(dt.datetime(2026, 11, 14, 9, 0, tzinfo=SHANGHAI), tick=False)
    order = OrderFactory(shop=shop)
    OrderLineFactory(order=order, line_no=1)
    ShipmentFactory(
        order=order,
        carrier=CarrierFactory(code="yto", name="圆通速递"),
        waybill_no=WAYBILL,
        shipped_at=dt.datetime(2026, 11, 10, 18, 0, tzinfo=SHANGHAI),
    )
    collected = (
        dt.datetime(2026, 11, 11, 5, 49, tzinfo=SHANGHAI),
        "【广州市】快件已被揽收",
        "揽收",
        "103",
    )
    out_of_area = (
        dt.datetime(2026, 11, 14, 5, 49, tzinfo=SHANGHAI),
        "【阿里地区】快件超出派送范围，请联系寄件方处理",
        "疑难",
        "207",
    )
    body = _form([out_of_area, collected])
    assert _push(body).json()["result"] is True
    case = Case.objects.get(kind="problem_parcel")
    assert case.parcel_problem.problem_kind == "out_of_area"
    assert case.parcel_problem.source_event_id is not None
    assert _push(body).json()["result"] is True
    assert Case.objects.filter(kind="problem_parcel").count() == 1
