"""The cases' part of the order page: the order's cases, each with its kind and status as its
kind registered them (the order page's own layer knows no kinds)."""

from __future__ import annotations

from typing import Any

from aftersales.accounts.permissions import Perm, has_perm
from aftersales.cases.registry import registry


def order_cases(request, order) -> dict[str, Any] | None:
    if not has_perm(request.user, Perm.CASE_VIEW):
        return None
    cases = order.cases.order_by("-created_at").only("id", "number", "kind", "status", "is_open")
    return {
        "cases": [
            {
                "case": case,
                "kind": registry.kind_label(case.kind),
                "status": registry.status_label(case.kind, case.status),
            }
            for case in cases
        ]
    }
