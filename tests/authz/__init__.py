"""The role walk's shared pieces: the table as the tests read it, users by role, a story that
brings fresh records into the state each operation needs (through the services, as the agent,
the supervisor and the warehouse clerk of the suite's personas), and a picture of every row
the application keeps, to prove that a refused call wrote nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps

from aftersales.accounts.models import Role
from aftersales.accounts.permissions import MSG_PERMISSION, PERMISSIONS, Perm
from aftersales.approvals.models import Approval, ApprovalRule
from aftersales.approvals.services import approval_rule_create
from aftersales.cases.models import Case, CaseAttachment, CaseNote
from aftersales.cases.registry import registry
from aftersales.cases.services import MSG_ROLE, attachment_add, note_add
from aftersales.orders.models import Order, OrderLine, Product
from aftersales.returns.models import Refund
from aftersales.returns.services import case_act, refund_settle, return_case_open
from tests.api import NOW, PNG_1X1, order_build
from tests.factories import ProductFactory, UserFactory

ROLES: list[str] = list(Role.values)
PASSWORD = "pw-123456"

# The rule that governs an operation or a page: a permission of the table, the registered
# roles of a case action ("action:<name>", looked up for the kind of the case it acts on), or
# "any" (signing in and out).
ANY = "any"
Rule = Perm | str

# What every refusal by role says, on a page or in the API: the permission table's message
# and the case core's, which share their opening words.
REFUSED = os.path.commonprefix([str(MSG_PERMISSION), str(MSG_ROLE)])


def action_rule(name: str) -> str:
    return f"action:{name}"


def granted(rule: Rule, role: str, *, kind: str | None = None) -> bool:
    """Whether the written table lets ``role`` do what ``rule`` governs."""
    if rule == ANY:
        return True
    if isinstance(rule, Perm):
        return role in PERMISSIONS[rule]
    name = rule.removeprefix("action:")
    assert kind is not None, f"{rule} is decided by the kind of the case"
    spec = registry.action(kind, name)
    assert spec is not None, f"{kind} has no action {name}"
    return role in spec.roles


def role_user(role: str, shop, *, username: str | None = None):
    """Someone who holds ``role`` and nothing else, in ``shop``. Not one of the personas that
    build the records: an approval's requester may never decide it, whatever the role."""
    return UserFactory(username=username or f"as-{role}", roles=[role], shops=[shop])


def superuser_without_role(shop):
    return UserFactory(username="root", roles=[], shops=[shop], is_superuser=True, is_staff=True)


def rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the application. Users and API tokens are left out: a
    sign-in stamps ``last_login`` and a bearer call stamps the token's ``last_used_at``."""
    picture = {}
    for model in apps.get_models():
        meta = model._meta
        if not meta.app_config.name.startswith("aftersales."):
            continue
        if meta.label_lower in ("accounts.user", "accounts.apitoken"):
            continue
        picture[meta.label_lower] = list(model.objects.order_by("pk").values())
    return picture


# --- the story -------------------------------------------------------------------------------

# Who takes each action while a record is brought into shape: the warehouse takes in and sends
# out parcels, the agent does the rest.
_WAREHOUSE_ACTIONS = frozenset({"receive", "ship_replacement", "reship"})

# The parameters each action is taken with, in the story and in the walks.
ACTION_PARAMS: dict[str, dict[str, Any]] = {
    "agree": {},
    "refuse": {"reason": "超出售后范围"},
    "cancel": {"reason": "买家撤回申请"},
    "buyer_ship": {"carrier": "yto", "waybill_no": "YT7000000001"},
    "receive": {"intact": True},
    "refund": {"amount": "19.80"},
    "retry_refund": {},
    "complete": {},
    "ship_replacement": {"carrier": "yto", "waybill_no": "YT7000000002"},
    "convert_to_refund": {},
    "buyer_sign": {},
    "escalate": {},
    "parcel_back": {},
    "decide_reship": {},
    "reship_returned": {},
    "reship": {"carrier": "yto", "waybill_no": "YT7000000003"},
    "decide": {"remedy": "cash", "amount": "10.00"},
    "carry_out": {},
}

_RETURNED = ["agree", "buyer_ship", "receive"]

# What the shop's approval rule says of itself: the rules page shows it.
RULE_NOTE = "袜子旗舰店补偿审批"

# For each action the API and the case page offer: a kind, and the actions that bring a new
# case of it to a status where the action is offered. "settle_failed" is the platform saying
# the refund failed (the case goes back to a queue); "stock" puts the replacement on the shelf.
ACTION_STATES: dict[str, tuple[str, list[str]]] = {
    "agree": ("return_refund", []),
    "refuse": ("return_refund", []),
    "cancel": ("return_refund", []),
    "buyer_ship": ("return_refund", ["agree"]),
    "receive": ("return_refund", ["agree", "buyer_ship"]),
    "refund": ("return_refund", _RETURNED),
    "complete": ("return_refund", [*_RETURNED, "refund"]),
    "retry_refund": ("return_refund", [*_RETURNED, "refund", "settle_failed"]),
    "escalate": ("return_refund", ["refuse"]),
    # An exchange is agreed only with the replacement on the shelf.
    "convert_to_refund": ("exchange", ["stock", *_RETURNED]),
    "ship_replacement": ("exchange", ["stock", *_RETURNED]),
    "buyer_sign": ("exchange", ["stock", *_RETURNED, "ship_replacement"]),
    "parcel_back": ("refusal", []),
    "decide_reship": ("refusal", ["parcel_back"]),
    "reship_returned": ("refusal", ["parcel_back"]),
    "reship": ("refusal", ["parcel_back", "decide_reship"]),
    "decide": ("compensation", []),
    # Ten yuan in cash, under every approval rule the story writes: approved at once.
    "carry_out": ("compensation", ["decide"]),
}

# Each area's own case actions, openers and steps (tests/authz/areas/).
from tests.authz import areas as _areas  # noqa: E402

ACTION_PARAMS.update(_areas.merged("ACTION_PARAMS"))
ACTION_STATES.update(_areas.merged("ACTION_STATES"))
_OPENERS = _areas.merged("OPENERS")
_STEPS = _areas.merged("STEPS")


@dataclass
class Story:
    """Fresh records of ``shop`` for one call, brought where the call needs them."""

    shop: Any
    agent: Any
    supervisor: Any
    warehouse: Any

    def order(self) -> tuple[Order, list[OrderLine]]:
        return order_build(shop=self.shop, postal_code="310000")

    def case(self, kind: str = "return_refund") -> Case:
        """A new case of two pairs of the order's socks; the goods were faulty, so no
        seven-day window bounds it."""
        if kind in _OPENERS:
            return _OPENERS[kind](self)
        order, lines = self.order()
        return return_case_open(
            order=order,
            kind=kind,
            lines=[(lines[0], 2)],
            reason="quality",
            actor=self.agent,
            now=NOW,
            **({"refused_at": NOW} if kind == "refusal" else {}),
        )

    def take(self, case: Case, step: str) -> None:
        if step in _STEPS:
            _STEPS[step](self, case)
            return
        if step == "stock":
            if not Product.objects.filter(shop=self.shop, sku_code="WZ-10").exists():
                ProductFactory(shop=self.shop, sku_code="WZ-10", stock=10)
            return
        if step == "settle_failed":
            refund = case.refunds.get(status="pending")
            refund_settle(
                refund_id=refund.pk,
                succeeded=False,
                actor=self.agent,
                failure_reason="买家账户异常",
                now=NOW,
            )
            return
        params = dict(ACTION_PARAMS[step])
        if "waybill_no" in params:
            # Each parcel its own waybill.
            params["waybill_no"] = f"{params['waybill_no']}{case.pk:04d}"
        case_act(
            case_id=case.pk,
            action=step,
            actor=self.warehouse if step in _WAREHOUSE_ACTIONS else self.agent,
            now=NOW,
            params=params,
        )

    def case_at(self, action: str) -> Case:
        """A new case at a status where ``action`` is offered."""
        kind, steps = ACTION_STATES[action]
        case = self.case(kind)
        for step in steps:
            self.take(case, step)
        case = Case.objects.get(pk=case.pk)
        assert action in registry.actions_for(case.kind, case.status), (action, case.status)
        return case

    def pending_refund(self) -> Refund:
        """A return taken back and refunded: the refund waits for the platform's answer."""
        case = self.case_at("complete")
        return case.refunds.get(status="pending")

    def rule(self) -> ApprovalRule:
        """The shop's rule, written by its supervisor: a compensation over 50.00 needs one."""
        existing = ApprovalRule.objects.filter(shop=self.shop, case_kind="compensation").first()
        return existing or approval_rule_create(
            actor=self.supervisor,
            shop_id=self.shop.pk,
            case_kind="compensation",
            condition="amount_over",
            threshold=Decimal("50.00"),
            note=RULE_NOTE,
            now=NOW,
        )

    def approval(self) -> Approval:
        """Eighty yuan in cash the agent decided, over the rule: waiting for a supervisor."""
        self.rule()
        case = self.case("compensation")
        case_act(
            case_id=case.pk,
            action="decide",
            actor=self.agent,
            now=NOW,
            params={"remedy": "cash", "amount": "80.00"},
        )
        return Approval.objects.get(case=case, status="pending")

    def note(self, case: Case) -> CaseNote:
        return note_add(case=case, author=self.agent, body="买家来电催促", now=NOW)

    def attachment(self, case: Case) -> CaseAttachment:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return attachment_add(
            case=case,
            uploaded_by=self.agent,
            upload=SimpleUploadedFile("photo.png", PNG_1X1, content_type="image/png"),
            now=NOW,
        )
