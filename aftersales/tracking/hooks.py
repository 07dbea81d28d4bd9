"""What a higher layer hears from tracking without tracking importing it: the parcels area
registers a handler in its ``AppConfig.ready()`` and is called, inside the transaction that
applied the events, with the shipments whose status newly became a problem status.

The same push twice calls nothing: a handler hears only of a status that actually moved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ProblemSeen:
    shipment_id: int
    status: str  # one of models.PROBLEM_STATUSES
    occurred_at: datetime
    event_id: int


ProblemHandler = Callable[[list[ProblemSeen], datetime], None]

_HANDLERS: list[ProblemHandler] = []


def register_problem_handler(fn: ProblemHandler) -> None:
    """Add ``fn(problems, now)``; registering the same function twice keeps one."""
    if fn not in _HANDLERS:
        _HANDLERS.append(fn)


def unregister_problem_handler(fn: ProblemHandler) -> None:
    if fn in _HANDLERS:
        _HANDLERS.remove(fn)


def problem_handlers() -> tuple[ProblemHandler, ...]:
    return tuple(_HANDLERS)


def notify_problems(problems: list[ProblemSeen], now: datetime) -> None:
    """Call every handler with ``problems`` (nothing is called for an empty list)."""
    if not problems:
        return
    for fn in tuple(_HANDLERS):
        fn(problems, now)
