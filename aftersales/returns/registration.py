"""§1 tells the case core what it adds: its five kinds, their actions and how to open them.
Called once from ``ReturnsConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from aftersales.cases.models import Case
from aftersales.cases.registry import (
    Action,
    ActionContext,
    Kind,
    NoParams,
    Opener,
    Outcome,
    registry,
)
from aftersales.core.money import ZERO, to_money
from aftersales.returns import forms, kinds, schemas
from aftersales.returns.kinds import CaseKind, CaseStatus
from aftersales.returns.models import RefundStatus, ReturnDetail
from aftersales.returns.services.flows.actions import ACTIONS, buyer_message_queue
from aftersales.returns.services.flows.helpers import _detail

PARAMS: dict[str, type] = {
    "agree": schemas.AgreeParams,
    "refuse": schemas.RefuseParams,
    "buyer_ship": schemas.ShipParams,
    "ship_replacement": schemas.ShipParams,
    "reship": schemas.ShipParams,
    "receive": schemas.ReceiveParams,
    "parcel_back": schemas.ParcelBackParams,
    "refund": schemas.RefundParams,
    "retry_refund": schemas.RefundParams,
    "decide": schemas.DecideParams,
}

# Moved by services of their own: the approval decision and the refund ledger's settlement.
INTERNAL = frozenset({"approve", "reject", "refund_failed"})


def _run(name: str):
    handler = ACTIONS.get(name)

    def run(ctx: ActionContext) -> Outcome:
        # The handlers of §1 read their parameters by name; the schema has already checked
        # them, so what they read is typed and bounded.
        params = ctx.params.model_dump(exclude_none=True)
        to_status, changes, detail = handler(
            ctx.case, _detail(ctx.case), ctx.actor, ctx.now, params
        )
        return Outcome(to_status=to_status, changes=changes, detail=detail)

    def internal(ctx: ActionContext) -> Outcome:  # pragma: no cover - never dispatched
        raise AssertionError(f"{name} is moved by its own service")

    return run if handler is not None else internal


def _form(name: str):
    def build(case: Case, data: Any = None):
        return forms.action_form(name, case, data)

    return build


ACTION_SPECS = {
    name: Action(
        name=name,
        label=label,
        handler=_run(name),
        roles=kinds.ACTION_ROLES.get(name, kinds.AGENTS),
        params=PARAMS.get(name, NoParams),
        confirm=kinds.ACTION_CONFIRMS.get(name),
        internal=name in INTERNAL,
        form=_form(name),
    )
    for name, label in kinds.ACTION_LABELS.items()
}


def detail_context(case: Case) -> dict[str, Any]:
    """What the §1 panel of the case page shows."""
    return {
        "detail": getattr(case, "returns", None),
        "refunds": list(case.refunds.select_related("order_line").order_by("created_at")),
        "freight": list(case.freight.order_by("id")),
        "approvals": list(case.approvals.select_related("requested_by", "decided_by")),
        "pending": RefundStatus.PENDING,
    }


def detail_api(case: Case) -> dict[str, Any]:
    detail = ReturnDetail.objects.filter(case=case).first()
    if detail is None:
        return {}
    refunded = case.refunds.filter(status=RefundStatus.SUCCEEDED).aggregate(
        a=Sum("amount"), f=Sum("freight_amount")
    )
    return {
        "fault_party": detail.fault_party,
        "requested_amount": str(detail.requested_amount),
        "remedy": detail.remedy,
        "compensation_amount": str(detail.compensation_amount),
        "return_address": detail.return_address,
        "refuse_reason": detail.refuse_reason,
        "goods_intact": detail.goods_intact,
        "freight_insurance": detail.freight_insurance,
        "refunded": str(to_money(refunded["a"] or ZERO)),
        "freight": [
            {"leg": f.leg, "bearer": f.bearer, "amount": str(f.amount)}
            for f in case.freight.order_by("id")
        ],
    }


def _after_action(*, case: Case, action: str, detail: dict[str, Any], now) -> None:
    buyer_message_queue(case=case, action=action, after=detail, now=now)


def register() -> None:
    for kind in CaseKind:
        moves = tuple(kinds.MOVES[kind])
        used = {a for _s, a, _t in moves}
        reached = {kinds.INITIAL_STATUS} | {s for s, _a, _t in moves} | {t for _s, _a, t in moves}
        registry.register(
            Kind(
                code=kind.value,
                label=kind.label,
                area="returns",
                statuses={s.value: s.label for s in CaseStatus if s in reached},
                closed=frozenset(s.value for s in kinds.CLOSED_STATUSES if s in reached),
                initial=kinds.INITIAL_STATUS.value,
                moves=moves,
                actions={name: ACTION_SPECS[name] for name in sorted(used)},
                deadline_rules=kinds.DEADLINE_RULES,
                detail_template="returns/_case_detail.html",
                detail_context=detail_context,
                detail_api=detail_api,
                after_action=_after_action,
                event_labels=kinds.EVENT_LABELS,
            )
        )
    from aftersales.returns.services.flows.opening import return_case_open_from

    registry.register_opener(
        Opener(
            kinds=tuple(k.value for k in CaseKind),
            schema=schemas.ReturnCaseIn,
            open=return_case_open_from,
            form=forms.NewCaseForm,
        )
    )
