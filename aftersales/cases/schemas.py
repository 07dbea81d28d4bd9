"""What every kind's opening body shares; each area's opener extends it with ``kind`` as a
``Literal`` of its own kinds and the facts it needs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from aftersales.cases.models import Priority
from aftersales.core.validation import Id, text


class CaseLineIn(BaseModel):
    order_line_id: Id
    quantity: int = Field(gt=0, le=1_000_000)


class CaseOpenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: Id
    lines: list[CaseLineIn] = Field(min_length=1, max_length=200)
    buyer_claim: text(2000) = ""
    priority: Priority | None = None
