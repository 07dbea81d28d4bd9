"""What every kind's opening body shares; each area's opener extends it with ``kind`` as a
``Literal`` of its own kinds and the facts it needs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from aftersales.cases.models import Priority


class CaseLineIn(BaseModel):
    order_line_id: int = Field(ge=1, le=2**63 - 1)
    quantity: int = Field(gt=0, le=1_000_000)


class CaseOpenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: int = Field(ge=1, le=2**63 - 1)
    lines: list[CaseLineIn] = Field(min_length=1, max_length=200)
    buyer_claim: str = Field(default="", max_length=2000)
    priority: Priority | None = None
