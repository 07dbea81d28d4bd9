"""Workbench pages of the case core. Views parse, check access and call one service."""

from aftersales.cases.views.case import (
    action_form,
    attachment_file,
    case_action,
    case_attach,
    case_detail,
    case_new,
    case_note,
    case_update,
)
from aftersales.cases.views.inbox import inbox

__all__ = [
    "action_form",
    "attachment_file",
    "case_action",
    "case_attach",
    "case_detail",
    "case_new",
    "case_note",
    "case_update",
    "inbox",
]
