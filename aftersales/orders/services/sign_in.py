"""Recording when the buyer signed for a parcel: the time or only the date, or that nothing is
known, with where it came from (the carrier's tracking, the platform, a person).

The sign-in starts the seven-day no-reason window (``returns.policies.no_reason_window``),
which reads it whenever a case asks; nothing here touches the cases of the order. Every change
leaves a ``ShipmentSignInChange`` row with what it was and what it became, in the same
transaction. The seller centre's order export is never a source: it has no sign-in column,
and its 确认收货时间 (``Order.success_at``) is the buyer's confirmation, kept as such.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import MSG_NOT_FOUND, Perm, authorize
from aftersales.core.errors import DomainError, InvalidInput, NotFound, PermissionDeniedError
from aftersales.orders.models import (
    Shipment,
    ShipmentDirection,
    ShipmentSignInChange,
    SignPrecision,
    SignSource,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Clocks differ a little: a sign-in the carrier stamped a minute "from now" is still real.
CLOCK_SKEW = dt.timedelta(minutes=5)
NOTE_MAX = ShipmentSignInChange._meta.get_field("note").max_length or 255

MSG_PRECISION_INVALID = _("未知的签收精度：%(value)s。")
MSG_SOURCE_INVALID = _("未知的签收来源：%(value)s。")
MSG_SIGNED_AT_REQUIRED = _("精确到时间时请填写签收时间。")
MSG_SIGNED_AT_NAIVE = _("签收时间须带时区。")
MSG_SIGNED_AT_FUTURE = _("签收时间不能晚于现在。")
MSG_SIGNED_AT_NOT_EXPECTED = _("仅知日期或未签收时不填签收时间。")
MSG_SIGNED_ON_REQUIRED = _("仅知日期时请填写签收日期。")
MSG_SIGNED_ON_INVALID = _("签收日期只填日期，不带时间。")
MSG_SIGNED_ON_FUTURE = _("签收日期不能晚于今天。")
MSG_SIGNED_ON_NOT_EXPECTED = _("精确到时间或未签收时不填签收日期。")
MSG_BEFORE_SHIPPED = _("签收不能早于发货时间 %(shipped)s。")
MSG_NOTE_REQUIRED = _("修改已登记的签收时请填写修改原因。")
MSG_NOTE_TOO_LONG = _("说明不能超过 %(max)s 个字符。")
MSG_SYSTEM_SOURCE_ONLY = _("系统只登记快递轨迹的签收。")
MSG_NOT_TO_BUYER = _("退回卖家的包裹由仓库收货，不登记买家签收。")


@dataclass(frozen=True)
class SignInState:
    """A shipment's sign-in as the log keeps it. Equal states are the same sign-in: aware
    times compare as instants, whatever their zone."""

    precision: str
    at: dt.datetime | None = None
    on: dt.date | None = None
    source: str = ""

    @classmethod
    def of(cls, shipment: Shipment) -> SignInState:
        return cls(
            precision=shipment.sign_precision,
            at=shipment.signed_at,
            on=shipment.signed_on,
            source=shipment.sign_source,
        )

    def as_json(self) -> dict[str, str | None]:
        return {
            "precision": self.precision,
            "at": self.at.astimezone(dt.UTC).isoformat() if self.at is not None else None,
            "on": self.on.isoformat() if self.on is not None else None,
            "source": self.source,
        }


@dataclass(frozen=True)
class SignInPreview:
    """What recording would do, before anything is written."""

    shipment: Shipment
    before: SignInState
    after: SignInState

    @property
    def changed(self) -> bool:
        return self.before != self.after


def sign_in_state(
    *,
    precision: str,
    at: dt.datetime | None,
    on: dt.date | None,
    source: str,
    shipped_at: dt.datetime | None,
    now: dt.datetime,
) -> SignInState:
    """The sign-in the values describe, or a refusal naming the field to blame. Pure: the
    shipment's ``shipped_at`` and ``now`` come in as arguments."""
    if precision not in SignPrecision.values:
        raise InvalidInput(MSG_PRECISION_INVALID % {"value": precision}, field="precision")
    if precision == SignPrecision.NONE:
        if at is not None:
            raise InvalidInput(MSG_SIGNED_AT_NOT_EXPECTED, field="signed_at")
        if on is not None:
            raise InvalidInput(MSG_SIGNED_ON_NOT_EXPECTED, field="signed_on")
        return SignInState(SignPrecision.NONE.value)
    if source not in SignSource.values:
        raise InvalidInput(MSG_SOURCE_INVALID % {"value": source}, field="source")
    shipped = _shanghai(shipped_at) if shipped_at is not None else None
    if precision == SignPrecision.EXACT:
        if on is not None:
            raise InvalidInput(MSG_SIGNED_ON_NOT_EXPECTED, field="signed_on")
        if at is None:
            raise InvalidInput(MSG_SIGNED_AT_REQUIRED, field="signed_at", code="required")
        if not isinstance(at, dt.datetime) or timezone.is_naive(at):
            raise InvalidInput(MSG_SIGNED_AT_NAIVE, field="signed_at")
        if at > now + CLOCK_SKEW:
            raise InvalidInput(MSG_SIGNED_AT_FUTURE, field="signed_at", code="in_future")
        if shipped_at is not None and at < shipped_at:
            raise InvalidInput(
                MSG_BEFORE_SHIPPED % {"shipped": f"{shipped:%Y-%m-%d %H:%M}"},
                field="signed_at",
                code="before_shipped",
            )
        return SignInState(SignPrecision.EXACT.value, at=at, source=source)
    if at is not None:
        raise InvalidInput(MSG_SIGNED_AT_NOT_EXPECTED, field="signed_at")
    if on is None:
        raise InvalidInput(MSG_SIGNED_ON_REQUIRED, field="signed_on", code="required")
    if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        # A datetime's date depends on its zone; a date-only sign-in is a Shanghai date.
        raise InvalidInput(MSG_SIGNED_ON_INVALID, field="signed_on")
    # Dates are the calendar of Asia/Shanghai, where the seven-day window is counted.
    if on > _shanghai(now + CLOCK_SKEW).date():
        raise InvalidInput(MSG_SIGNED_ON_FUTURE, field="signed_on", code="in_future")
    if shipped is not None and on < shipped.date():
        raise InvalidInput(
            MSG_BEFORE_SHIPPED % {"shipped": f"{shipped:%Y-%m-%d %H:%M}"},
            field="signed_on",
            code="before_shipped",
        )
    return SignInState(SignPrecision.DATE.value, on=on, source=source)


def _shanghai(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SHANGHAI)


def _note_checked(note: str, *, before: SignInState, after: SignInState) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(MSG_NOTE_TOO_LONG % {"max": NOTE_MAX}, field="note", code="too_long")
    # Moving a sign-in already on record moves the buyer's window: say why.
    if before.precision != SignPrecision.NONE and before != after and not note:
        raise InvalidInput(MSG_NOTE_REQUIRED, field="note", code="note_required")
    return note


def _shipment_for(*, shipment_id: int, actor: User | None, source: str) -> Shipment:
    shipment = Shipment.objects.select_related("order").filter(pk=shipment_id).first()
    if shipment is None:
        raise NotFound(MSG_NOT_FOUND)
    if actor is None:
        # The system records only what the carrier's tracking says (tracking.services).
        if source != SignSource.TRACKING:
            raise PermissionDeniedError(MSG_SYSTEM_SOURCE_ONLY)
    else:
        authorize(actor, Perm.SIGN_IN_RECORD, shop_id=shipment.order.shop_id)
    if shipment.direction == ShipmentDirection.RETURN:
        raise DomainError(MSG_NOT_TO_BUYER, code="not_to_buyer")
    return shipment


def shipment_sign_in_preview(
    *,
    shipment_id: int,
    actor: User | None,
    now: dt.datetime,
    precision: str,
    at: dt.datetime | None = None,
    on: dt.date | None = None,
    source: str = SignSource.PERSON,
    note: str = "",
) -> SignInPreview:
    """Check what ``shipment_sign_in_record`` would do with these values, and write nothing:
    the page asks for confirmation with it. Refuses exactly as recording would."""
    shipment = _shipment_for(shipment_id=shipment_id, actor=actor, source=source)
    after = sign_in_state(
        precision=precision, at=at, on=on, source=source, shipped_at=shipment.shipped_at, now=now
    )
    before = SignInState.of(shipment)
    _note_checked(note, before=before, after=after)
    return SignInPreview(shipment=shipment, before=before, after=after)


def shipment_sign_in_record(
    *,
    shipment_id: int,
    actor: User | None,
    now: dt.datetime,
    precision: str,
    at: dt.datetime | None = None,
    on: dt.date | None = None,
    source: str = SignSource.PERSON,
    note: str = "",
) -> Shipment:
    """Record the sign-in of a parcel sent to the buyer: the exact time (``precision`` exact,
    ``at`` an aware datetime), only the date (date, ``on``, a Shanghai date), or nothing
    known (none, which clears it). Neither may be later than ``now`` (give or take a few
    minutes) nor earlier than the parcel was shipped.

    The actor needs ``Perm.SIGN_IN_RECORD`` in the order's shop. Changing a sign-in already
    recorded needs a note. The same sign-in again writes nothing; a change writes the
    shipment and its ``ShipmentSignInChange`` row together."""
    shipment = _shipment_for(shipment_id=shipment_id, actor=actor, source=source)
    after = sign_in_state(
        precision=precision, at=at, on=on, source=source, shipped_at=shipment.shipped_at, now=now
    )
    with transaction.atomic():
        # Two people correcting one parcel at once: the second reads the first's result, so
        # the log's "before" is always what was really there.
        locked = Shipment.objects.select_for_update().select_related("order").get(pk=shipment.pk)
        before = SignInState.of(locked)
        note = _note_checked(note, before=before, after=after)
        if before == after:
            return locked
        signed = after.precision != SignPrecision.NONE
        locked.sign_precision = after.precision
        locked.signed_at = after.at
        locked.signed_on = after.on
        locked.sign_source = after.source
        locked.sign_recorded_by = actor if signed else None
        locked.sign_recorded_at = now if signed else None
        locked.save(
            update_fields=[
                "sign_precision",
                "signed_at",
                "signed_on",
                "sign_source",
                "sign_recorded_by",
                "sign_recorded_at",
            ]
        )
        ShipmentSignInChange.objects.create(
            shipment=locked,
            before=before.as_json(),
            after=after.as_json(),
            actor=actor,
            at=now,
            note=note,
        )
    return locked


@dataclass
class TrackingSignIns:
    """What ``tracking_sign_ins_record`` did with each parcel it was given."""

    signed: list[int]
    # A person recorded the sign-in: their record stays (the tracking keeps the carrier's time).
    kept: list[int]
    # Refused by the rules of a sign-in (before the parcel shipped, in the future, …).
    refused: list[tuple[int, DomainError]]


def tracking_sign_ins_record(
    *, sign_ins: dict[int, dt.datetime], now: dt.datetime, note: str = ""
) -> TrackingSignIns:
    """Record, as the system, the sign-ins the carriers' tracking reported: ``sign_ins`` maps
    a shipment to its exact sign-in time. The rules are ``shipment_sign_in_record``'s for
    source tracking — the same checks, a log row for every change, nothing for the same
    sign-in again — applied to the whole batch at once: the shipments are locked and read in
    one query, the changed ones written by one UPDATE and their log rows by one INSERT. A
    sign-in a person recorded is never overwritten; a parcel back to the seller has none."""
    out = TrackingSignIns(signed=[], kept=[], refused=[])
    if not sign_ins:
        return out
    changed: list[Shipment] = []
    changes: list[ShipmentSignInChange] = []
    with transaction.atomic():
        shipments = (
            Shipment.objects.select_for_update()
            .filter(pk__in=sign_ins)
            .only(
                "id",
                "direction",
                "shipped_at",
                "sign_precision",
                "signed_at",
                "signed_on",
                "sign_source",
            )
            .order_by("pk")
        )
        for shipment in shipments:
            if shipment.direction == ShipmentDirection.RETURN:
                continue
            if shipment.sign_source == SignSource.PERSON:
                out.kept.append(shipment.pk)
                continue
            try:
                after = sign_in_state(
                    precision=SignPrecision.EXACT,
                    at=sign_ins[shipment.pk],
                    on=None,
                    source=SignSource.TRACKING,
                    shipped_at=shipment.shipped_at,
                    now=now,
                )
            except DomainError as exc:
                out.refused.append((shipment.pk, exc))
                continue
            before = SignInState.of(shipment)
            if before == after:
                continue
            shipment.sign_precision = after.precision
            shipment.signed_at = after.at
            shipment.signed_on = after.on
            shipment.sign_source = after.source
            shipment.sign_recorded_by = None
            shipment.sign_recorded_at = now
            changed.append(shipment)
            changes.append(
                ShipmentSignInChange(
                    shipment=shipment,
                    before=before.as_json(),
                    after=after.as_json(),
                    actor=None,
                    at=now,
                    note=note,
                )
            )
            out.signed.append(shipment.pk)
        if changed:
            Shipment.objects.bulk_update(
                changed,
                [
                    "sign_precision",
                    "signed_at",
                    "signed_on",
                    "sign_source",
                    "sign_recorded_by",
                    "sign_recorded_at",
                ],
                batch_size=1000,
            )
            ShipmentSignInChange.objects.bulk_create(changes, batch_size=1000)
    return out
