"""Money asked for outside a case's page: through the case it belongs to, or as a
compensation of its own. Either way it runs through a case's actions, so the flow, the roles,
the caps and the approval rules apply as they do on the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User
from aftersales.cases import workflows
from aftersales.cases.models import Case, Reason
from aftersales.cases.services import case_act
from aftersales.core.errors import DomainError, TransitionNotAllowed
from aftersales.orders.models import OrderLine
from aftersales.returns.kinds import CaseKind, CaseStatus
from aftersales.returns.models import Refund, Remedy
from aftersales.returns.services.flows.opening import return_case_open

MSG_CASE_NOT_REFUNDABLE = _("该售后单当前状态“%(status)s”不能退款。")
MSG_LINE_NOT_IN_CASE = _("该商品行不在这个售后单里。")
MSG_FREIGHT_NEEDS_CASE = _("运费不能单独退款：卖家承担的退回运费随售后单的退款一并退还。")


def case_line_refund(
    *, case: Case, order_line: OrderLine, amount: Decimal, actor: User, now: dt.datetime
) -> Refund:
    """A refund of one line of a case, asked for through the case's own refund action."""
    if not case.lines.filter(order_line=order_line).exists():
        raise DomainError(MSG_LINE_NOT_IN_CASE, field="order_line_id", code="line_not_in_case")
    # Where the case's own flow offers its refund action: the flow is the one rule.
    if case.kind not in CaseKind.values or "refund" not in workflows.actions_for(
        case.kind, case.status
    ):
        raise TransitionNotAllowed(
            MSG_CASE_NOT_REFUNDABLE % {"status": case.status_label},
            field="case_id",
            code="case_not_refundable",
        )
    with transaction.atomic():
        before = set(case.refunds.values_list("pk", flat=True))
        case_act(
            case_id=case.pk,
            action="refund",
            actor=actor,
            now=now,
            params={"amount": amount, "order_line_id": order_line.pk},
        )
        return case.refunds.exclude(pk__in=before).get(order_line=order_line, amount__gt=0)


def compensation_refund(
    *,
    order_line: OrderLine,
    amount: Decimal,
    actor: User,
    now: dt.datetime,
    note: str = "",
) -> tuple[Case, Refund | None]:
    """A refund without a case is a compensation: it opens one, decides a refund of
    ``amount``, and carries it out unless an approval rule holds it for a supervisor (then
    no refund yet, and the case waits in the approver's queue)."""
    with transaction.atomic():
        case = return_case_open(
            order=order_line.order,
            kind=CaseKind.COMPENSATION,
            lines=[(order_line, order_line.quantity)],
            reason=Reason.OTHER,
            actor=actor,
            now=now,
            buyer_claim=note,
            requested_amount=amount,
        )
        case_act(
            case_id=case.pk,
            action="decide",
            actor=actor,
            now=now,
            params={"remedy": Remedy.REFUND, "amount": amount},
        )
        case.refresh_from_db()
        if case.status != CaseStatus.APPROVED:
            return case, None
        case_act(case_id=case.pk, action="carry_out", actor=actor, now=now)
        return case, case.refunds.get()
