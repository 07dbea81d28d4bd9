"""Kuaidi100's subscription push (订阅推送, PLATFORMS.md §1): a form POST of ``param`` (a JSON
string) and ``sign`` = MD5(param + salt), 32 hex, compared case-insensitively.

``push_receive`` keeps every body it is given (``TrackingPayload``), good or not, and answers
what Kuaidi100 expects: ``{"result": true, "returnCode": "200", "message": "成功"}`` once the
push is taken — also for a waybill we do not know (kept and reported: a retry would not make
it known) — and ``result: false`` with the HTTP status as ``returnCode``, our error ``code``
and the ``field`` to blame when it is refused (a bad signature, a body that is not what
Kuaidi100 sends). A refused push is retried by Kuaidi100 and refused again; nothing of it is
applied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import Carrier
from aftersales.orders.models import Shipment
from aftersales.tracking.models import (
    CarrierAlias,
    PayloadSource,
    ShipmentTracking,
    TrackingPayload,
)
from aftersales.tracking.policies import NormalisedEvent, parse_ftime, status_of
from aftersales.tracking.services import ApplyResult, apply_events, mark_no_update

logger = logging.getLogger("aftersales.tracking")

SYSTEM = "kuaidi100"
# A history of a hundred lines is some 30 KB; anything near this is not Kuaidi100.
MAX_BODY = 512 * 1024
# How much of a body too large to read is kept.
KEEP_OF_TOO_LARGE = 4096
# A carrier's clock may run a little ahead; a line dated further ahead is not believed.
FUTURE_SLACK = dt.timedelta(hours=1)

STATUSES = ("polling", "shutdown", "abort", "updateall")

MSG_OK = "成功"  # Kuaidi100 reads this reply; it is not shown to people
MSG_TOO_LARGE = _("推送内容过大（上限 %(max)s 字节）。")
MSG_NOT_UTF8 = _("推送内容不是 UTF-8 编码的表单。")
MSG_MISSING = _("缺少字段。")
MSG_NOT_JSON = _("不是合法的 JSON：%(reason)s。")
MSG_NOT_OBJECT = _("应为 JSON 对象。")
MSG_NOT_LIST = _("应为列表。")
MSG_NOT_TEXT = _("应为字符串。")
MSG_NUL = _("含有 NUL 字符。")
MSG_BAD_STATUS = _("未知的推送状态：%(value)s。")
MSG_BAD_TIME = _("时间格式应为 yyyy-MM-dd HH:mm:ss：%(value)s。")
MSG_FUTURE_TIME = _("时间晚于现在：%(value)s。")
MSG_BAD_SIGN = _("签名不正确。")
MSG_NO_SALT = _("未配置快递100的 salt（KUAIDI100_SALT），拒收所有推送。")

# Carriers as Kuaidi100 names them (PLATFORMS.md §1), with the names our carriers may bear:
# used when no alias row says otherwise, so a fresh install matches the usual carriers.
KNOWN_NAMES: dict[str, tuple[str, ...]] = {
    "yuantong": ("圆通",),
    "zhongtong": ("中通",),
    "shentong": ("申通",),
    "yunda": ("韵达",),
    "shunfeng": ("顺丰",),
    "jd": ("京东",),
    "jtexpress": ("极兔",),
    "ems": ("EMS",),
    "youzhengguonei": ("邮政快递包裹", "邮政"),
    "youzhengdsbk": ("邮政电商标快", "邮政"),
    "debangkuaidi": ("德邦快递", "德邦"),
    "debangwuliu": ("德邦物流", "德邦"),
    "huitongkuaidi": ("百世",),
    "zhaijisong": ("宅急送",),
}

_AREA = re.compile(r"^\s*【([^】]{1,30})】")


class PushRefused(Exception):
    def __init__(self, status: int, code: str, field: str | None, message: str):
        super().__init__(message)
        self.status, self.code, self.field, self.message = status, code, field, message


@dataclass(frozen=True)
class Entry:
    occurred_at: dt.datetime
    status: str
    raw_state: str
    context: str
    area: str


@dataclass(frozen=True)
class Push:
    status: str
    message: str
    com: str
    nu: str
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    http_status: int
    body: dict[str, Any]
    payload_id: int | None
    applied: ApplyResult | None = None


def configured_salt() -> str:
    """The salt given at subscription: ``settings.KUAIDI100_SALT``, else the environment."""
    return getattr(settings, "KUAIDI100_SALT", "") or os.environ.get("KUAIDI100_SALT", "")


def sign_ok(param: str, sign: str, salt: str) -> bool:
    expected = hashlib.md5((param + salt).encode("utf-8"), usedforsecurity=False).hexdigest()
    # Compared as bytes: a signature of any characters (not only hex) is just wrong, never an
    # error (compare_digest refuses non-ASCII str).
    given = (sign or "").strip().lower().encode("utf-8", "surrogatepass")
    return hmac.compare_digest(expected.encode("ascii"), given)


# --- reading ---------------------------------------------------------------------------------


def _text(value: Any, where: str, *, required: bool = False) -> str:
    if value is None:
        if required:
            raise PushRefused(422, "required", where, str(MSG_MISSING))
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PushRefused(422, "invalid", where, str(MSG_NOT_TEXT))
    text = str(value)
    if "\x00" in text:
        raise PushRefused(422, "invalid", where, str(MSG_NUL))
    if required and not text.strip():
        raise PushRefused(422, "required", where, str(MSG_MISSING))
    return text.strip()


def parse_push(param: str, *, now: dt.datetime) -> Push:
    """The push ``param`` says, or a refusal naming the field (``lastResult.data[2].ftime``)."""
    try:
        data = json.loads(param)
    except (ValueError, RecursionError) as exc:
        reason = str(exc)[:80]
        raise PushRefused(422, "invalid", "param", str(MSG_NOT_JSON % {"reason": reason})) from None
    if not isinstance(data, dict):
        raise PushRefused(422, "invalid", "param", str(MSG_NOT_OBJECT))
    status = _text(data.get("status"), "status", required=True)
    if status not in STATUSES:
        raise PushRefused(422, "invalid", "status", str(MSG_BAD_STATUS % {"value": status[:20]}))
    message = _text(data.get("message"), "message")
    last = data.get("lastResult")
    if not isinstance(last, dict):
        code = "required" if last is None else "invalid"
        text = MSG_MISSING if last is None else MSG_NOT_OBJECT
        raise PushRefused(422, code, "lastResult", str(text))
    com = _text(last.get("com"), "lastResult.com", required=True)
    # autoCheck=1: Kuaidi100 found the waybill under another carrier and tracks it there.
    if _text(data.get("autoCheck"), "autoCheck") == "1":
        com = _text(data.get("comNew"), "comNew") or com
    nu = _text(last.get("nu"), "lastResult.nu", required=True)
    state = _text(last.get("state"), "lastResult.state")  # "3" or 3: both are said
    rows = last.get("data")
    if rows is None:
        rows = []
    if not isinstance(rows, list):
        raise PushRefused(422, "invalid", "lastResult.data", str(MSG_NOT_LIST))
    entries = [
        _entry(row, f"lastResult.data[{i}]", state if i == 0 else "", now)
        for i, row in enumerate(rows)
    ]
    return Push(status=status, message=message, com=com, nu=nu, entries=entries)


def _entry(row: Any, where: str, state: str, now: dt.datetime) -> Entry:
    if not isinstance(row, dict):
        raise PushRefused(422, "invalid", where, str(MSG_NOT_OBJECT))
    context = _text(row.get("context"), f"{where}.context")
    raw_time = row.get("ftime") if row.get("ftime") not in (None, "") else row.get("time")
    time_field = f"{where}.ftime"
    text = _text(raw_time, time_field, required=True)
    try:
        occurred_at = parse_ftime(text)
    except ValueError:
        raise PushRefused(
            422, "invalid", time_field, str(MSG_BAD_TIME % {"value": text[:40]})
        ) from None
    if occurred_at > now + FUTURE_SLACK:
        raise PushRefused(422, "in_future", time_field, str(MSG_FUTURE_TIME % {"value": text}))
    code = _text(row.get("statusCode"), f"{where}.statusCode")
    name = _text(row.get("status"), f"{where}.status")
    if name.isdigit() and not code:  # some integrations put the code in ``status``
        code, name = name, ""
    if not code and not name:
        code = state  # the newest line takes the waybill's state
    area = _text(row.get("areaName"), f"{where}.areaName")
    if not area:
        match = _AREA.match(context)
        area = match.group(1) if match else ""
    return Entry(
        occurred_at=occurred_at,
        status=status_of(code=code, name=name, context=context),
        raw_state=code or name,
        context=context,
        area=area,
    )


# --- matching --------------------------------------------------------------------------------


def carrier_ids_for(com: str) -> list[int]:
    """Our carriers Kuaidi100's ``com`` may be: an alias row, else a carrier of that very
    code, else one whose name bears a known name of it."""
    com = com.strip().lower()
    if not com:
        return []
    aliased = list(
        CarrierAlias.objects.filter(system=SYSTEM, code=com).values_list("carrier_id", flat=True)
    )
    if aliased:
        return aliased
    names = Q(code=com)
    for name in KNOWN_NAMES.get(com, ()):
        names |= Q(name__startswith=name)
    return list(Carrier.objects.filter(names).values_list("id", flat=True))


def shipment_for(com: str, nu: str) -> Shipment | None:
    """The shipment of this carrier and waybill; else, the one shipment bearing the waybill
    (Kuaidi100 may have corrected the carrier the seller typed), if there is exactly one."""
    ids = carrier_ids_for(com)
    if ids:
        found = list(Shipment.objects.filter(carrier_id__in=ids, waybill_no=nu).order_by("id")[:2])
        if len(found) == 1:
            return found[0]
    found = list(Shipment.objects.filter(waybill_no=nu).order_by("id")[:2])
    return found[0] if len(found) == 1 else None


# --- receiving -------------------------------------------------------------------------------


def _reply(status: int, code: str | None = None, field: str | None = None, message: str = ""):
    if status == 200:
        return {"result": True, "returnCode": "200", "message": MSG_OK}
    return {
        "result": False,
        "returnCode": str(status),
        "message": message,
        "code": code,
        "field": field,
    }


def _keep(text: str) -> str:
    # PostgreSQL's text holds no NUL; what it was is still readable.
    return text.replace("\x00", "\\x00")


def _store(*, body: str, now: dt.datetime, **fields: Any) -> TrackingPayload:
    return TrackingPayload.objects.create(
        source=PayloadSource.KUAIDI100_PUSH, received_at=now, body=_keep(body), **fields
    )


def refuse_unreadable(*, text: str, now: dt.datetime) -> Outcome:
    return _refused(text, now, None, PushRefused(400, "invalid", "body", str(MSG_NOT_UTF8)))


def refuse_too_large(*, head: bytes, length: int, now: dt.datetime) -> Outcome:
    """A body over ``MAX_BODY``: its head is kept, the rest never read."""
    message = str(MSG_TOO_LARGE % {"max": MAX_BODY})
    payload = _store(
        body=head.decode("utf-8", errors="replace"),
        now=now,
        error=f"body: too large ({length} bytes)",
    )
    logger.warning("kuaidi100 push refused: body of %s bytes (payload %s)", length, payload.pk)
    return Outcome(413, _reply(413, "too_large", "body", message), payload.pk)


def push_receive(*, body: bytes, now: dt.datetime, salt: str | None = None) -> Outcome:
    """Take one push as it arrived (the raw form body)."""
    salt = configured_salt() if salt is None else salt
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _refused(
            body.decode("utf-8", errors="replace"),
            now,
            None,
            PushRefused(400, "invalid", "body", str(MSG_NOT_UTF8)),
        )
    try:
        form = parse_qs(text, keep_blank_values=True, max_num_fields=50)
    except ValueError:
        return _refused(text, now, None, PushRefused(400, "invalid", "body", str(MSG_NOT_UTF8)))
    return push_take(
        text=text,
        param=form.get("param", [None])[0],
        sign=form.get("sign", [None])[0],
        now=now,
        salt=salt,
    )


def push_take(
    *, text: str, param: str | None, sign: str | None, now: dt.datetime, salt: str | None = None
) -> Outcome:
    """Take a push whose form is read already (``text`` is the raw body, kept as it is)."""
    salt = configured_salt() if salt is None else salt
    if param is None:
        return _refused(text, now, None, PushRefused(422, "required", "param", str(MSG_MISSING)))
    if sign is None:
        return _refused(text, now, None, PushRefused(422, "required", "sign", str(MSG_MISSING)))
    if not salt:
        logger.error("kuaidi100 push refused: KUAIDI100_SALT is not set")
        return _refused(
            text, now, False, PushRefused(403, "not_configured", "sign", str(MSG_NO_SALT))
        )
    if not sign_ok(param, sign, salt):
        return _refused(
            text, now, False, PushRefused(403, "bad_signature", "sign", str(MSG_BAD_SIGN))
        )
    try:
        push = parse_push(param, now=now)
    except PushRefused as refused:
        return _refused(text, now, True, refused)

    # Kept first, in a transaction of its own: whatever happens next, the body stays.
    shipment = shipment_for(push.com, push.nu)
    payload = _store(
        body=text,
        now=now,
        signature_ok=True,
        carrier_code=push.com[:32],
        waybill_no=push.nu[:40],
        shipment_id=shipment.pk if shipment else None,
        error="" if shipment else "unknown waybill",
    )
    if shipment is None:
        logger.warning(
            "kuaidi100 push for an unknown waybill %s %s kept (payload %s)",
            push.com,
            push.nu,
            payload.pk,
        )
        return Outcome(200, _reply(200), payload.pk)
    try:
        applied = _apply(push, shipment.pk, payload.pk, now)
    except Exception as exc:
        # Nothing of it was applied (one transaction); Kuaidi100 retries what is not taken.
        TrackingPayload.objects.filter(pk=payload.pk).update(
            error=f"not applied: {type(exc).__name__}: {exc}"[:255]
        )
        raise
    return Outcome(200, _reply(200), payload.pk, applied)


def _apply(push: Push, shipment_id: int, payload_id: int, now: dt.datetime) -> ApplyResult:
    with transaction.atomic():
        applied = apply_events(
            [
                NormalisedEvent(
                    shipment_id=shipment_id,
                    occurred_at=e.occurred_at,
                    status=e.status,
                    raw_state=e.raw_state,
                    context=e.context,
                    area=e.area,
                    payload_id=payload_id,
                )
                for e in push.entries
            ],
            now=now,
        )
        if push.status == "abort":
            mark_no_update(shipment_ids=[shipment_id], now=now)
        subscribed = push.status in ("polling", "updateall")
        ShipmentTracking.objects.bulk_create(
            [ShipmentTracking(shipment_id=shipment_id)], ignore_conflicts=True
        )
        # Written only when it differs (the same push again changes no row), and not by a
        # late push older than what we know (a retry of an old "polling" after "shutdown").
        current = ShipmentTracking.objects.filter(shipment_id=shipment_id).exclude(
            subscribed=subscribed, carrier_code=push.com[:32]
        )
        if push.entries:
            newest = max(e.occurred_at for e in push.entries)
            current = current.filter(Q(last_event_at__isnull=True) | Q(last_event_at__lte=newest))
        current.update(subscribed=subscribed, carrier_code=push.com[:32])
        if applied.events_new:
            TrackingPayload.objects.filter(pk=payload_id).update(events_new=applied.events_new)
    return applied


def _refused(text: str, now: dt.datetime, signature_ok: bool | None, refused: PushRefused):
    payload = _store(
        body=text,
        now=now,
        signature_ok=signature_ok,
        error=f"{refused.field}: {refused.message}"[:255],
    )
    logger.warning(
        "kuaidi100 push refused (%s, %s: %s), payload %s kept",
        refused.code,
        refused.field,
        refused.message,
        payload.pk,
    )
    return Outcome(
        refused.status,
        _reply(refused.status, refused.code, refused.field, refused.message),
        payload.pk,
    )
