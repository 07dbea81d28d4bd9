"""The parameters of each problem-parcel action and the body that opens a case by hand: what
the API documents and what every caller (page, API, task) is checked against."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from aftersales.cases.schemas import CaseLineIn, CaseOpenIn
from aftersales.logistics.models import ProblemKind

Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


def _text(max_length: int, *, required: bool = True):
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1 if required else 0, max_length=max_length
        ),
    ]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactParams(_Params):
    """A contact with the buyer: how, and what was said."""

    channel: Literal["wangwang", "phone", "sms", "other"] = "wangwang"
    summary: _text(500)


class NewAddressParams(_Params):
    """The address the buyer gave; the carrier delivers the same parcel there."""

    address: _text(255)


class PickupParams(_Params):
    """The carrier's station (网点) where the buyer collects the parcel."""

    station: _text(128)


class CancelRefundParams(_Params):
    """Cancel the order and refund it. ``amount`` is what the goods are refunded (omitted: what
    the case's lines were paid for); ``refund_freight`` also returns the outbound freight the
    buyer paid. The refund ledger caps each line and the freight."""

    reason: _text(255)
    amount: Money | None = None
    refund_freight: bool = True


class CloseParams(_Params):
    """Nothing to do after all (the carrier delivered it, the buyer took it): why."""

    reason: _text(255)


class ParcelCaseIn(CaseOpenIn):
    """A problem parcel reported by hand: the order's parcel (its outbound parcel with a
    carrier when not named), the kind of problem and what is known. Without ``lines`` the
    case covers every line of the order."""

    kind: Literal["problem_parcel"]
    lines: list[CaseLineIn] = Field(default_factory=list, max_length=200)
    shipment_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    problem_kind: ProblemKind
    note: str = Field(default="", max_length=2000)
