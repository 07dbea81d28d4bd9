"""What happens to a case once its approval is decided: each area says, for its own kinds.

The approvals app knows no area. An area registers, in its ``AppConfig.ready()``, one handler
per approval kind it requests::

    register_decision_handler("compensation", compensation_decided)

``approval_decide`` records the decision and then calls the handler inside the same
transaction, with the approval (its ``case`` already locked) and the decision. The handler
moves the case through the case core; if it raises, the decision is not recorded either.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from aftersales.accounts.models import User
    from aftersales.approvals.models import Approval


class DecisionHandler(Protocol):
    def __call__(
        self, *, approval: Approval, approve: bool, actor: User, now: dt.datetime, comment: str
    ) -> None: ...


_handlers: dict[str, DecisionHandler] = {}


def register_decision_handler(kind: str, handler: DecisionHandler) -> None:
    """Register the handler for approvals of ``kind``. Registering the same handler again is
    harmless (``ready()`` may run twice); a second, different handler for a kind is a mistake
    two areas would otherwise make silently."""
    current = _handlers.get(kind)
    if current is not None and current is not handler:
        raise ImproperlyConfigured(
            f"A decision handler for approval kind {kind!r} is already registered: {current!r}"
        )
    _handlers[kind] = handler


def decision_handler_for(kind: str) -> DecisionHandler:
    try:
        return _handlers[kind]
    except KeyError:
        raise ImproperlyConfigured(
            f"No decision handler is registered for approval kind {kind!r}; the area that "
            "requests these approvals registers one in its AppConfig.ready()."
        ) from None


def registered_kinds() -> frozenset[str]:
    return frozenset(_handlers)
