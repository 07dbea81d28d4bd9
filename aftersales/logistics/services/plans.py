"""Each carrier's contingency plan per kind of problem (reference data, not per shop)."""

from __future__ import annotations

from aftersales.logistics.models import ContingencyPlan


def contingency_plan_for(carrier_id: int, problem_kind: str) -> ContingencyPlan | None:
    """The carrier's plan for this kind of problem, or None when none is set."""
    return (
        ContingencyPlan.objects.select_related("carrier")
        .filter(carrier_id=carrier_id, problem_kind=problem_kind)
        .first()
    )
