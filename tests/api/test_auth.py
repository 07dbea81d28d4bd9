"""Authentication: a token for programs, the session for the workbench, JSON errors for both."""

import pytest
from django.test import Client

from aftersales.accounts.models import ApiToken
from aftersales.cases.models import CaseNote
from aftersales.returns.services import return_case_open
from tests.api import API, NOW, bearer_client, error_of, order_build, post_json


@pytest.fixture
def case(shop, agent):
    order, lines = order_build(shop=shop)
    return return_case_open(
        order=order,
        kind="return_refund",
        lines=[(lines[0], 1)],
        reason="quality",
        actor=agent,
        now=NOW,
    )


def test_token_with_good_credentials_works_as_bearer(client, agent, shop):
    response = post_json(
        client, f"{API}/auth/token", {"username": "agent", "password": "pw-123456"}
    )

    assert response.status_code == 200
    token = response.json()["token"]
    assert token.startswith("as_")
    stored = ApiToken.objects.get(user=agent)
    assert stored.name == "api"
    assert stored.prefix == token[:8]
    assert stored.key_hash != token
    me = client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {
        "id": agent.pk,
        "username": "agent",
        "display_name": "agent",
        "roles": ["agent"],
        "shops": [shop.pk],
    }


def test_token_takes_a_name(client, agent):
    response = post_json(
        client,
        f"{API}/auth/token",
        {"username": "agent", "password": "pw-123456", "name": "erp-sync"},
    )

    assert response.status_code == 200
    assert ApiToken.objects.get().name == "erp-sync"


def test_token_name_over_64_characters_is_422(client, agent):
    response = post_json(
        client,
        f"{API}/auth/token",
        {"username": "agent", "password": "pw-123456", "name": "n" * 65},
    )

    assert response.status_code == 422
    assert error_of(response)["field"] == "name"
    assert ApiToken.objects.count() == 0


def test_token_with_a_bad_password_is_401_bad_credentials(client, agent):
    response = post_json(client, f"{API}/auth/token", {"username": "agent", "password": "nope"})

    assert response.status_code == 401
    assert error_of(response) == {
        "code": "bad_credentials",
        "field": "password",
        "message": "用户名或密码不正确。",
    }
    assert ApiToken.objects.count() == 0


def test_token_for_an_unknown_user_is_the_same_401(client, db):
    response = post_json(client, f"{API}/auth/token", {"username": "ghost", "password": "x"})

    assert response.status_code == 401
    assert error_of(response)["code"] == "bad_credentials"


def test_token_of_an_inactive_user_is_refused(client, agent):
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    response = post_json(
        client, f"{API}/auth/token", {"username": "agent", "password": "pw-123456"}
    )

    assert response.status_code == 401


def test_no_auth_is_401_unauthorized(client, db):
    response = client.get(f"{API}/auth/me")

    assert response.status_code == 401
    assert error_of(response) == {
        "code": "unauthorized",
        "field": None,
        "message": "请先登录或提供有效的令牌。",
    }


def test_a_post_without_any_auth_is_401_not_a_csrf_failure(case):
    # A program whose token expired must learn that it is not authenticated, not that a
    # browser's CSRF token is missing.
    response = post_json(
        Client(enforce_csrf_checks=True), f"{API}/cases/{case.pk}/notes", {"body": "x"}
    )

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert CaseNote.objects.count() == 0


def test_an_unknown_or_revoked_token_is_401(client, agent):
    bad = client.get(f"{API}/auth/me", headers={"Authorization": "Bearer as_nothing"})
    token_client = bearer_client(agent)
    ApiToken.objects.update(revoked_at=NOW)
    revoked = token_client.get(f"{API}/auth/me")

    assert bad.status_code == 401
    assert error_of(bad)["code"] == "unauthorized"
    assert revoked.status_code == 401


def test_token_use_is_stamped(agent):
    token_client = bearer_client(agent)

    token_client.get(f"{API}/auth/me")

    assert ApiToken.objects.get(user=agent).last_used_at is not None


def test_session_auth_reads(client, supervisor, shop):
    client.force_login(supervisor)

    response = client.get(f"{API}/auth/me")

    assert response.status_code == 200
    assert response.json()["roles"] == ["supervisor"]


def test_session_post_without_csrf_token_is_refused(case, agent):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)

    response = post_json(browser, f"{API}/cases/{case.pk}/notes", {"body": "已电话联系买家"})

    assert response.status_code == 403
    assert error_of(response)["code"] == "csrf_failed"
    assert CaseNote.objects.count() == 0


def test_session_post_with_csrf_token_is_accepted(case, agent):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    browser.get("/accounts/login/")  # a page with a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value

    response = post_json(
        browser,
        f"{API}/cases/{case.pk}/notes",
        {"body": "已电话联系买家"},
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 201
    assert CaseNote.objects.get().body == "已电话联系买家"


def test_bearer_post_needs_no_csrf_token(case, agent):
    program = bearer_client(agent)
    program.handler.enforce_csrf_checks = True

    response = post_json(program, f"{API}/cases/{case.pk}/notes", {"body": "已电话联系买家"})

    assert response.status_code == 201
    assert CaseNote.objects.get().body == "已电话联系买家"
