"""The parameters of each action of §1, as typed schemas: what the API documents and what every
caller (page, API, task) is checked against before a handler runs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from aftersales.cases.models import Reason
from aftersales.cases.schemas import CaseOpenIn
from aftersales.core.validation import Id, Instant, text
from aftersales.core.validation import Money as Money
from aftersales.returns.models import Remedy

Text255 = text(255)


# Quantities per order line id: the keys are ids written in ASCII digits, as JSON keys are text.
Received = Annotated[
    dict[Id, Annotated[int, Field(ge=0, le=1_000_000)]],
    Field(json_schema_extra={"propertyNames": {"pattern": "^[1-9][0-9]{0,17}$"}}),
]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgreeParams(_Params):
    """Refund only: the amount to refund (empty: what the buyer asked). Returns and exchanges:
    the address the goods go back to (empty: the shop's)."""

    amount: Money | None = None
    return_address: Text255 | None = None


class RefuseParams(_Params):
    """Why: refusing or cancelling a case always says why, on the record."""

    reason: text(255, required=True)


class ShipParams(_Params):
    """A parcel: the buyer's return, a replacement or a reship."""

    carrier: Id | text(32) = Field(description="The carrier's id or code.")
    waybill_no: text(40, required=True)
    freight: Money | None = None


class ReceiveParams(_Params):
    """Quantities received per order line id (missing lines: all of them came back)."""

    received: Received = Field(default_factory=dict)
    intact: bool = False
    note: Text255 = ""


class ParcelBackParams(_Params):
    received: Received = Field(default_factory=dict)
    note: Text255 = ""


class RefundParams(_Params):
    """The amount to refund (omitted: what the case's units were paid for — a refused parcel's
    whole quantity, or what came back; the workbench always asks for it). With
    ``order_line_id``, only that line of the case is refunded. A no-reason return that came
    back not intact is refunded less than in full, with ``deduction_reason``. Retrying a failed
    refund takes no amount (the failed ones are re-issued) or a smaller one."""

    amount: Money | None = None
    order_line_id: Id | None = None
    deduction_reason: Text255 = ""


class DecideParams(_Params):
    """The compensation remedy. Refund and cash need an amount; goods need what is sent and
    may carry its value; a reship is valued by the units it sends again."""

    remedy: Remedy
    amount: Money | None = None
    goods: Text255 = ""
    goods_value: Money | None = None


class ReturnCaseIn(CaseOpenIn):
    """A buyer's request of §1: refund only, return and refund, exchange, refusal at delivery
    or compensation."""

    kind: Literal["refund_only", "return_refund", "exchange", "refusal", "compensation"]
    reason: Reason
    requested_amount: Money | None = None
    freight_insurance: bool = False
    # Aware only: the refusal's 24-hour clock needs an instant, and a naive time names none.
    refused_at: Instant | None = None
    # An exchange: the merchant code (SKU) of the shop's product the buyer wants instead.
    exchange_sku: text(64) = ""
