"""The demo: two shops with their staff, a month of orders, and about a hundred after-sales
cases in every state of §1, each moved there through the real services so its timeline is
what the workbench would have written.

Deterministic: one ``random.Random(2026)`` drives every choice, and only the clock (``now``)
differs between runs. Times count back from ``now``; nothing lies in the future.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, ProtectedError, Q

from aftersales.accounts.models import (
    ContactReveal,
    Department,
    Role,
    Shop,
    User,
    reveal_log_purge,
)
from aftersales.approvals.models import Approval, ApprovalStatus
from aftersales.approvals.services import approval_decide
from aftersales.cases import services as case_services
from aftersales.cases.models import Case
from aftersales.core.models import Carrier
from aftersales.core.money import to_money
from aftersales.demo import catalog
from aftersales.demo.catalog import ALL_SHOPS, DEMO_SHOPS, OTHER, STAFF, ProductSpec
from aftersales.demo.orders import (
    OUTBOUND_CARRIERS,
    RETURN_CARRIERS,
    Draws,
    OrderDraft,
    OrderMaker,
    hours,
)
from aftersales.demo.stories import Step, Story, all_stories
from aftersales.logistics import demo as logistics_demo
from aftersales.orders.models import Order, OrderLine, Product, Shipment
from aftersales.parcels import demo as parcels_demo
from aftersales.returns.models import Refund, RefundStatus
from aftersales.returns.services import (
    case_act,
    refund_settle,
    return_case_open,
)
from aftersales.scorecards import demo as scorecards_demo
from aftersales.tracking import demo as tracking_demo
from aftersales.watch import demo as watch_demo

SEED = 2026
ORDERS_PER_DEMO = 300  # over the two demo shops, the stories' orders included
OTHER_SHOP_ORDERS = 12
WAREHOUSE_ACTIONS = frozenset({"receive", "ship_replacement", "reship", "parcel_back"})
SYSTEM_ACTIONS = frozenset({"settle_ok", "settle_fail"})


class DemoError(Exception):
    """The demo cannot be loaded or removed as asked; the message says why."""


def password_hash(password: str) -> str:
    """The stored hash of a demo password: the precomputed one while it is what the default
    hasher would make now, else a fresh one."""
    stored = catalog.PASSWORD_HASHES.get(password, "")
    try:
        hasher = identify_hasher(stored)
    except ValueError:
        return make_password(password)
    if hasher.algorithm != get_hasher().algorithm or hasher.must_update(stored):
        return make_password(password)
    return stored


# --- what is loaded -----------------------------------------------------------------------


def demo_loaded() -> bool:
    return Shop.objects.filter(name__in=DEMO_SHOPS).exists()


def staff_table() -> list[tuple[str, str, str, str, str]]:
    """(username, roles, password, name, shops) of every demo login."""
    return [
        (m.username, ",".join(m.roles), m.password, m.display_name, "、".join(m.shops))
        for m in STAFF
    ]


@dataclass
class DemoSummary:
    orders: int = 0
    cases_by_kind_status: dict[tuple[str, str], int] = field(default_factory=dict)
    refunds_by_status: dict[str, int] = field(default_factory=dict)
    open_overdue: int = 0
    open_due_24h: int = 0
    unassigned_open: int = 0
    # What each area's demo loader made, one line each (courier area).
    areas: list[str] = field(default_factory=list)


def demo_summary(*, now: dt.datetime) -> DemoSummary:
    shops = Shop.objects.filter(name__in=ALL_SHOPS)
    cases = Case.objects.filter(shop__in=shops)
    open_cases = cases.filter(is_open=True)
    return DemoSummary(
        orders=Order.objects.filter(shop__in=shops).count(),
        cases_by_kind_status={
            (row["kind"], row["status"]): row["n"]
            for row in cases.values("kind", "status").annotate(n=Count("id")).order_by()
        },
        refunds_by_status=dict(
            Refund.objects.filter(shop__in=shops)
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        ),
        open_overdue=open_cases.filter(due_at__lt=now).count(),
        open_due_24h=open_cases.filter(due_at__gte=now, due_at__lt=now + hours(24)).count(),
        unassigned_open=open_cases.filter(assignee__isnull=True).count(),
    )


# --- removing it --------------------------------------------------------------------------


@transaction.atomic
def demo_reset() -> dict[str, int]:
    """Delete the demo shops with everything in them, the demo logins and the demo
    departments nobody else belongs to. Carriers stay: they are shared reference data."""
    shops = Shop.objects.filter(name__in=ALL_SHOPS)
    users = User.objects.filter(username__in=[m.username for m in STAFF])
    deleted: Counter[str] = Counter()
    # The reveal log is append-only: its demo rows go with the demo, inside the purge permit.
    with reveal_log_purge():
        try:
            # The courier area's rows point at the shops, their orders, shipments and cases and
            # the demo staff, and protect them; they go first, the higher areas before the lower.
            deleted.update(_areas_reset(shops, users))
            # Refunds and cases protect their orders and lines; take them first.
            for qs in (
                Refund.objects.filter(shop__in=shops),
                Case.objects.filter(shop__in=shops),
                ContactReveal.objects.filter(Q(user__in=users) | Q(order__shop__in=shops)),
                Order.objects.filter(shop__in=shops),
                users,
                shops,
                Department.objects.filter(name__in=catalog.DEPARTMENTS, user__isnull=True),
            ):
                _total, per_model = qs.delete()
                deleted.update(per_model)
        except ProtectedError as exc:
            names = sorted({obj._meta.label for obj in exc.protected_objects})
            raise DemoError(
                f"演示数据仍被其他数据引用（{', '.join(names)}），未删除任何内容。"
            ) from exc
    return dict(deleted)


# The courier area's apps, the higher first: what each keeps may point at the lower ones'.
AREA_APPS = ("scorecards", "watch", "parcels", "tracking", "logistics")


def _areas_reset(shops, users) -> Counter[str]:
    """Delete the rows of the courier area's apps that belong to the demo: those pointing at
    a demo shop, one of its orders, shipments or cases, or a demo login. Carrier-wide
    reference data (coverage, plans) stays, as the carriers do."""
    targets = {
        Shop: shops,
        User: users,
        Order: Order.objects.filter(shop__in=shops),
        Shipment: Shipment.objects.filter(order__shop__in=shops),
        Case: Case.objects.filter(shop__in=shops),
    }
    deleted: Counter[str] = Counter()
    models = [m for label in AREA_APPS for m in apps.get_app_config(label).get_models()]
    # Rows of one area may protect rows of another; a few passes settle the order.
    for _pass in range(3):
        for model in models:
            q = Q()
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model in targets:
                    q |= Q(**{f"{f.name}__in": targets[f.related_model]})
            if not q:
                continue
            try:
                with transaction.atomic():
                    _total, per_model = model.objects.filter(q).delete()
            except ProtectedError:
                continue
            deleted.update(per_model)
    return deleted


# --- loading it ---------------------------------------------------------------------------


def demo_load(*, now: dt.datetime, seed: int = SEED) -> DemoSummary:
    """Load the demo as of ``now``. Refuses when it is there already or when a login of the
    same name exists (``--reset`` first)."""
    if demo_loaded():
        raise DemoError("演示数据已加载。")
    clashes = sorted(
        User.objects.filter(username__in=[m.username for m in STAFF]).values_list(
            "username", flat=True
        )
    )
    if clashes:
        raise DemoError(f"已存在同名用户：{', '.join(clashes)}。请先使用 --reset。")
    builder = _Builder(rng=random.Random(seed), now=now)
    with transaction.atomic():
        builder.build()
        # The courier area over the demo's orders, in the order each needs the one before:
        # coverage and routes; tracking (which opens problem parcels by itself); the
        # problem parcels taken to their steps; the order watch; the carriers' scorecards.
        areas = [
            loader(now=now)
            for loader in (
                logistics_demo.load,
                tracking_demo.load,
                parcels_demo.load,
                watch_demo.load,
                scorecards_demo.load,
            )
        ]
    summary = demo_summary(now=now)
    summary.areas = areas
    return summary


@dataclass
class _Plan:
    """A story with its times worked out: ``times[0]`` opens the case, ``times[i]`` is
    when ``steps[i - 1]`` happens."""

    story: Story
    steps: list[Step]
    times: list[dt.datetime]
    handler: str  # username of the person who works it
    draft: OrderDraft | None = None
    refused_at: dt.datetime | None = None


class _Ctx:
    """What a step's parameters are drawn from."""

    def __init__(self, builder: _Builder, story: Story, line: OrderLine, qty: int):
        self.draws = builder.draws
        self.rng = builder.rng
        self.carriers = builder.carriers
        self.story = story
        self.line = line
        self.qty = qty

    def whole_yuan(self, low: int, high: int) -> Decimal:
        return to_money(self.rng.randint(low, high))

    def line_part(self, fraction: Decimal) -> Decimal:
        share = self.line.amount_paid * self.qty / self.line.quantity
        part = to_money(share * fraction)
        return to_money(part.to_integral_value()) if part >= 10 else part

    def parcel(self, *, buyer: bool) -> dict[str, Any]:
        if buyer:
            code = self.draws.weighted(RETURN_CARRIERS)
            freight = to_money(self.rng.choice((8, 10, 12, 12, 15, 18)))
        else:
            code = self.draws.weighted(OUTBOUND_CARRIERS[self.story.shop])
            freight = to_money(self.rng.choice(("4.50", "5.00", "5.50", "6.00", "12.00")))
        return {
            "carrier": self.carriers[code].pk,
            "waybill_no": self.draws.waybill(code),
            "freight": freight,
        }


class _Builder:
    def __init__(self, *, rng: random.Random, now: dt.datetime):
        self.draws = Draws(rng=rng, now=now)
        self.rng = rng
        self.now = now

    # --- the whole thing ------------------------------------------------------------------

    def build(self) -> None:
        self.reference_data()
        self.people()
        plans = [self.plan(story) for story in all_stories()]
        self.orders(plans)
        for plan in plans:
            self.play(plan)

    def reference_data(self) -> None:
        self.carriers = {}
        for code, name in catalog.CARRIERS:
            self.carriers[code], _ = Carrier.objects.get_or_create(
                code=code, defaults={"name": name}
            )
        self.departments = {
            name: Department.objects.get_or_create(name=name)[0] for name in catalog.DEPARTMENTS
        }
        self.shops = {}
        self.products: dict[str, dict[str, ProductSpec]] = {}
        for name in ALL_SHOPS:
            shop = Shop.objects.create(
                name=name,
                **catalog.SHOP_DETAILS[name],
            )
            self.shops[name] = shop
            specs = catalog.PRODUCTS[name]
            self.products[name] = {p.sku: p for p in specs}
            Product.objects.bulk_create(
                Product(
                    shop=shop,
                    sku_code=p.sku,
                    title=p.title,
                    seven_day_eligible=p.eligible,
                    seven_day_exclusion=p.exclusion,
                    seven_day_exclusion_note=p.exclusion_note,
                    warranty_months=p.warranty_months,
                    service_scope=p.service_scope,
                    stock=p.stock,
                )
                for p in specs
            )

    def people(self) -> None:
        # The groups come with a migration; a flushed test database has lost them.
        groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
        self.users: dict[str, User] = {}
        for member in STAFF:
            user = User(
                username=member.username,
                display_name=member.display_name,
                department=self.departments[member.department],
                is_staff=member.superuser,
                is_superuser=member.superuser,
            )
            user.password = password_hash(member.password)
            user.save()
            user.groups.set([groups[role] for role in member.roles])
            user.shops.set([self.shops[name] for name in member.shops])
            self.users[member.username] = user
        for name, username in catalog.DEPARTMENT_HEADS.items():
            department = self.departments[name]
            department.head = self.users[username]
            department.save(update_fields=["head"])

    # --- buyers and orders ----------------------------------------------------------------

    def orders(self, plans: list[_Plan]) -> None:
        maker = OrderMaker(
            self.draws, shops=self.shops, products=self.products, carriers=self.carriers
        )
        drafts: list[OrderDraft] = []
        by_tag: dict[str, OrderDraft] = {}
        for plan in plans:
            if plan.story.tag == "jeans-bag":
                continue  # the bag was stained by the jeans of the return's order
            plan.draft, plan.refused_at = maker.for_story(plan.story, plan.times[0])
            by_tag[plan.story.tag] = plan.draft
            drafts.append(plan.draft)
        for plan in plans:
            if plan.story.tag == "jeans-bag":
                plan.draft = by_tag["jeans-return"]
        counts = Counter(d.order.shop.name for d in drafts)
        demo_left = ORDERS_PER_DEMO - counts[catalog.FASHION] - counts[catalog.HOME]
        for i in range(demo_left):
            drafts.append(maker.background(DEMO_SHOPS[i % 2]))
        for _ in range(OTHER_SHOP_ORDERS - counts[OTHER]):
            drafts.append(maker.background(OTHER))
        drafts.sort(key=lambda d: d.order.created_at)
        Order.objects.bulk_create([d.order for d in drafts])
        for d in drafts:
            for line in d.lines:
                line.order = d.order
            if d.shipment is not None:
                d.shipment.order = d.order
        OrderLine.objects.bulk_create([line for d in drafts for line in d.lines])
        Shipment.objects.bulk_create([d.shipment for d in drafts if d.shipment is not None])

    # --- the cases ------------------------------------------------------------------------

    def plan(self, story: Story) -> _Plan:
        steps = list(story.steps)
        # Drawn for every story, so the sequence does not depend on who was named.
        either = "agent" if self.rng.random() < 0.55 else "agent2"
        handler = either if story.assignee == "any" else story.assignee or "agent"
        if story.assignee:
            steps.insert(0, Step("assign", (0.05, 0.6)))
        end = self.now - self.draws.between(*story.idle)
        if not steps or steps[-1].action not in SYSTEM_ACTIONS:
            end = self.draws.staff_time(end, latest=self.now - hours(0.1))
        times = [end]
        for i in range(len(steps), 0, -1):
            earlier = times[0] - self.draws.between(*steps[i - 1].gap)
            # times[0] belongs to steps[i - 1]; the time computed here to the step before it.
            before = steps[i - 2].action if i >= 2 else "open"
            if before not in SYSTEM_ACTIONS:
                earlier = self.draws.staff_time(earlier)
            times.insert(0, earlier)
        return _Plan(story=story, steps=steps, times=times, handler=handler)

    def actor(self, plan: _Plan, action: str) -> User:
        if plan.story.shop == OTHER:
            return self.users["outsider"]
        if action in WAREHOUSE_ACTIONS:
            return self.users["warehouse"]
        if action in ("approve", "reject"):
            return self.users["supervisor"]
        return self.users[plan.handler]

    def play(self, plan: _Plan) -> None:
        story, draft = plan.story, plan.draft
        assert draft is not None  # noqa: S101 - set by orders()
        line = draft.lines[0]
        qty = story.case_qty or line.quantity
        ctx = _Ctx(self, story, line, qty)
        case = return_case_open(
            order=draft.order,
            kind=story.kind,
            lines=[(line, qty)],
            reason=story.reason,
            actor=self.actor(plan, "open"),
            now=plan.times[0],
            buyer_claim=self.rng.choice(story.claims).format(defect=catalog.DEFECTS[line.sku_code]),
            requested_amount=story.requested(ctx) if story.requested else None,
            freight_insurance=story.insurance,
            refused_at=plan.refused_at,
            priority=story.priority,
        )
        for step, when in zip(plan.steps, plan.times[1:], strict=True):
            self.step(plan, case.pk, step, when, ctx)

    def step(self, plan: _Plan, case_id: int, step: Step, when: dt.datetime, ctx: _Ctx) -> None:
        action = step.action
        if (
            action == "carry_out"
            and Approval.objects.filter(case_id=case_id, status=ApprovalStatus.PENDING).exists()
        ):
            # The approval rules held this remedy (a reship or goods worth more than the
            # threshold): a supervisor approves it before it is carried out, as in the shop.
            self.step(plan, case_id, Step("approve", (0, 0), comment="同意"), when, ctx)
        if action == "assign":
            assignee = self.users[plan.handler]
            dispatcher = self.users["supervisor"] if self.rng.random() < 0.7 else assignee
            if plan.story.shop == OTHER:
                dispatcher = assignee
            case_services.case_update(
                case_id=case_id, actor=dispatcher, now=when, assignee=assignee
            )
        elif action == "note":
            case = Case.objects.get(pk=case_id)
            case_services.note_add(
                case=case, author=self.actor(plan, action), body=step.comment, now=when
            )
        elif action in SYSTEM_ACTIONS:
            pending = Refund.objects.filter(case_id=case_id, status=RefundStatus.PENDING)
            for refund in pending.order_by("created_at", "id"):
                refund_settle(
                    refund_id=refund.pk,
                    actor=None,
                    succeeded=action == "settle_ok",
                    now=when,
                    failure_reason=step.comment,
                )
        elif action in ("approve", "reject"):
            approval = Approval.objects.get(case_id=case_id, status=ApprovalStatus.PENDING)
            approval_decide(
                approval_id=approval.pk,
                actor=self.actor(plan, action),
                approve=action == "approve",
                comment=step.comment,
                now=when,
            )
        else:
            params = step.params(ctx) if callable(step.params) else dict(step.params or {})
            case_act(
                case_id=case_id,
                action=action,
                actor=self.actor(plan, action),
                now=when,
                params=params,
                comment=step.comment,
            )
