"""Kuaidi100's push callback end to end, with the sample pushes as they arrive."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

import pytest
from django.test import Client

from aftersales.orders.models import Shipment, ShipmentSignInChange
from aftersales.tracking.models import ShipmentTracking, TrackingEvent, TrackingPayload
from tests.tracking.conftest import NOW, PUSH_URL, SALT, SHANGHAI, form_body, push, sample

OK = {"result": True, "returnCode": "200", "message": "成功"}


def _signed(param: str, salt: str = SALT) -> dict:
    digest = hashlib.md5((param + salt).encode(), usedforsecurity=False).hexdigest()
    return {"param": param, "sign": digest.upper()}


def _param(**changes) -> str:
    base = json.loads(sample("in transit")["form"]["param"])
    last = base["lastResult"]
    for key, value in changes.items():
        if key in ("status", "autoCheck", "comNew", "message"):
            base[key] = value
        else:
            last[key] = value
    return json.dumps(base, ensure_ascii=False)


def _state(shipment) -> dict:
    row = ShipmentTracking.objects.filter(shipment=shipment).values().first()
    return {
        "tracking": row,
        "events": list(TrackingEvent.objects.filter(shipment=shipment).order_by("id").values()),
        "shipment": Shipment.objects.filter(pk=shipment.pk).values().get(),
        "sign_in_changes": ShipmentSignInChange.objects.filter(shipment=shipment).count(),
    }


@pytest.mark.django_db
def test_in_transit_push_is_taken_kept_and_applied(client, parcels, frozen):
    response = push(client, sample("in transit")["form"])

    assert response.status_code == 200
    assert response.json() == OK
    shipment = parcels["shentong"]
    tracking = ShipmentTracking.objects.get(shipment=shipment)
    assert tracking.status == "in_transit"
    assert tracking.status_at == dt.datetime(2026, 11, 15, 12, 25, 19, tzinfo=SHANGHAI)
    assert tracking.last_event_at == tracking.status_at
    assert tracking.subscribed is True
    assert tracking.carrier_code == "shentong"
    events = list(TrackingEvent.objects.filter(shipment=shipment).order_by("occurred_at"))
    assert [(e.status, e.raw_state) for e in events] == [
        ("collected", "103"),
        ("in_transit", "1002"),
        ("in_transit", "1001"),
    ]
    assert events[0].context == "【杭州市】快件已被 余杭一部 揽收"
    assert events[0].area == "杭州市"
    payload = TrackingPayload.objects.get()
    assert payload.signature_ok is True
    assert payload.shipment_id == shipment.pk
    assert payload.events_new == 3
    assert payload.body == form_body(sample("in transit")["form"])
    assert {e.payload_id for e in events} == {payload.pk}


@pytest.mark.django_db
def test_the_whole_sample_sequence_for_one_parcel(client, parcels, frozen, system_sign_in):
    shipment = parcels["shentong"]
    for case in ("in transit", "out for delivery", "signed by the buyer"):
        assert push(client, sample(case)["form"]).json() == OK

    tracking = ShipmentTracking.objects.get(shipment=shipment)
    assert tracking.status == "signed"
    signed_at = dt.datetime(2026, 11, 15, 21, 37, 26, tzinfo=SHANGHAI)
    assert tracking.status_at == signed_at
    assert tracking.carrier_signed_at == signed_at
    assert tracking.subscribed is False  # shutdown: Kuaidi100 is done with it
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 5
    shipment.refresh_from_db()
    assert (shipment.sign_precision, shipment.signed_at, shipment.sign_source) == (
        "exact",
        signed_at,
        "tracking",
    )
    assert shipment.sign_recorded_by is None
    change = ShipmentSignInChange.objects.get(shipment=shipment)
    assert change.actor is None
    assert change.after["source"] == "tracking"

    # The same signed push again (a retry): nothing changes, only the raw body is kept.
    before = _state(shipment)
    payloads = TrackingPayload.objects.count()
    assert push(client, sample("the same signed push again")["form"]).json() == OK
    assert _state(shipment) == before
    assert TrackingPayload.objects.count() == payloads + 1

    # An older push arriving late never moves the shipment back.
    assert push(client, sample("an older push arriving late")["form"]).json() == OK
    assert _state(shipment) == before


@pytest.mark.django_db
def test_a_bad_signature_is_refused_logged_and_kept(client, parcels, frozen, caplog):
    caplog.set_level(logging.WARNING, logger="aftersales.tracking")

    response = push(client, sample("bad signature")["form"])

    assert response.status_code == 403
    body = response.json()
    assert body["result"] is False
    assert body["returnCode"] == "403"
    assert (body["code"], body["field"]) == ("bad_signature", "sign")
    assert TrackingEvent.objects.count() == 0
    assert ShipmentTracking.objects.count() == 0
    payload = TrackingPayload.objects.get()
    assert payload.signature_ok is False
    assert payload.error.startswith("sign:")
    assert payload.body == form_body(sample("bad signature")["form"])
    assert any("bad_signature" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_the_signature_is_compared_whatever_its_case(client, parcels, frozen):
    form = dict(sample("in transit")["form"])
    form["sign"] = form["sign"].lower()

    assert push(client, form).json() == OK
    assert ShipmentTracking.objects.get().status == "in_transit"


@pytest.mark.django_db
@pytest.mark.parametrize("sign", ["元；0 表示不扣款。", "\x00", "Ａ" * 32])
def test_a_signature_of_any_characters_is_refused_not_a_server_error(client, parcels, frozen, sign):
    form = dict(sample("in transit")["form"])
    form["sign"] = sign

    response = push(client, form)

    assert response.status_code in (403, 422), response.content
    assert TrackingEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_signature_with_another_salt_is_refused(client, parcels, frozen):
    response = push(client, _signed(_param(), salt="someone-elses"))

    assert response.status_code == 403
    assert TrackingEvent.objects.count() == 0


@pytest.mark.django_db
def test_without_a_salt_every_push_is_refused(client, parcels, frozen, settings, monkeypatch):
    settings.KUAIDI100_SALT = ""
    monkeypatch.delenv("KUAIDI100_SALT", raising=False)
    # MD5(param) alone: what anyone could compute.
    response = push(client, _signed(_param(), salt=""))

    assert response.status_code == 403
    assert response.json()["code"] == "not_configured"
    assert TrackingEvent.objects.count() == 0


@pytest.mark.django_db
def test_the_salt_may_come_from_the_environment(client, parcels, frozen, settings, monkeypatch):
    del settings.KUAIDI100_SALT
    monkeypatch.setenv("KUAIDI100_SALT", SALT)

    assert push(client, sample("in transit")["form"]).json() == OK


@pytest.mark.django_db
def test_the_webhook_needs_no_session_nor_csrf(parcels, frozen, agent):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agent)

    response = push(strict, sample("in transit")["form"])

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "com", "status", "raw"),
    [
        ("out of area", "yuantong", "out_of_area", "207"),
        ("stranded", "jtexpress", "stranded", "208"),
        ("refused at the door", "youzhengguonei", "refused", "14"),
    ],
)
def test_problem_samples(client, parcels, frozen, case, com, status, raw):
    assert push(client, sample(case)["form"]).json() == OK

    tracking = ShipmentTracking.objects.get(shipment=parcels[com])
    assert tracking.status == status
    newest = TrackingEvent.objects.filter(shipment=parcels[com]).order_by("-occurred_at").first()
    assert (newest.status, newest.raw_state) == (status, raw)
    assert tracking.status_event_id == newest.pk


@pytest.mark.django_db
def test_an_unknown_waybill_is_taken_kept_and_reported(client, parcels, frozen, caplog):
    caplog.set_level(logging.WARNING, logger="aftersales.tracking")

    response = push(client, _signed(_param(nu="NOSUCHWAYBILL1")))

    assert response.json() == OK
    payload = TrackingPayload.objects.get()
    assert (payload.shipment_id, payload.waybill_no, payload.error) == (
        None,
        "NOSUCHWAYBILL1",
        "unknown waybill",
    )
    assert TrackingEvent.objects.count() == 0
    assert any("unknown waybill" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_auto_check_uses_the_corrected_carrier(client, parcels, frozen):
    # Subscribed as 圆通, Kuaidi100 found it is 申通's: comNew is the carrier.
    param = _param(com="yuantong", autoCheck="1", comNew="shentong")

    assert push(client, _signed(param)).json() == OK
    tracking = ShipmentTracking.objects.get(shipment=parcels["shentong"])
    assert tracking.carrier_code == "shentong"


@pytest.mark.django_db
def test_state_may_be_an_integer(client, parcels, frozen):
    base = json.loads(sample("out of area")["form"]["param"])
    base["lastResult"]["state"] = 2
    for row in base["lastResult"]["data"]:
        row.pop("statusCode")
        row.pop("status")
    base["lastResult"]["data"][0]["context"] = "快件到达 阿里地区，该地区无网点"

    assert push(client, _signed(json.dumps(base, ensure_ascii=False))).json() == OK
    # No code of its own: state 2 and the words say blind area.
    assert ShipmentTracking.objects.get(shipment=parcels["yuantong"]).status == "blind_area"


@pytest.mark.django_db
def test_abort_marks_a_parcel_on_its_way_silent(client, parcels, frozen):
    push(client, sample("in transit")["form"])
    param = _param(status="abort", message="60天无变化")

    assert push(client, _signed(param)).json() == OK
    tracking = ShipmentTracking.objects.get(shipment=parcels["shentong"])
    assert tracking.status == "no_update"
    assert tracking.subscribed is False
    # Silent since its last event: any later event moves it again.
    assert tracking.status_at == dt.datetime(2026, 11, 15, 12, 25, 19, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_updateall_is_a_full_push_like_any_other(client, parcels, frozen):
    assert push(client, _signed(_param(status="updateall"))).json() == OK
    assert ShipmentTracking.objects.get().status == "in_transit"


# --- malformed bodies: 4xx naming the field, kept raw, never a 500 ---------------------------


def _raw(client, body: bytes | str, content_type="application/x-www-form-urlencoded"):
    return client.post(PUSH_URL, body, content_type=content_type)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ("", 422, "param"),
        ("param=%7B%7D", 422, "sign"),
        ("sign=abc", 422, "param"),
        (b"param=\xff\xfe&sign=x", 400, "body"),
    ],
)
def test_a_form_without_its_fields(client, parcels, frozen, body, status, field):
    response = _raw(client, body)

    assert response.status_code == status
    assert (response.json()["field"], response.json()["result"]) == (field, False)
    assert TrackingPayload.objects.get().error.startswith(f"{field}:")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("param", "field", "code"),
    [
        ("not json", "param", "invalid"),
        ("[1, 2]", "param", "invalid"),
        ('{"lastResult": {}}', "status", "required"),
        ('{"status": "weird", "lastResult": {}}', "status", "invalid"),
        ('{"status": "polling"}', "lastResult", "required"),
        ('{"status": "polling", "lastResult": []}', "lastResult", "invalid"),
        ('{"status": "polling", "lastResult": {"nu": "1"}}', "lastResult.com", "required"),
        ('{"status": "polling", "lastResult": {"com": "yuantong"}}', "lastResult.nu", "required"),
        (
            '{"status": "polling", "lastResult": {"com": "a", "nu": "1", "data": {}}}',
            "lastResult.data",
            "invalid",
        ),
        (
            '{"status": "polling", "lastResult": {"com": "a", "nu": "1", "data": ["x"]}}',
            "lastResult.data[0]",
            "invalid",
        ),
        (
            '{"status": "polling", "lastResult": {"com": "a", "nu": "1",'
            ' "data": [{"context": "x"}]}}',
            "lastResult.data[0].ftime",
            "required",
        ),
        (
            '{"status": "polling", "lastResult": {"com": "a", "nu": "1",'
            ' "data": [{"ftime": "2026-11-15 10:00:00"}, {"ftime": "yesterday"}]}}',
            "lastResult.data[1].ftime",
            "invalid",
        ),
        (
            '{"status": "polling", "lastResult": {"com": "a", "nu": "1",'
            ' "data": [{"ftime": "2026-02-30 10:00:00"}]}}',
            "lastResult.data[0].ftime",
            "invalid",
        ),
        (
            '{"status": "polling", "lastResult": {"com": "a", "nu": "1",'
            ' "data": [{"ftime": "2027-01-01 10:00:00"}]}}',
            "lastResult.data[0].ftime",
            "in_future",
        ),
        (
            '{"status": "polling", "lastResult": {"com": "a", "nu": "1",'
            ' "data": [{"ftime": "2026-11-15 10:00:00", "context": "a\\u0000b"}]}}',
            "lastResult.data[0].context",
            "invalid",
        ),
        (
            '{"status": "polling", "lastResult": {"com": "a", "nu": "1",'
            ' "data": [{"ftime": 20261115}]}}',
            "lastResult.data[0].ftime",
            "invalid",
        ),
        (
            '{"status": "polling", "lastResult": {"com": ["a"], "nu": "1"}}',
            "lastResult.com",
            "invalid",
        ),
    ],
)
def test_a_signed_param_that_is_not_a_push(client, parcels, frozen, param, field, code):
    response = push(client, _signed(param))

    assert response.status_code == 422, response.content
    body = response.json()
    assert (body["field"], body["code"], body["result"]) == (field, code, False)
    payload = TrackingPayload.objects.get()
    assert payload.signature_ok is True
    assert payload.error.startswith(f"{field}:")
    assert TrackingEvent.objects.count() == 0


@pytest.mark.django_db
def test_nul_bytes_in_the_body_are_kept_readable(client, parcels, frozen):
    response = _raw(client, b"param=\x00%7B&sign=0")

    assert response.status_code == 403  # the signature is checked before the JSON
    assert TrackingPayload.objects.get().body == "param=\\x00%7B&sign=0"


@pytest.mark.django_db
def test_a_huge_body_is_refused_before_it_is_read(client, parcels, frozen):
    huge = "param=" + "x" * (600 * 1024) + "&sign=0"

    response = _raw(client, huge)

    assert response.status_code == 413
    assert (response.json()["field"], response.json()["code"]) == ("body", "too_large")
    payload = TrackingPayload.objects.get()
    assert len(payload.body) == 4096
    assert "too large" in payload.error


@pytest.mark.django_db
def test_a_deeply_nested_param_is_refused_not_a_crash(client, parcels, frozen):
    param = "[" * 100_000 + "]" * 100_000

    response = push(client, _signed(param))

    assert response.status_code in (413, 422)


def test_now_is_after_every_sample():
    assert NOW.tzinfo is not None


@pytest.mark.django_db
def test_a_push_that_fails_to_apply_is_kept_and_retried(client, parcels, frozen):
    from aftersales.tracking import hooks

    def broken(problems, now):
        raise RuntimeError("parcels is down")

    hooks.register_problem_handler(broken)
    try:
        response = push(client, sample("out of area")["form"])
    finally:
        hooks.unregister_problem_handler(broken)

    # Not taken: Kuaidi100 pushes it again later; nothing of it was applied.
    assert response.status_code == 500
    assert TrackingEvent.objects.count() == 0
    payload = TrackingPayload.objects.get()
    assert payload.error == "not applied: RuntimeError: parcels is down"
    assert payload.shipment_id == parcels["yuantong"].pk
