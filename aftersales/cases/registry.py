"""The kinds of case every area registers with the core.

The core knows no area. Each area's app, in its ``AppConfig.ready()``, registers its kinds
with ``registry.register(Kind(...))``: the statuses and the moves between them as data, who may
take each action, each action's typed parameters (a pydantic schema), the handler, the
deadline rules, and how the kind's details are shown on the case page and in the API. The
inbox, the case page and ``POST /api/v1/cases/{id}/actions/{action}`` look a kind up here and
dispatch; adding an area never edits ``cases``.

An action name means one thing everywhere: two kinds that both offer ``refuse`` share its
parameters, so the API documents one body per action.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from django import forms
    from django_stubs_ext import StrOrPromise

    from aftersales.accounts.models import User
    from aftersales.cases.models import Case


class Stage(models.TextChoices):
    """Where an open case stands, in words every kind shares: the inbox's tabs. Each kind
    says which of its open statuses stand at which stage (``Kind.stages``); an open status at
    none (a replacement on its way to the buyer) is in the inbox, under no stage's tab."""

    PENDING = "pending", _("待处理")
    AWAITING_BUYER = "awaiting_buyer", _("待买家退货")
    TO_RECEIVE = "to_receive", _("待收货")
    REFUNDING = "refunding", _("退款中")
    REFUND_FAILED = "refund_failed", _("退款失败")
    AWAITING_APPROVAL = "awaiting_approval", _("待审批")


class NoParams(BaseModel):
    """An action that asks for nothing."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class ActionContext:
    """What a handler gets: the locked case, who acts, when, the checked parameters."""

    case: Case
    actor: User
    now: dt.datetime
    params: BaseModel
    comment: str = ""


@dataclass(frozen=True)
class Outcome:
    """What a handler decides: the status to move to, the case fields to change with it, and
    what the event records beyond the changed fields."""

    to_status: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    detail: Mapping[str, Any] = field(default_factory=dict)
    # Runs after the move, in its transaction: what follows from it (an approval requested
    # once the case waits for it), so the timeline reads in the order things happened.
    then: Callable[[], Any] | None = None


Handler = Callable[[ActionContext], Outcome]
# (case, bound data or None) -> a Django form whose ``params()`` gives the action's parameters.
FormFactory = Callable[["Case", Any], "forms.Form"]


@dataclass(frozen=True)
class Action:
    name: str
    label: StrOrPromise
    handler: Handler
    roles: frozenset[str]
    params: type[BaseModel] = NoParams
    # Irreversible or money actions say what will happen before they run: a text, or a
    # function of the case that names the amount and to whom.
    confirm: StrOrPromise | Callable[[Case], str] | None = None
    # Moved by a service of its own (an approval decision), never offered on a page or the API.
    internal: bool = False
    form: FormFactory | None = None
    # Whether the action can succeed now, beyond the flow and the role (the refunds all went
    # through, there is a failure to retry): the case page and the case's API detail offer only
    # what passes. Not asked for lists, where it would cost a query per row.
    available: Callable[[Case], bool] | None = None


@dataclass(frozen=True)
class Kind:
    code: str
    label: StrOrPromise
    area: str
    # status code -> label; the first is where a new case starts unless ``initial`` says.
    statuses: Mapping[str, StrOrPromise]
    closed: frozenset[str]
    moves: tuple[tuple[str, str, str], ...]
    actions: Mapping[str, Action]
    initial: str = ""
    deadline_rules: Mapping[str, StrOrPromise] = field(default_factory=dict)
    # The case page includes this template with ``detail_context(case)``.
    detail_template: str = ""
    detail_context: Callable[[Case], dict[str, Any]] | None = None
    # The API's ``detail`` object for this kind.
    detail_api: Callable[[Case], dict[str, Any]] | None = None
    # Runs after a successful action, inside its transaction (messages to the buyer, …).
    after_action: Callable[..., None] | None = None
    # Events the kind writes outside its actions, by name: how the timeline labels them.
    event_labels: Mapping[str, StrOrPromise] = field(default_factory=dict)
    # A line under an event on the timeline, in words (the refund settled and for how much).
    describe_event: Callable[[Any], str] | None = None
    # More lines for the case's timeline, beside its events (the buyer messages sent): objects
    # with created_at, actor, label, summary, comment and action.
    timeline_items: Callable[[Case], list[Any]] | None = None
    # Statuses that mean something went wrong and a person must act (a refund that failed):
    # marked in red in the inbox and on the case page.
    alert_statuses: frozenset[str] = frozenset()
    # Open status -> the ``Stage`` it stands at: the inbox's tabs and their counts.
    stages: Mapping[str, str] = field(default_factory=dict)
    # A lookup from the case to the amount the inbox shows (what the case asks or refunds),
    # e.g. ``"returns__requested_amount"``: the inbox's one query reads it through a join,
    # never a query per row.
    inbox_amount: str = ""
    # A mark the inbox row shows when a boolean read through a join is true (a refusal
    # reported late): (lookup, label).
    inbox_flag: tuple[str, StrOrPromise] | None = None

    @property
    def initial_status(self) -> str:
        return self.initial or next(iter(self.statuses))

    @property
    def flow(self) -> dict[str, dict[str, frozenset[str]]]:
        return _flow(self.moves)


def _flow(moves: Iterable[tuple[str, str, str]]) -> dict[str, dict[str, frozenset[str]]]:
    flow: dict[str, dict[str, set[str]]] = {}
    for source, action, target in moves:
        flow.setdefault(source, {}).setdefault(action, set()).add(target)
    return {s: {a: frozenset(t) for a, t in acts.items()} for s, acts in flow.items()}


class Registry:
    def __init__(self) -> None:
        self._kinds: dict[str, Kind] = {}
        self._flows: dict[str, dict[str, dict[str, frozenset[str]]]] = {}
        self._actions: dict[str, Action] = {}
        self._labels: dict[str, StrOrPromise] = {}
        self._area_openers: dict[str, Opener] = {}

    def register(self, kind: Kind) -> None:
        if kind.code in self._kinds:
            raise ImproperlyConfigured(f"case kind {kind.code!r} registered twice")
        statuses = set(kind.statuses)
        for source, by, target in kind.moves:
            if source not in statuses or target not in statuses:
                raise ImproperlyConfigured(f"{kind.code}: move {source}->{target} names a status")
            if by not in kind.actions:
                raise ImproperlyConfigured(f"{kind.code}: move by {by!r} has no Action")
        if not kind.closed <= statuses:
            raise ImproperlyConfigured(f"{kind.code}: closed statuses must be its own")
        for status, stage in kind.stages.items():
            if status not in statuses or status in kind.closed:
                raise ImproperlyConfigured(f"{kind.code}: stage of {status!r}: not an open status")
            if stage not in Stage.values:
                raise ImproperlyConfigured(f"{kind.code}: {status!r} at unknown stage {stage!r}")
        for name, action in kind.actions.items():
            known = self._actions.get(name)
            if known is not None and known.params is not action.params:
                raise ImproperlyConfigured(
                    f"action {name!r} takes {known.params.__name__} elsewhere; "
                    f"{kind.code} gives {action.params.__name__}"
                )
            self._actions.setdefault(name, action)
            self._labels.setdefault(name, action.label)
        self._kinds[kind.code] = kind
        self._flows[kind.code] = kind.flow

    def register_opener(self, opener: Opener) -> None:
        for code in opener.kinds:
            self._area_openers[code] = opener

    # -- lookups -------------------------------------------------------------------------

    def get(self, code: str) -> Kind | None:
        return self._kinds.get(code)

    def kinds(self) -> list[Kind]:
        return list(self._kinds.values())

    def kind_choices(self) -> list[tuple[str, StrOrPromise]]:
        return [(k.code, k.label) for k in self._kinds.values()]

    def status_choices(self) -> list[tuple[str, StrOrPromise]]:
        seen: dict[str, StrOrPromise] = {}
        for kind in self._kinds.values():
            for code, label in kind.statuses.items():
                seen.setdefault(code, label)
        return list(seen.items())

    def kind_label(self, code: str) -> str:
        kind = self._kinds.get(code)
        return str(kind.label) if kind else code

    def status_alert(self, kind_code: str, status: str) -> bool:
        kind = self._kinds.get(kind_code)
        return kind is not None and status in kind.alert_statuses

    def status_label(self, kind_code: str, status: str) -> str:
        kind = self._kinds.get(kind_code)
        if kind is not None and status in kind.statuses:
            return str(kind.statuses[status])
        return str(dict(self.status_choices()).get(status, status)) if status else ""

    def actions_for(self, kind_code: str, status: str) -> dict[str, frozenset[str]]:
        return self._flows.get(kind_code, {}).get(status, {})

    def action(self, kind_code: str, name: str) -> Action | None:
        kind = self._kinds.get(kind_code)
        return kind.actions.get(name) if kind else None

    def action_label(self, name: str) -> str:
        return str(self._labels.get(name, name))

    def public_actions(self) -> dict[str, Action]:
        """Every action a page or the API may take, by name (the API's operations)."""
        return {n: a for n, a in self._actions.items() if not a.internal}

    def stage_of(self, kind_code: str, status: str) -> str | None:
        kind = self._kinds.get(kind_code)
        return kind.stages.get(status) if kind is not None else None

    def stage_statuses(self, stage: str) -> dict[str, frozenset[str]]:
        """Kind -> its statuses at ``stage``: what the inbox filters a tab by."""
        out = {}
        for kind in self._kinds.values():
            statuses = frozenset(s for s, at in kind.stages.items() if at == stage)
            if statuses:
                out[kind.code] = statuses
        return out

    def inbox_amounts(self) -> dict[str, list[str]]:
        """Lookup -> the kinds whose inbox amount it is."""
        out: dict[str, list[str]] = {}
        for kind in self._kinds.values():
            if kind.inbox_amount:
                out.setdefault(kind.inbox_amount, []).append(kind.code)
        return out

    def inbox_flags(self) -> dict[str, list[str]]:
        """Lookup -> the kinds whose inbox mark it is."""
        out: dict[str, list[str]] = {}
        for kind in self._kinds.values():
            if kind.inbox_flag:
                out.setdefault(kind.inbox_flag[0], []).append(kind.code)
        return out

    def inbox_flag_label(self, kind_code: str) -> str:
        kind = self._kinds.get(kind_code)
        return str(kind.inbox_flag[1]) if kind is not None and kind.inbox_flag else ""

    def openers(self) -> list[Opener]:
        seen: list[Opener] = []
        for opener in self._area_openers.values():
            if opener not in seen:
                seen.append(opener)
        return seen

    def opener(self, kind_code: str) -> Opener | None:
        return self._area_openers.get(kind_code)


@dataclass(frozen=True, eq=False)
class Opener:
    """How an area opens its kinds: the API's body (with ``kind`` a ``Literal`` of them), the
    service, and the workbench form. ``open`` takes (order, lines, actor, now, data)."""

    kinds: tuple[str, ...]
    schema: type[BaseModel]
    open: Callable[..., Case]
    form: Callable[..., forms.Form] | None = None


registry = Registry()
