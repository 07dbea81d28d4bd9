"""Reads of cases that the inbox, the case page, the API and reports share.

Every query starts from ``cases_for(user)``: a user sees only the cases of their shops.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Count, DecimalField, F, Q, QuerySet, Value, When
from django.db.models import Case as CaseWhen
from django.db.models.functions import Right
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role, User
from aftersales.accounts.permissions import PERMISSIONS, Perm, authorize
from aftersales.cases import workflows
from aftersales.cases.models import Case
from aftersales.cases.registry import Stage, registry
from aftersales.core.validation import ascii_number
from aftersales.orders.models import Order, Shipment


def cases_for(user: User) -> QuerySet[Case]:
    """The cases of the user's shops, for a user whose role may see them (403 otherwise)."""
    authorize(user, Perm.CASE_VIEW)
    return Case.objects.filter(shop_id__in=user.shop_ids())


# The inbox's tabs beside the stages: the user's own queue, every open case, what is overdue.
MINE = "mine"
ALL = "all"
OVERDUE = "overdue"
TABS: tuple[str, ...] = (MINE, ALL, *Stage.values, OVERDUE)
TAB_LABELS = {
    MINE: _("我的队列"),
    ALL: _("全部"),
    **{stage.value: stage.label for stage in Stage},
    OVERDUE: _("已超时"),
}

# Each branch of a search gives at most this many orders: a nick that a thousand orders share
# must not turn the inbox into a scan; the person types more of it.
SEARCH_LIMIT = 200
# Part of a nick or a name: three characters are found anywhere in it (a trigram index
# answers); two only at its start (a surname and a given name; anywhere, two characters would
# read every order of the shop); one is not searched for.
SEARCH_ANYWHERE_MIN = 3
SEARCH_PREFIX_MIN = 2

MONEY = DecimalField(max_digits=12, decimal_places=2)


@dataclass(frozen=True)
class InboxFilters:
    kind: str = ""
    status: str = ""
    assignee: str = ""  # "", "me", "none" or a user id
    q: str = ""
    overdue: bool = False
    escalated: bool = False
    include_closed: bool = False
    shop: int | None = None
    # "" or ALL: every case the other filters leave; MINE: the user's queue; a ``Stage``;
    # OVERDUE: open and past its deadline, whatever the stage.
    stage: str = ""


def stage_q(stage: str) -> Q:
    """The cases at ``stage``, as each kind registered its statuses: one condition per status,
    naming kinds only where another kind puts the same status at another stage."""
    by_kind = registry.stage_statuses(stage)
    at_stage: dict[str, set[str]] = {}
    for kind, statuses in by_kind.items():
        for status in statuses:
            at_stage.setdefault(status, set()).add(kind)
    plain: list[str] = []
    q = Q(pk__isnull=True)  # nothing, without an empty IN that would void a whole COUNT
    for status, kinds in sorted(at_stage.items()):
        having = {k.code for k in registry.kinds() if status in k.statuses}
        if kinds == having:
            plain.append(status)
        else:
            q |= Q(status=status, kind__in=sorted(kinds))
    if plain:
        q |= Q(status__in=plain)
    return q


def queue_q(user: User) -> Q:
    """The user's own queue: what is assigned to them, and what their roles pick up from the
    shop's pool — an agent the unassigned cases waiting for the shop (pending, or a refund
    that failed), the warehouse every parcel on its way back, a supervisor what was escalated
    for being overdue. Someone with several roles gets all of theirs."""
    q = Q(assignee_id=user.pk)
    if user.has_role(Role.AGENT):
        q |= Q(assignee__isnull=True) & (stage_q(Stage.PENDING) | stage_q(Stage.REFUND_FAILED))
    if user.has_role(Role.WAREHOUSE):
        q |= stage_q(Stage.TO_RECEIVE)
    if user.has_role(Role.SUPERVISOR):
        q |= Q(escalated_at__isnull=False)
    return q


def default_tab(user: User) -> str:
    """Where the inbox opens: the warehouse on the parcels to receive, everyone else on their
    own queue."""
    if user.has_role(Role.WAREHOUSE) and not user.has_role(Role.AGENT, Role.SUPERVISOR):
        return Stage.TO_RECEIVE.value
    return MINE


def _tab_q(tab: str, *, user: User, now: dt.datetime) -> Q:
    if tab in ("", ALL):
        return Q()
    if tab == MINE:
        return queue_q(user)
    if tab == OVERDUE:
        return Q(is_open=True, due_at__lt=now)
    if tab in Stage.values:
        return stage_q(tab)
    return Q(pk__isnull=True)


def _narrowed(
    qs: QuerySet[Case], *, user: User, filters: InboxFilters, now: dt.datetime
) -> QuerySet[Case]:
    """The filters that narrow every tab alike (the tabs' counts follow them)."""
    if filters.shop:
        qs = qs.filter(shop_id=filters.shop)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        # An id in ASCII digits within range; any other digits name nobody.
        assignee_id = ascii_number(filters.assignee)
        qs = qs.filter(assignee_id=assignee_id) if assignee_id else qs.none()
    if filters.escalated:
        qs = qs.filter(escalated_at__isnull=False)
    if filters.overdue:
        qs = qs.filter(due_at__lt=now)
    return qs


def search_order_ids(*, shop_ids: list[int], term: str) -> list[int]:
    """The orders of these shops a search term names: exactly by order number or waybill;
    by part of the buyer's nick or the receiver's name, whatever the case of the letters
    (three characters anywhere, two at the start); by the last four digits of the receiver's
    phone (or the whole number). Each branch is its own query on its own index (PostgreSQL:
    cases migration 0006), at most SEARCH_LIMIT orders each; one OR across them would defeat
    every index at once."""
    orders = Order.objects.filter(shop_id__in=shop_ids)
    branches = [orders.filter(order_no=term)]
    if len(term) >= SEARCH_ANYWHERE_MIN:
        branches.append(orders.filter(buyer_nick__icontains=term))
        branches.append(orders.filter(receiver_name__icontains=term))
    elif len(term) >= SEARCH_PREFIX_MIN:
        branches.append(orders.filter(buyer_nick__istartswith=term))
        branches.append(orders.filter(receiver_name__istartswith=term))
    digits = term.replace("-", "").replace(" ", "")
    if digits.isdigit() and len(digits) == 4:
        branches.append(
            orders.annotate(phone_tail=Right("receiver_phone", 4)).filter(phone_tail=digits)
        )
    elif digits.isdigit() and len(digits) >= 7:
        # A whole number: found through the same index as its last four digits.
        branches.append(
            orders.annotate(phone_tail=Right("receiver_phone", 4)).filter(
                phone_tail=digits[-4:], receiver_phone__endswith=digits
            )
        )
    ids: list[int] = []
    for branch in branches:
        ids += branch.values_list("id", flat=True)[:SEARCH_LIMIT]
    waybills = {term, term.upper()}
    ids += Shipment.objects.filter(
        waybill_no__in=waybills, order__shop_id__in=shop_ids
    ).values_list("order_id", flat=True)[:SEARCH_LIMIT]
    return sorted(set(ids))


def with_inbox_columns(qs: QuerySet[Case]) -> QuerySet[Case]:
    """What an inbox row shows beyond the case: its order, assignee and shop joined, and the
    amount each kind registered (``Kind.inbox_amount``) read through its join. A page of rows
    is one query, whatever the kinds on it."""
    amounts = registry.inbox_amounts()
    if amounts:
        amount: Any = CaseWhen(
            *(When(kind__in=kinds, then=F(lookup)) for lookup, kinds in amounts.items()),
            default=Value(None),
            output_field=MONEY,
        )
    else:
        amount = Value(None, output_field=MONEY)
    flags = registry.inbox_flags()
    flag: Any = (
        CaseWhen(
            *(When(kind__in=kinds, then=F(lookup)) for lookup, kinds in flags.items()),
            default=Value(False),
            output_field=BooleanField(),
        )
        if flags
        else Value(False, output_field=BooleanField())
    )
    return (
        qs.select_related("order", "assignee", "shop")
        .annotate(inbox_amount=amount)
        .annotate(inbox_flag=flag)
    )


def inbox(*, user: User, filters: InboxFilters, now: dt.datetime) -> QuerySet[Case]:
    """The cases of the user's shops under ``filters``, what is due first; no deadline goes
    last. Open cases only, unless closed ones are asked for or a search is made: a search
    finds a case however it ended.

    A search matches order number, waybill and case number exactly, and part of the buyer's
    nick or the receiver's name, or the phone's last four digits (``search_order_ids``).
    """
    qs = cases_for(user)
    term = filters.q.strip()
    if not (filters.include_closed or term):
        qs = qs.filter(is_open=True)
    qs = _narrowed(qs, user=user, filters=filters, now=now)
    if filters.status:
        qs = qs.filter(status=filters.status)
    qs = qs.filter(_tab_q(filters.stage, user=user, now=now))
    if term:
        order_ids = search_order_ids(shop_ids=user.shop_ids(), term=term)
        qs = qs.filter(Q(order_id__in=order_ids) | Q(number__in={term, term.upper()}))
    return with_inbox_columns(qs).order_by(F("due_at").asc(nulls_last=True), "id")


def inbox_counts(*, user: User, filters: InboxFilters, now: dt.datetime) -> dict[str, int]:
    """How many open cases each tab holds under the filters that narrow every tab (shop, kind,
    assignee, escalated, overdue; not the status, the tab or a search): one grouped query,
    however many tabs."""
    qs = _narrowed(cases_for(user).filter(is_open=True), user=user, filters=filters, now=now)
    rows = (
        qs.values("kind", "status")
        .annotate(
            n=Count("id"),
            mine=Count("id", filter=queue_q(user)),
            overdue=Count("id", filter=Q(due_at__lt=now)),
        )
        .order_by()
    )
    counts = dict.fromkeys(TABS, 0)
    for row in rows:
        counts[ALL] += row["n"]
        counts[MINE] += row["mine"]
        counts[OVERDUE] += row["overdue"]
        stage = registry.stage_of(row["kind"], row["status"])
        if stage is not None:
            counts[stage] += row["n"]
    return counts


def inbox_rows(*, user: User, case_ids: list[int]) -> QuerySet[Case]:
    """These cases as inbox rows (a row drawn again after it changed), open or not."""
    return with_inbox_columns(cases_for(user).filter(pk__in=case_ids)).order_by(
        F("due_at").asc(nulls_last=True), "id"
    )


def assignable_staff(user: User) -> QuerySet[User]:
    """Whom the user may hand cases to: the active staff of their shops who work cases (the
    roles that may assign, agents and supervisors)."""
    return (
        User.objects.filter(
            is_active=True,
            shops__in=user.shop_ids(),
            groups__name__in=PERMISSIONS[Perm.CASE_ASSIGN],
        )
        .distinct()
        .order_by("username")
    )


def allowed_actions(*, case: Case, user: User) -> list[str]:
    """The actions this case's state offers that this user's roles may take: what the case
    page shows and what the API lists."""
    if case.shop_id not in user.shop_ids():
        return []
    out = []
    for action in workflows.actions_for(case.kind, case.status):
        spec = registry.action(case.kind, action)
        if spec is not None and not spec.internal and user.has_role(*spec.roles):
            out.append(action)
    return out


def actions_now(*, case: Case, user: User) -> list[str]:
    """``allowed_actions`` that can also succeed now (each action's ``available`` check, which
    may read the case's refunds or stock): for one case, never for a list of them."""
    out = []
    for action in allowed_actions(case=case, user=user):
        spec = registry.action(case.kind, action)
        if spec is None or spec.available is None or spec.available(case):
            out.append(action)
    return out


def case_get(*, user: User, case_id: int) -> Case:
    """A case of another shop answers 404, as if it did not exist."""
    return get_object_or_404(
        cases_for(user).select_related("order", "assignee", "shop"), pk=case_id
    )


def case_events(case: Case):
    return case.events.select_related("actor").order_by("created_at", "id")


def case_lines(case: Case):
    return case.lines.select_related("order_line").order_by("order_line__line_no")
