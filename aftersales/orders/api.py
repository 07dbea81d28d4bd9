"""Order endpoints: import (export files or JSON), search, one order, opening contact details,
recording a parcel's sign-in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from aftersales.accounts.models import Shop
from aftersales.accounts.permissions import MSG_NOT_FOUND
from aftersales.core.errors import NotFound
from aftersales.core.privacy import mask_phone, mask_street
from aftersales.core.schemas import ERRORS
from aftersales.core.validation import MAX_INT32, Day, Id, Instant, LocalInstant, Money, Text, text
from aftersales.orders import selectors
from aftersales.orders.models import ShipmentSignInChange
from aftersales.orders.services.contact import contact_reveal
from aftersales.orders.services.sign_in import NOTE_MAX

router = Router(tags=["orders"])


class LineOut(Schema):
    id: int
    line_no: int
    title: str
    sku_code: str
    sku_properties: str
    unit_price: Decimal
    quantity: int
    amount_paid: Decimal
    seven_day_eligible: bool
    seven_day_exclusion: str
    seven_day_exclusion_note: str
    warranty_months: int


class ShipmentOut(Schema):
    id: int
    direction: str
    carrier: str | None
    waybill_no: str
    sign_precision: str
    signed_at: dt.datetime | None
    signed_on: dt.date | None
    # Where the sign-in came from: tracking, platform or person; "" while none is known.
    sign_source: str
    sign_recorded_by_id: int | None
    sign_recorded_at: dt.datetime | None

    @staticmethod
    def resolve_carrier(obj) -> str | None:
        return obj.carrier.name if obj.carrier_id else None


class SignInStateOut(Schema):
    precision: str
    at: dt.datetime | None
    on: dt.date | None
    source: str


class SignInChangeOut(Schema):
    id: int
    before: SignInStateOut
    after: SignInStateOut
    actor_id: int | None
    actor: str | None
    at: dt.datetime
    note: str

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class ShipmentSignInOut(ShipmentOut):
    """A parcel with its sign-in and every change of it, newest first."""

    sign_recorded_by: str | None
    sign_in_changes: list[SignInChangeOut]

    @staticmethod
    def resolve_sign_recorded_by(obj) -> str | None:
        return str(obj.sign_recorded_by) if obj.sign_recorded_by_id else None

    @staticmethod
    def resolve_sign_in_changes(obj) -> list[ShipmentSignInChange]:
        return list(selectors.sign_in_changes().filter(shipment=obj))


class SignInIn(Schema):
    """The sign-in as known: the exact time (``signed_at``, with its offset), only the date
    (``signed_on``, a date in Asia/Shanghai), or nothing (``none`` clears it). Changing a
    sign-in already recorded needs a ``note`` saying why."""

    precision: Literal["exact", "date", "none"]
    signed_at: Instant | None = None
    signed_on: Day | None = None
    source: Literal["tracking", "platform", "person"] = "person"
    note: text(NOTE_MAX) = ""


class OrderOut(Schema):
    id: int
    shop_id: int
    order_no: str
    buyer_nick: str
    status: str
    receiver_name: str
    receiver_phone: str
    province: str
    city: str
    district: str
    street: str
    goods_total: Decimal
    freight_paid: Decimal
    amount_paid: Decimal
    created_at: dt.datetime
    paid_at: dt.datetime | None
    success_at: dt.datetime | None

    # Contact details are masked in every answer; POST .../contact opens them, on the record.
    @staticmethod
    def resolve_receiver_phone(obj) -> str:
        return mask_phone(obj.receiver_phone)

    @staticmethod
    def resolve_street(obj) -> str:
        return mask_street(obj.street)


class OrderDetailOut(OrderOut):
    lines: list[LineOut]
    shipments: list[ShipmentOut]

    # The schema reads the order itself, so the masking resolvers above see a model, not a
    # dict of already-dumped values.
    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.order_by("line_no"))

    @staticmethod
    def resolve_shipments(obj) -> list:
        return list(obj.shipments.select_related("carrier").order_by("id"))


class OrderContactOut(Schema):
    receiver_name: str
    receiver_phone: str
    address: str
    postal_code: str


class OrderLineIn(Schema):
    # Lengths and amounts that break a rule are reported per order by the import (the
    # order is refused, the others kept); what no rule can read is refused here.
    title: Text
    sku_code: Text = ""
    sku_properties: Text = ""
    unit_price: Money
    quantity: int = Field(le=MAX_INT32)
    amount_paid: Money | None = None


class OrderIn(Schema):
    order_no: Text
    buyer_nick: Text
    receiver_name: Text = ""
    receiver_phone: Text = ""
    province: Text = ""
    city: Text = ""
    district: Text = ""
    street: Text = ""
    postal_code: Text = ""
    status: Text
    goods_total: Money
    freight_paid: Money = Decimal("0.00")
    amount_paid: Money
    buyer_message: Text = ""
    seller_note: Text = ""
    # Without an offset, a time is Asia/Shanghai's (as the seller centre writes it).
    created_at: LocalInstant
    paid_at: LocalInstant | None = None
    success_at: LocalInstant | None = None
    carrier_name: Text = ""
    waybill_no: Text = ""
    shipped_at: LocalInstant | None = None
    lines: list[OrderLineIn]


class OrdersIn(Schema):
    shop_id: Id
    orders: list[OrderIn]


def _shop(shop_id: int) -> Shop:
    # Who may write to it is the import service's to decide (another shop's answers 404, as
    # here); the same answer for a shop that does not exist tells an outsider nothing.
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        raise NotFound(MSG_NOT_FOUND)
    return shop


@router.post("/import", response=dict)
def import_files(
    request,
    shop_id: Form[Id],
    orders_file: File[UploadedFile],
    # Optional inside File[...]: "File[UploadedFile] | None" hides the marker from ninja, which
    # then reads the item report from the query string and never sees the upload.
    items_file: File[UploadedFile | None] = None,
):
    """Import the seller centre's order report and item report (CSV in GBK or UTF-8, or XLSX).
    Bad rows are reported with their row number, column and reason; good rows are kept. Only a
    supervisor or an administrator of the shop may import."""
    from aftersales.orders.services import order_import_files

    report = order_import_files(
        shop=_shop(shop_id),
        actor=request.user,
        orders_file=orders_file,
        items_file=items_file,
        now=timezone.now(),
    )
    return report.as_dict()


@router.post("", response=dict)
def upsert_orders(request, payload: OrdersIn):
    """Create or update orders from structured data (the platform's API). Lines' amounts, if
    given, are given for every line and add up to what was paid for the goods. Only a
    supervisor or an administrator of the shop may write orders."""
    from aftersales.orders.services import order_upsert_many

    report = order_upsert_many(
        shop=_shop(payload.shop_id),
        actor=request.user,
        orders=[o.dict() for o in payload.orders],
        now=timezone.now(),
    )
    return report.as_dict()


@router.get("", response=list[OrderOut])
def search_orders(request, q: text(100)):
    return list(selectors.order_search(user=request.user, q=q)[:50])


@router.get("/{order_id}", response=OrderDetailOut)
def get_order(request, order_id: Id):
    return selectors.order_get(user=request.user, order_id=order_id)


@router.post("/{order_id}/contact", response=OrderContactOut)
def reveal_contact(request, order_id: Id):
    order = selectors.order_get(user=request.user, order_id=order_id)
    return contact_reveal(user=request.user, order=order, via="api")


@router.post(
    "/{order_id}/shipments/{shipment_id}/sign-in", response={200: ShipmentSignInOut, **ERRORS}
)
def record_sign_in(request, order_id: Id, shipment_id: Id, payload: SignInIn):
    """Record when the buyer signed for a parcel of the order, where that came from, and why
    it changed; the change is logged. The seven-day no-reason window of the order's cases is
    counted from it whenever they ask. The same sign-in again changes nothing. Agents,
    warehouse clerks and supervisors of the shop may record it."""
    from aftersales.orders.services import shipment_sign_in_record

    shipment = selectors.shipment_get(user=request.user, order_id=order_id, shipment_id=shipment_id)
    shipment_sign_in_record(
        shipment_id=shipment.pk,
        actor=request.user,
        now=timezone.now(),
        precision=payload.precision,
        at=payload.signed_at,
        on=payload.signed_on,
        source=payload.source,
        note=payload.note,
    )
    return selectors.shipment_get(user=request.user, order_id=order_id, shipment_id=shipment_id)
