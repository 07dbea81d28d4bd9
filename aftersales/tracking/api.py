"""Carrier tracking (§2): Kuaidi100's push callback, and a shipment's tracking line."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from ninja import Router, Schema

from aftersales.core.schemas import ERRORS
from aftersales.tracking import kuaidi100, selectors
from aftersales.tracking.models import TrackingStatus

router = Router(tags=["tracking"])


class PushReplyOut(Schema):
    """What Kuaidi100 reads: ``result`` true and ``returnCode`` "200" once a push is taken."""

    result: bool
    returnCode: str  # noqa: N815 - Kuaidi100's name
    message: str


class PushRefusedOut(PushReplyOut):
    """A refused push: ``result`` false, the HTTP status as ``returnCode``, our error code and
    the field to blame (``sign``, ``param``, ``lastResult.data[2].ftime``, ``body``)."""

    code: str
    field: str | None


_PUSH_SCHEMA = {
    "type": "object",
    "required": ["param", "sign"],
    "properties": {
        "param": {
            "type": "string",
            "description": "The push as a JSON string (status, lastResult…).",
        },
        "sign": {"type": "string", "description": "MD5(param + salt), 32 hex, any case."},
    },
}
_PUSH_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            # What Kuaidi100 sends; a multipart form is read all the same.
            "application/x-www-form-urlencoded": {"schema": _PUSH_SCHEMA},
            "multipart/form-data": {"schema": _PUSH_SCHEMA},
        },
    }
}


@router.post(
    "/kuaidi100/push",
    auth=None,
    response={
        200: PushReplyOut,
        400: PushRefusedOut,
        403: PushRefusedOut,
        413: PushRefusedOut,
        422: PushRefusedOut,
    },
    openapi_extra=_PUSH_FORM,
    summary="Kuaidi100 push callback",
)
def kuaidi100_push(request):
    """Kuaidi100's subscription callback (订阅推送): the form fields ``param`` and ``sign``,
    authenticated by the signature alone (MD5 of ``param`` + the salt in the setting
    ``KUAIDI100_SALT``) — no session, no token, no CSRF. Every push is the whole history,
    newest first, and is applied idempotently: the same push again changes nothing, an older
    one never moves a shipment back. Every body is kept raw, a refused one too (a bad
    signature: 403; not what Kuaidi100 sends: 400/422 naming the field; over 512 KB: 413).
    A push for a waybill we do not know is taken (200), kept and reported."""
    now = timezone.now()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > kuaidi100.MAX_BODY:
        head = request.read(kuaidi100.KEEP_OF_TOO_LARGE)
        outcome = kuaidi100.refuse_too_large(head=head, length=length, now=now)
    elif request.content_type == "multipart/form-data":
        # Not what Kuaidi100 sends, but a form all the same: read by Django, kept raw.
        text = request.body.decode("utf-8", errors="replace")
        try:
            param, sign = request.POST.get("param"), request.POST.get("sign")
        except (SuspiciousOperation, MultiPartParserError):
            outcome = kuaidi100.refuse_unreadable(text=text, now=now)
        else:
            outcome = kuaidi100.push_take(text=text, param=param, sign=sign, now=now)
    else:
        outcome = kuaidi100.push_receive(body=request.body, now=now)
    return JsonResponse(
        outcome.body, status=outcome.http_status, json_dumps_params={"ensure_ascii": False}
    )


class EventOut(Schema):
    id: int
    occurred_at: dt.datetime
    status: str
    status_label: str
    raw_state: str
    context: str
    area: str

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(TrackingStatus(obj.status).label) if obj.status in TrackingStatus.values else ""


class ShipmentTrackingOut(Schema):
    shipment_id: int
    order_id: int
    carrier: str | None
    waybill_no: str
    # Blank while nothing is known; one of collected, in_transit, out_for_delivery, signed,
    # refused, returning, out_of_area, blind_area, stranded, no_update.
    status: str
    status_label: str
    is_problem: bool
    # The time of the event that set the status (for no_update: of the last event).
    status_at: dt.datetime | None
    last_event_at: dt.datetime | None
    last_polled_at: dt.datetime | None
    subscribed: bool
    # The sign-in the carrier reported; the shipment's own sign-in is on the order.
    carrier_signed_at: dt.datetime | None
    # A person recorded a sign-in that differs from the carrier's (the person's stays).
    sign_in_conflict: bool
    events: list[EventOut]


def _out(line: selectors.TrackingLine) -> dict:
    tracking = line.tracking
    status = line.status
    return {
        "shipment_id": line.shipment.pk,
        "order_id": line.shipment.order_id,
        "carrier": line.shipment.carrier.name if line.shipment.carrier_id else None,
        "waybill_no": line.shipment.waybill_no,
        "status": status,
        "status_label": str(TrackingStatus(status).label) if status else "",
        "is_problem": line.is_problem,
        "status_at": tracking.status_at if tracking else None,
        "last_event_at": tracking.last_event_at if tracking else None,
        "last_polled_at": tracking.last_polled_at if tracking else None,
        "subscribed": tracking.subscribed if tracking else False,
        "carrier_signed_at": tracking.carrier_signed_at if tracking else None,
        "sign_in_conflict": line.sign_in_conflict,
        "events": line.events,
    }


@router.get("/shipments/{shipment_id}", response={200: ShipmentTrackingOut, **ERRORS})
def shipment_tracking(request, shipment_id: int):
    """A shipment's tracking: where it stands and every event, newest first. For those who
    may see orders, in their shops; another shop's shipment is not found."""
    return _out(selectors.shipment_tracking_get(user=request.user, shipment_id=shipment_id))
