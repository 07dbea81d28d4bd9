"""The role walk of the workbench: every page of the URL resolver (the admin, the API, i18n, the
health check and static files aside), as each role alone in the shop, as the outsider of
another shop, as a superuser without a role and as nobody, against the written table.

Each page and method is mapped to the rule that governs it, as the API's operations are in
test_api_roles.py; a page the resolver has and the mapping lacks fails the walk.

- A GET the table allows answers 200 and shows the shop's record; one it denies answers 403.
- A POST the table denies writes nothing, and answers 403 or says why: the workbench often
  redirects back with a message, or shows the form again with the refusal on it.
- The outsider gets 404 for every page of a record of the shop, and sees nothing of the shop on
  the others.
- Nobody signed in is sent to the login page from every page but the login page itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, reverse

from aftersales.accounts.models import ApiToken
from aftersales.accounts.permissions import Perm
from aftersales.accounts.services import token_create
from aftersales.core.models import Carrier
from aftersales.orders.services.contact import contact_reveal
from aftersales.returns.services.flows.constants import MSG_NOT_ALL_REFUNDED
from tests.api import PNG_1X1
from tests.authz import (
    ACTION_PARAMS,
    ACTION_STATES,
    ANY,
    REFUSED,
    ROLES,
    RULE_NOTE,
    Rule,
    Story,
    action_rule,
    areas,
    granted,
    role_user,
    rows,
    superuser_without_role,
)
from tests.authz.calls import Visit

# Not workbench pages: their own tests and their own access rules.
EXCLUDED_PREFIXES = ("admin/", "i18n/", "api/", "health/", "static/", "media/")

ACT = ("cases:act", "post")

# (URL name, method) -> the rule that governs it. The case page's actions are one URL with the
# action's name in it; each is walked under the action's registered roles.
PAGES: dict[tuple[str, str], Rule] = {
    ("accounts:login", "get"): ANY,
    ("accounts:logout", "post"): ANY,
    ("accounts:reveal_log", "get"): Perm.REVEAL_LOG_READ,
    # One's own API tokens and password (an administrator also sees and revokes their shops'
    # staff's tokens; anyone else's token is not found, said on the page they come back to).
    ("accounts:tokens", "get"): ANY,
    ("accounts:token_revoke", "post"): ANY,
    ("accounts:password_change", "get"): ANY,
    ("accounts:password_change", "post"): ANY,
    ("cases:inbox", "get"): Perm.CASE_VIEW,
    ("cases:inbox_tabs", "get"): Perm.CASE_VIEW,
    # Taking a case is assigning oneself (cases.services.case_take says why).
    ("cases:take", "post"): Perm.CASE_ASSIGN,
    ("cases:assign", "post"): Perm.CASE_ASSIGN,
    ("cases:detail", "get"): Perm.CASE_VIEW,
    ACT: "action",
    ("cases:update", "post"): Perm.CASE_ASSIGN,
    ("cases:note", "post"): Perm.CASE_NOTE,
    ("cases:attach", "post"): Perm.CASE_NOTE,
    ("cases:attachment", "get"): Perm.CASE_VIEW,
    # The form reads the order; opening the case is what CASE_OPEN governs.
    ("cases:new", "get"): Perm.ORDER_VIEW,
    ("cases:new", "post"): Perm.CASE_OPEN,
    ("orders:search", "get"): Perm.ORDER_VIEW,
    ("orders:detail", "get"): Perm.ORDER_VIEW,
    ("orders:contact", "post"): Perm.CONTACT_REVEAL,
    ("orders:sign_in", "post"): Perm.SIGN_IN_RECORD,
    ("returns:refund_settle", "post"): Perm.REFUND_SETTLE,
    # Everyone has a queue; only those who may decide find anything in it.
    ("approvals:queue", "get"): Perm.CASE_VIEW,
    ("approvals:decide", "post"): Perm.APPROVAL_DECIDE,
    ("approvals:rules", "get"): Perm.APPROVAL_RULE_MANAGE,
    ("approvals:rule_new", "get"): Perm.APPROVAL_RULE_MANAGE,
    ("approvals:rule_new", "post"): Perm.APPROVAL_RULE_MANAGE,
    ("approvals:rule_edit", "get"): Perm.APPROVAL_RULE_MANAGE,
    ("approvals:rule_edit", "post"): Perm.APPROVAL_RULE_MANAGE,
    ("approvals:rule_deactivate", "post"): Perm.APPROVAL_RULE_MANAGE,
    **areas.merged("PAGES"),
}

# (page, action or None, persona) -> what the walk found the code doing against the table.
# Each is a strict xfail: the walk stays green until the code is fixed, then asks for the
# entry to go.
FINDINGS: dict[tuple[tuple[str, str], str | None, str], str] = {}

OUTSIDER = "outsider"
SUPERUSER = "superuser"


def _action_data(story: Story, case, action: str) -> dict[str, Any]:
    """The case page's form for ``action``, filled as the person would fill it."""
    data: dict[str, Any] = {"version": case.version}
    for name, value in ACTION_PARAMS[action].items():
        if name == "carrier":
            value = Carrier.objects.get(code=value).pk
        elif name == "waybill_no":
            value = f"{value}9{case.pk:04d}"
        elif name == "intact":
            value = "on" if value else ""
        data[name] = value
    if action in ("receive", "parcel_back"):
        for line in case.lines.all():
            data[f"received_{line.order_line_id}"] = line.quantity
    return {f"{action}-{k}": v for k, v in data.items()}


def _visits() -> dict[tuple[str, str], Callable[..., Visit]]:
    def login(story, action):
        return Visit(reverse("accounts:login"), outsider="hidden")

    def logout(story, action):
        return Visit(reverse("accounts:logout"), ok=302, outsider="hidden")

    def reveal_log(story, action):
        order, _lines = story.order()
        contact_reveal(user=story.agent, order=order, via="workbench")
        return Visit(reverse("accounts:reveal_log"), secret=order.order_no, outsider="hidden")

    def tokens(story, action):
        token_create(user=story.agent, name="walk-agent-token")
        return Visit(reverse("accounts:tokens"), secret="walk-agent-token", outsider="hidden")

    def token_revoke(story, action):
        key = token_create(user=story.agent, name="walk-agent-token")
        token = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
        return Visit(reverse("accounts:token_revoke", args=[token.pk]), ok=302, outsider="hidden")

    def password_form(story, action):
        return Visit(reverse("accounts:password_change"), outsider="hidden")

    def password_change(story, action):
        # A wrong old password: the form comes back saying so, nothing changes.
        data = {"old_password": "not-it", "new_password1": "x", "new_password2": "x"}
        return Visit(reverse("accounts:password_change"), data=data, outsider="hidden")

    def inbox(story, action):
        case = story.case()
        # Searched by its number; the row shows the buyer.
        return Visit(
            reverse("cases:inbox") + f"?q={case.number}",
            secret=case.order.buyer_nick,
            outsider="hidden",
        )

    def inbox_tabs(story, action):
        story.case()
        # The tabs' counts: the shop's new case waits in the pending tab.
        return Visit(
            reverse("cases:inbox_tabs") + "?stage=all",
            secret='data-stage="pending">1</span>',
            outsider="hidden",
            htmx=True,
        )

    def take(story, action):
        case = story.case()
        return Visit(reverse("cases:take", args=[case.pk]), htmx=True)

    def assign(story, action):
        case = story.case()
        return Visit(
            reverse("cases:assign"), data={"case": [case.pk], "assignee": story.agent.pk}, htmx=True
        )

    def detail(story, action):
        case = story.case()
        return Visit(reverse("cases:detail", args=[case.pk]), secret=case.number)

    def act(story, action):
        case = story.case_at(action)
        visit = Visit(
            reverse("cases:act", args=[case.pk, action]),
            data=_action_data(story, case, action),
            kind=case.kind,
            htmx=True,
        )
        if action == "complete":
            # Completes only once every refund went through, and the platform's settlement
            # of the last one completes the case by itself: an allowed role passes the role
            # check and is told this in the form that comes back.
            visit.ok_says = str(MSG_NOT_ALL_REFUNDED)
        return visit

    def update(story, action):
        case = story.case()
        return Visit(
            reverse("cases:update", args=[case.pk]),
            data={"priority": "4", "assignee": story.agent.pk, "version": case.version},
            ok=302,
        )

    def note(story, action):
        case = story.case()
        return Visit(reverse("cases:note", args=[case.pk]), data={"body": "已联系买家"}, ok=302)

    def attach(story, action):
        case = story.case()
        return Visit(
            reverse("cases:attach", args=[case.pk]),
            data={"file": SimpleUploadedFile("photo.png", PNG_1X1)},
            ok=302,
        )

    def attachment(story, action):
        case = story.case()
        photo = story.attachment(case)
        return Visit(reverse("cases:attachment", args=[case.pk, photo.pk]))

    def new_form(story, action):
        order, _lines = story.order()
        return Visit(reverse("cases:new", args=[order.pk]), secret=order.order_no)

    def new_post(story, action):
        order, lines = story.order()
        return Visit(
            reverse("cases:new", args=[order.pk]),
            data={
                "kind": "return_refund",
                "reason": "quality",
                f"qty_{lines[0].pk}": "1",
                "priority": "2",
            },
            ok=302,
        )

    def search(story, action):
        order, _lines = story.order()
        return Visit(
            reverse("orders:search") + f"?q={order.order_no}",
            secret=order.buyer_nick,
            outsider="hidden",
        )

    def order_detail(story, action):
        order, _lines = story.order()
        return Visit(reverse("orders:detail", args=[order.pk]), secret=order.order_no)

    def contact(story, action):
        order, _lines = story.order()
        return Visit(reverse("orders:contact", args=[order.pk]), secret="13812345678", htmx=True)

    def sign_in(story, action):
        # The confirmed step: the parcel the tracking says was signed for on 12 Nov, corrected.
        order, _lines = story.order()
        shipment = order.shipments.get()
        prefix = f"sign-{shipment.pk}-"
        return Visit(
            reverse("orders:sign_in", args=[order.pk, shipment.pk]),
            data={
                f"{prefix}precision": "date",
                f"{prefix}signed_on": "2026-11-11",
                f"{prefix}source": "person",
                f"{prefix}note": "买家来电更正",
                "confirmed": "1",
            },
            htmx=True,
        )

    def settle(story, action):
        refund = story.pending_refund()
        return Visit(
            reverse("returns:refund_settle", args=[refund.case_id, refund.pk]),
            data={"outcome": "succeeded"},
            htmx=True,
        )

    def queue(story, action):
        approval = story.approval()
        # Shown to those who may decide it; the others' queue is empty.
        return Visit(
            reverse("approvals:queue"), secret=approval.case.number, shown=False, outsider="hidden"
        )

    def decide(story, action):
        approval = story.approval()
        return Visit(
            reverse("approvals:decide", args=[approval.pk]),
            data={"decision": "approve", "comment": "同意补偿"},
            htmx=True,
        )

    def rules(story, action):
        story.rule()
        return Visit(reverse("approvals:rules"), secret=RULE_NOTE, outsider="hidden")

    def rule_new_form(story, action):
        return Visit(reverse("approvals:rule_new"), outsider="hidden")

    def rule_values(story) -> dict[str, Any]:
        return {
            "shop": story.shop.pk,
            "case_kind": "compensation",
            "condition": "amount_over",
            "threshold": "200.00",
            "approver_role": "supervisor",
            "deadline_hours": "4",
            "note": "大额补偿",
        }

    def rule_new(story, action):
        # The outsider names a shop that is not theirs: the form refuses it.
        return Visit(
            reverse("approvals:rule_new"), data=rule_values(story), ok=302, outsider="refused"
        )

    def rule_edit_form(story, action):
        rule = story.rule()
        return Visit(reverse("approvals:rule_edit", args=[rule.pk]), secret=RULE_NOTE)

    def rule_edit(story, action):
        rule = story.rule()
        return Visit(
            reverse("approvals:rule_edit", args=[rule.pk]), data=rule_values(story), ok=302
        )

    def rule_deactivate(story, action):
        rule = story.rule()
        return Visit(reverse("approvals:rule_deactivate", args=[rule.pk]), htmx=True)

    return {
        ("accounts:login", "get"): login,
        ("accounts:logout", "post"): logout,
        ("accounts:reveal_log", "get"): reveal_log,
        ("accounts:tokens", "get"): tokens,
        ("accounts:token_revoke", "post"): token_revoke,
        ("accounts:password_change", "get"): password_form,
        ("accounts:password_change", "post"): password_change,
        ("cases:inbox", "get"): inbox,
        ("cases:inbox_tabs", "get"): inbox_tabs,
        ("cases:take", "post"): take,
        ("cases:assign", "post"): assign,
        ("cases:detail", "get"): detail,
        ACT: act,
        ("cases:update", "post"): update,
        ("cases:note", "post"): note,
        ("cases:attach", "post"): attach,
        ("cases:attachment", "get"): attachment,
        ("cases:new", "get"): new_form,
        ("cases:new", "post"): new_post,
        ("orders:search", "get"): search,
        ("orders:detail", "get"): order_detail,
        ("orders:contact", "post"): contact,
        ("orders:sign_in", "post"): sign_in,
        ("returns:refund_settle", "post"): settle,
        ("approvals:queue", "get"): queue,
        ("approvals:decide", "post"): decide,
        ("approvals:rules", "get"): rules,
        ("approvals:rule_new", "get"): rule_new_form,
        ("approvals:rule_new", "post"): rule_new,
        ("approvals:rule_edit", "get"): rule_edit_form,
        ("approvals:rule_edit", "post"): rule_edit,
        ("approvals:rule_deactivate", "post"): rule_deactivate,
    }


VISITS = {**_visits(), **areas.merged("page_visits")}


def _cases() -> list[tuple[tuple[str, str], str | None]]:
    """Every page and method, the case page's actions one by one."""
    out: list[tuple[tuple[str, str], str | None]] = []
    for page in PAGES:
        out += [(page, a) for a in ACTION_STATES] if page == ACT else [(page, None)]
    return out


def _walk(personas: list[str], *, only: Callable[[tuple[str, str]], bool] = bool) -> list:
    params = []
    for page, action in _cases():
        if not only(page):
            continue
        for persona in personas:
            key = (page, action, persona)
            marks = (
                [pytest.mark.xfail(strict=True, reason=FINDINGS[key])] if key in FINDINGS else []
            )
            ident = f"{page[1].upper()} {page[0]}{f'/{action}' if action else ''} as {persona}"
            params.append(pytest.param(page, action, persona, marks=marks, id=ident))
    return params


def _rule(page: tuple[str, str], action: str | None) -> Rule:
    return action_rule(action) if page == ACT else PAGES[page]


def _visit(client, page: tuple[str, str], visit: Visit, *, htmx: bool | None = None):
    headers = {"HX-Request": "true"} if (visit.htmx if htmx is None else htmx) else {}
    if page[1] == "get":
        return client.get(visit.url, headers=headers)
    return client.post(visit.url, visit.data, headers=headers)


def _said(response) -> str:
    """Everything the answer tells the person: the page and the messages it queued."""
    messages = " ".join(str(m) for m in get_messages(response.wsgi_request))
    if getattr(response, "streaming", False):
        return messages
    return messages + response.content.decode(errors="replace")


# --- the mapping is complete -----------------------------------------------------------------


def _resolver_pages() -> set[str]:
    names: set[str] = set()

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^")
            if route.startswith(EXCLUDED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                inner = ":".join(n for n in (namespace, pattern.namespace or "") if n)
                walk(pattern.url_patterns, route, inner)
            else:
                names.add(f"{namespace}:{pattern.name}" if namespace else str(pattern.name))

    walk(get_resolver().url_patterns, "", "")
    return names


def test_every_page_of_the_workbench_has_a_rule():
    pages = _resolver_pages()
    mapped = {name for name, _method in PAGES}

    untaught = sorted(pages - mapped)
    stale = sorted(mapped - pages)

    assert untaught == [], "teach the page walk the rule of: " + "; ".join(untaught)
    assert stale == [], "pages in the walk that the site no longer has: " + "; ".join(stale)
    assert set(VISITS) == set(PAGES)


# --- each role, the outsider -----------------------------------------------------------------


@pytest.mark.parametrize(("page", "action", "persona"), _walk([*ROLES, OUTSIDER]))
def test_each_role_and_the_outsider_get_what_the_table_says(
    client, story, shop, outsider, page, action, persona
):
    # Given fresh records behind the page, and someone signed in
    visit = VISITS[page](story, action)
    if persona == OUTSIDER:
        actor, allowed = outsider, None
    else:
        actor = role_user(persona, shop)
        allowed = granted(_rule(page, action), persona, kind=visit.kind)
    client.force_login(actor)
    before = rows()

    # When they open or send it
    response = _visit(client, page, visit)

    # Then the table decides
    said = _said(response)
    if _rule(page, action) == ANY:
        assert response.status_code == visit.ok, (persona, page, response.status_code)
    elif persona == OUTSIDER:
        _assert_the_outsider_finds_nothing(response, page, visit, before, said)
    elif allowed:
        assert response.status_code == visit.ok, (persona, page, action, said[:2000])
        if page[1] == "get":
            if visit.secret and visit.shown:
                assert visit.secret in said
        elif visit.ok_says:
            assert visit.ok_says in said
        else:
            # Through, and written: a form shown again with an error would also answer 200.
            assert REFUSED not in said
            assert rows() != before, (persona, page, action, said[:2000])
    else:
        _assert_refused(response, page, before, said)


def _assert_refused(response, page, before, said) -> None:
    if page[1] == "get":
        assert response.status_code == 403, (page, response.status_code)
        return
    assert response.status_code == 403 or REFUSED in said, (page, response.status_code, said)
    assert rows() == before


def _assert_the_outsider_finds_nothing(response, page, visit: Visit, before, said) -> None:
    if visit.outsider == "404":
        assert response.status_code == 404, (page, response.status_code)
    elif visit.outsider == "hidden":
        assert response.status_code == 200, (page, response.status_code)
        assert not visit.secret or visit.secret not in said
    else:
        assert response.status_code in (403, 404, 422), (page, response.status_code)
    assert rows() == before


# --- a superuser without a role, nobody signed in ----------------------------------------------


def _is_write(page: tuple[str, str]) -> bool:
    return page[1] == "post" and PAGES[page] != ANY


@pytest.mark.parametrize(("page", "action", "persona"), _walk([SUPERUSER], only=_is_write))
def test_a_superuser_without_a_role_may_change_nothing(client, story, shop, page, action, persona):
    visit = VISITS[page](story, action)
    client.force_login(superuser_without_role(shop))
    before = rows()

    response = _visit(client, page, visit)

    _assert_refused(response, page, before, _said(response))


def _is_read(page: tuple[str, str]) -> bool:
    return page[1] == "get" and PAGES[page] != ANY


@pytest.mark.parametrize(("page", "action", "persona"), _walk([SUPERUSER], only=_is_read))
def test_a_superuser_without_a_role_sees_nothing_of_the_shop(
    client, story, shop, page, action, persona
):
    # Seeing the shop's records is a permission of roles too (CASE_VIEW, ORDER_VIEW, ...).
    visit = VISITS[page](story, action)
    client.force_login(superuser_without_role(shop))

    response = _visit(client, page, visit)

    hidden = bool(visit.secret) and visit.secret not in _said(response)
    assert response.status_code in (403, 404) or hidden, (page, response.status_code)


@pytest.mark.parametrize(("page", "action", "persona"), _walk(["nobody"]))
def test_nobody_signed_in_is_sent_to_the_login_page(client, story, page, action, persona):
    visit = VISITS[page](story, action)
    before = rows()

    response = _visit(client, page, visit)

    if page == ("accounts:login", "get"):
        assert response.status_code == 200
    else:
        assert response.status_code == 302, (page, response.status_code)
        assert response["Location"].startswith(reverse("accounts:login"))
    assert rows() == before


def test_a_refused_action_sent_without_htmx_says_why(client, story, shop):
    # The no-script fallback of the case page's forms: a plain POST.
    visit = VISITS[ACT](story, "agree")
    client.force_login(role_user("warehouse", shop))
    before = rows()

    response = _visit(client, ACT, visit, htmx=False)

    assert rows() == before
    assert response.status_code == 403 or REFUSED in _said(response)
