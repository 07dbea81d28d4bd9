"""One service per business action on the cases of §1.

Each action locks the case, checks the move against the flow (cases.workflows), writes with
compare-and-set, appends the event, and queues what the buyer is told after commit.
"""

from aftersales.cases.services import case_act
from aftersales.returns.services.flows.actions import (
    ACTIONS,
    case_refunds_settled,
)
from aftersales.returns.services.flows.constants import *  # noqa: F403
from aftersales.returns.services.flows.constants import RETURN_KINDS
from aftersales.returns.services.flows.opening import return_case_open

__all__ = [
    "ACTIONS",
    "MSG_LINE_EXCLUDED",
    "MSG_NO_STOCK",
    "MSG_NOT_SIGNED_RETURN",
    "MSG_OWN_APPROVAL",
    "MSG_REASON_REQUIRED",
    "MSG_REFUND_EXCEEDS_CASE",
    "MSG_WINDOW_CLOSED",
    "RETURN_KINDS",
    "case_act",
    "case_refunds_settled",
    "return_case_open",
]
