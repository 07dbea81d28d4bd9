"""python manage.py permissions_table > docs/permissions.md

Prints who may do what as Markdown: the permission table of ``accounts.permissions`` and, for
every registered case kind, the roles of its actions. docs/permissions.md is this command's
output, and a test (tests/authz/test_api_roles.py) keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.management.base import BaseCommand
from django.utils import translation

from aftersales.accounts.models import Role
from aftersales.accounts.permissions import PERM_LABELS, PERMISSIONS, Perm
from aftersales.cases.registry import Kind, registry

GRANTED = "✓"
INTERNAL_MARK = " ※"
INTERNAL_NOTE = "※ 内部操作：页面和 API 不提供，由审批决定、退款结算等服务执行；✓ 为其登记的角色。"

INTRO = """\
# Who may do what

The written table of the after-sales workbench: which role may do what, in every shop the
person belongs to. It has two parts, both generated from the code by
`python manage.py permissions_table > docs/permissions.md`:

- **Permissions** (`aftersales/accounts/permissions.py`, `PERMISSIONS`): what every service
  checks with `authorize(actor, perm, shop_id=...)` before it writes.
- **Case actions**, one table per kind of case: the roles each area registers for its actions
  with the case core (`cases.registry`); the case page, the inbox and
  `POST /api/v1/cases/{id}/actions/{action}` all dispatch through them.

A test (`tests/authz/`) walks every API operation and every workbench page as each role, as a
user of another shop and as a superuser against this table, and another keeps this file equal
to the command's output: change the table in the code, then regenerate this file.

A person of another shop finds nothing (404), whatever their roles. Being a superuser grants
nothing beyond one's roles: the administrator's powers are the administrator role's rows below,
and a superuser without a role may do nothing here.
"""


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _roles_header(first: list[str]) -> list[str]:
    roles = [str(label) for _value, label in Role.choices]
    return [_row([*first, *roles]), _row(["---"] * len(first) + [":-:"] * len(roles))]


def _granted(roles: frozenset[str]) -> list[str]:
    return [GRANTED if role in roles else "" for role in Role.values]


def permission_lines() -> list[str]:
    lines = ["## 权限 (permissions)", "", *_roles_header(["权限", "代码"])]
    for perm in Perm:
        lines.append(
            _row([str(PERM_LABELS[perm]), f"`{perm.value}`", *_granted(PERMISSIONS[perm])])
        )
    return lines


def _action_order(kind: Kind) -> list[str]:
    """The kind's actions in the order its flow first reaches them."""
    seen: list[str] = []
    for _source, action, _target in kind.moves:
        if action not in seen:
            seen.append(action)
    return seen + sorted(set(kind.actions) - set(seen))


def kind_lines(kind: Kind) -> list[str]:
    lines = [
        f"## 售后类型：{kind.label} (`{kind.code}`)",
        "",
        *_roles_header(["操作", "代码", "可执行状态"]),
    ]
    for name in _action_order(kind):
        action = kind.actions[name]
        sources: list[str] = []
        for source, move, _target in kind.moves:
            label = str(kind.statuses[source])
            if move == name and label not in sources:
                sources.append(label)
        label = str(action.label) + (INTERNAL_MARK if action.internal else "")
        lines.append(_row([label, f"`{name}`", "、".join(sources), *_granted(action.roles)]))
    if any(action.internal for action in kind.actions.values()):
        lines += ["", INTERNAL_NOTE]
    return lines


def permissions_markdown() -> str:
    """The whole of docs/permissions.md, in the product's first language."""
    with translation.override("zh-hans"):
        role_codes = "，".join(f"{label} `{value}`" for value, label in Role.choices)
        parts = [INTRO.rstrip("\n"), f"角色 (roles)：{role_codes}。", "\n".join(permission_lines())]
        parts += ["\n".join(kind_lines(kind)) for kind in registry.kinds()]
    return "\n\n".join(parts) + "\n"


class Command(BaseCommand):
    help = "Print the permission table and every case kind's action roles as Markdown."

    def handle(self, *args, **options):
        self.stdout.write(permissions_markdown(), ending="")
