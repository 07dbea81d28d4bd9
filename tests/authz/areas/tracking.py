"""The tracking area's part of the walks (see tests/authz/areas/__init__.py).

- ``POST /tracking/kuaidi100/push``: Kuaidi100's webhook, authenticated by its signature alone
  (no session, no token): anyone holding the salt gets through, whatever their role, so the
  rule is ANY and the walk calls it without credentials, as Kuaidi100 does. The outsider's
  walk sends a well-signed push for a waybill that is not shop A's: taken (200), and nothing
  of shop A in the answer.
- ``GET /tracking/shipments/{shipment_id}``: a shipment's tracking line, ORDER_VIEW in its
  shop; the outsider's walk finds shop A's shipment not found (its id is the shared
  ``shipment_id``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os

from aftersales.accounts.permissions import Perm
from aftersales.tracking.kuaidi100 import configured_salt
from aftersales.tracking.policies import NormalisedEvent
from aftersales.tracking.services import apply_events
from tests.api import NOW
from tests.authz import ANY
from tests.authz.calls import Call, OutsiderCall

PUSH = ("post", "/tracking/kuaidi100/push")
SHIPMENT = ("get", "/tracking/shipments/{shipment_id}")

API_OPERATIONS = {PUSH: ANY, SHIPMENT: Perm.ORDER_VIEW}

# The salt the walks sign with when the settings give none (the test settings have none).
WALK_SALT = "walk-salt"
TAKEN = {"result": True, "returnCode": "200", "message": "成功"}


def _salt() -> str:
    os.environ.setdefault("KUAIDI100_SALT", WALK_SALT)
    return configured_salt()


def _push_form(*, com: str, nu: str) -> dict[str, str]:
    """A well-signed push: the parcel collected and on its way, before NOW."""
    param = json.dumps(
        {
            "status": "polling",
            "message": "",
            "autoCheck": "0",
            "comOld": "",
            "comNew": "",
            "lastResult": {
                "message": "ok",
                "state": "0",
                "status": "200",
                "ischeck": "0",
                "com": com,
                "nu": nu,
                "data": [
                    {
                        "context": "【杭州市】快件已发往 成都转运中心",
                        "ftime": "2026-11-11 21:25:19",
                        "statusCode": "1002",
                    },
                    {
                        "context": "【杭州市】快件已被 余杭一部 揽收",
                        "ftime": "2026-11-11 12:25:19",
                        "statusCode": "103",
                    },
                ],
            },
        },
        ensure_ascii=False,
    )
    sign = hashlib.md5((param + _salt()).encode(), usedforsecurity=False).hexdigest().upper()
    return {"param": param, "sign": sign}


def api_calls():
    def push(story, actor):
        order, _lines = story.order()
        shipment = order.shipments.get()
        return Call(
            multipart=_push_form(com="yuantong", nu=shipment.waybill_no),
            auth=False,
            shows=lambda r: r.json() == TAKEN and shipment.tracking.status == "in_transit",
        )

    def shipment_tracking(story, actor):
        order, _lines = story.order()
        shipment = order.shipments.get()
        at = NOW - dt.timedelta(days=3)
        apply_events(
            [
                NormalisedEvent(
                    shipment_id=shipment.pk,
                    occurred_at=at,
                    status="in_transit",
                    raw_state="1002",
                    context="【杭州市】快件已发往 成都转运中心",
                )
            ],
            now=NOW,
        )
        return Call(
            ids={"shipment_id": shipment.pk},
            shows=lambda r: (
                (r.json()["shipment_id"], r.json()["status"], len(r.json()["events"]))
                == (shipment.pk, "in_transit", 1)
            ),
        )

    return {PUSH: push, SHIPMENT: shipment_tracking}


def outsider_calls(records):
    return {
        PUSH: OutsiderCall(
            "empty", multipart=_push_form(com="yuantong", nu="NOT-SHOP-A-1"), auth=False
        )
    }
