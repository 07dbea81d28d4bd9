"""API tokens: stored hashed, expire, are listed and revoked by their owner and by an
administrator of the owner's shops (API and the 我的令牌 page), and are all revoked when the
owner's password changes, on every path that changes it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse

from aftersales.accounts.models import ApiToken
from aftersales.accounts.services import token_create
from tests.api import API, error_of, post_json
from tests.factories import UserFactory

T0 = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
LIFETIME = settings.API_TOKEN_LIFETIME
PASSWORD = "pw-123456"


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def administrator(shop):
    return UserFactory(username="admin1", roles=["administrator"], shops=[shop])


@pytest.fixture
def other_administrator(other_shop):
    return UserFactory(username="admin2", roles=["administrator"], shops=[other_shop])


def _key(user, name="t") -> tuple[str, ApiToken]:
    key = token_create(user=user, name=name)
    return key, ApiToken.objects.get(key_hash=ApiToken.hash_key(key))


def _me(key: str):
    return Client().get(f"{API}/auth/me", headers={"Authorization": f"Bearer {key}"})


def _as(user) -> Client:
    key, _token = _key(user, name="session-of-test")
    return Client(headers={"Authorization": f"Bearer {key}"})


# --- stored hashed, expiring -----------------------------------------------------------------


def test_only_the_hash_of_a_token_is_stored(agent):
    key, token = _key(agent)

    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(v) for v in stored.values()}
    assert token.key_hash == ApiToken.hash_key(key)
    assert token.prefix == key[:8]


def test_a_new_token_says_when_it_expires(client, agent):
    response = post_json(client, f"{API}/auth/token", {"username": "agent", "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert dt.datetime.fromisoformat(body["expires_at"]) == T0 + LIFETIME
    assert ApiToken.objects.get(pk=body["id"]).expires_at == T0 + LIFETIME


def test_a_token_works_until_it_expires_then_answers_401(agent, clock):
    key, _token = _key(agent)
    clock.move_to(T0 + LIFETIME - dt.timedelta(seconds=1), tick=False)
    assert _me(key).status_code == 200

    clock.move_to(T0 + LIFETIME, tick=False)
    response = _me(key)

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_the_lifetime_is_a_setting(agent, settings):
    settings.API_TOKEN_LIFETIME = dt.timedelta(days=7)

    _key_, token = _key(agent)

    assert token.expires_at == T0 + dt.timedelta(days=7)


def test_a_token_of_a_deactivated_user_answers_401(agent):
    key, _token = _key(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    assert _me(key).status_code == 401


def test_an_empty_token_name_is_422_naming_it(client, agent):
    response = post_json(
        client, f"{API}/auth/token", {"username": "agent", "password": PASSWORD, "name": "  "}
    )

    assert response.status_code == 422
    assert error_of(response)["field"] == "name"
    assert ApiToken.objects.count() == 0


# --- listed and revoked through the API ---------------------------------------------------------


def _listed(api, **query) -> list[dict]:
    response = api.get(f"{API}/auth/tokens", query)
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_the_owner_lists_their_tokens_newest_first_and_nobody_elses(agent, agent2, clock):
    _k1, first = _key(agent, "erp")
    clock.move_to(T0 + dt.timedelta(minutes=1), tick=False)
    _k2, second = _key(agent, "wms")
    _key(agent2, "theirs")

    items = _listed(_as(agent))

    names = [t["name"] for t in items]
    assert names[-2:] == ["wms", "erp"]
    assert "theirs" not in names
    assert {t["user_id"] for t in items} == {agent.pk}
    erp = next(t for t in items if t["id"] == first.pk)
    assert erp["active"] is True
    assert erp["prefix"] == first.prefix
    assert "key_hash" not in erp
    assert "token" not in erp


def test_expired_and_revoked_tokens_are_listed_as_inactive(agent, clock):
    _k, old = _key(agent, "old")
    _k, gone = _key(agent, "gone")
    gone.revoked_at = T0
    gone.save(update_fields=["revoked_at"])
    clock.move_to(T0 + LIFETIME + dt.timedelta(days=1), tick=False)
    api = _as(agent)

    items = {t["name"]: t for t in _listed(api)}

    assert items["old"]["active"] is False
    assert items["old"]["revoked_at"] is None
    assert items["gone"]["active"] is False
    assert items["gone"]["revoked_at"] is not None


def test_the_list_is_paginated(agent):
    for i in range(5):
        _key(agent, f"t{i}")

    response = _as(agent).get(f"{API}/auth/tokens", {"limit": 2, "offset": 0})

    assert response.status_code == 200
    assert len(response.json()["items"]) == 2
    assert response.json()["count"] == 6  # and the one the test client signs in with


def test_the_owner_revokes_a_token_and_it_answers_401_at_once(agent):
    key, token = _key(agent, "erp")
    api = _as(agent)

    response = api.delete(f"{API}/auth/tokens/{token.pk}")

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert response.json()["active"] is False
    assert _me(key).status_code == 401
    # Revoking it again changes nothing.
    again = api.delete(f"{API}/auth/tokens/{token.pk}")
    assert again.status_code == 200
    assert again.json()["revoked_at"] == response.json()["revoked_at"]


def test_someone_elses_token_is_not_found(agent, agent2):
    key, theirs = _key(agent2)

    response = _as(agent).delete(f"{API}/auth/tokens/{theirs.pk}")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert _me(key).status_code == 200


@pytest.mark.parametrize("token_id", ["0", "9223372036854775808", "99999999999999999999999"])
def test_a_token_id_beyond_any_token_is_404_or_422(agent, token_id):
    response = _as(agent).delete(f"{API}/auth/tokens/{token_id}")

    assert response.status_code in (404, 422)
    error_of(response)


def test_an_administrator_sees_and_revokes_their_shops_staffs_tokens(agent, administrator):
    key, token = _key(agent, "agent-erp")
    api = _as(administrator)

    listed = {t["name"]: t for t in _listed(api)}
    response = api.delete(f"{API}/auth/tokens/{token.pk}")

    assert listed["agent-erp"]["username"] == "agent"
    assert response.status_code == 200
    assert _me(key).status_code == 401


def test_an_administrator_of_another_shop_sees_and_revokes_nothing(agent, other_administrator):
    key, token = _key(agent, "agent-erp")
    api = _as(other_administrator)

    names = [t["name"] for t in _listed(api)]
    response = api.delete(f"{API}/auth/tokens/{token.pk}")

    assert "agent-erp" not in names
    assert response.status_code == 404
    assert _me(key).status_code == 200


def test_a_supervisor_is_no_administrator(agent, supervisor):
    _k, token = _key(agent, "agent-erp")
    api = _as(supervisor)

    assert "agent-erp" not in [t["name"] for t in _listed(api)]
    assert api.delete(f"{API}/auth/tokens/{token.pk}").status_code == 404


def test_the_operations_are_documented(client, db):
    paths = client.get(f"{API}/openapi.json").json()["paths"]

    revoke = paths[f"{API}/auth/tokens/{{token_id}}"]["delete"]["responses"]
    assert {"200", "401", "404"} <= set(revoke)
    assert "200" in paths[f"{API}/auth/tokens"]["get"]["responses"]


# --- revoked when the password changes ----------------------------------------------------------


def test_set_password_revokes_every_token(agent, agent2):
    key1, _t1 = _key(agent)
    key2, _t2 = _key(agent)
    theirs, _t3 = _key(agent2)

    agent.set_password("a-New-passphrase-9")
    agent.save()

    assert _me(key1).status_code == 401
    assert _me(key2).status_code == 401
    assert _me(theirs).status_code == 200


def test_saving_a_user_without_a_new_password_revokes_nothing(agent):
    key, _token = _key(agent)

    agent.display_name = "林晓雨"
    agent.save()

    assert _me(key).status_code == 200


def test_a_hash_upgrade_at_sign_in_is_no_password_change(client, agent, settings):
    # The stored hash is of an older hasher; signing in rehashes it with the first one.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    agent.password = make_password(PASSWORD, hasher="md5")
    agent.save(update_fields=["password"])
    key, _token = _key(agent)

    response = post_json(client, f"{API}/auth/token", {"username": "agent", "password": PASSWORD})

    assert response.status_code == 200
    agent.refresh_from_db()
    assert agent.password.startswith("pbkdf2_sha256$")
    assert _me(key).status_code == 200


def test_the_admins_password_change_revokes_them(client, agent, shop):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True, shops=[shop])
    key, _token = _key(agent)
    client.force_login(boss)

    response = client.post(
        f"/admin/accounts/user/{agent.pk}/password/",
        {"password1": "a-New-passphrase-9", "password2": "a-New-passphrase-9"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _me(key).status_code == 401


def test_the_admin_refuses_a_common_password(client, agent, shop):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True, shops=[shop])
    key, _token = _key(agent)
    client.force_login(boss)

    response = client.post(
        f"/admin/accounts/user/{agent.pk}/password/",
        {"password1": "password123", "password2": "password123"},
    )

    assert response.status_code == 200
    assert "太常见" in response.content.decode()
    assert _me(key).status_code == 200


def test_changing_ones_own_password_on_the_workbench(client, agent):
    key, _token = _key(agent)
    client.force_login(agent)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-New-passphrase-9",
            "new_password2": "a-New-passphrase-9",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "密码已修改" in response.content.decode()
    assert _me(key).status_code == 401
    # This session stays signed in.
    assert client.get(reverse("accounts:tokens")).status_code == 200
    agent.refresh_from_db()
    assert agent.check_password("a-New-passphrase-9")


@pytest.mark.parametrize(
    ("new", "said"),
    [
        ("short-pw", "密码太短：至少需要 10 个字符"),
        ("1234567890123", "全都是数字"),
        ("password1234", "太常见"),
        ("linxiaoyu2026", "太相似"),  # her e-mail address
    ],
)
def test_a_weak_new_password_is_refused_and_changes_nothing(client, agent, new, said):
    agent.email = "linxiaoyu@example.com"
    agent.save(update_fields=["email"])
    key, _token = _key(agent)
    client.force_login(agent)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 200
    assert said in response.content.decode()
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)
    assert _me(key).status_code == 200


# --- the 我的令牌 page -------------------------------------------------------------------------


def test_the_page_lists_ones_own_tokens(client, agent, agent2):
    _key(agent, "我的ERP")
    _key(agent2, "别人的WMS")
    client.force_login(agent)

    page = client.get(reverse("accounts:tokens")).content.decode()

    assert "我的ERP" in page
    assert "别人的WMS" not in page
    assert "作废令牌“我的ERP”" in page  # the confirmation says what will happen


def test_the_page_revokes_a_token(client, agent):
    key, token = _key(agent, "我的ERP")
    client.force_login(agent)

    response = client.post(reverse("accounts:token_revoke", args=[token.pk]), follow=True)

    assert response.status_code == 200
    assert "令牌“我的ERP”" in response.content.decode()
    assert "已作废" in response.content.decode()
    assert _me(key).status_code == 401


def test_the_page_says_someone_elses_token_is_not_found(client, agent, agent2):
    key, theirs = _key(agent2, "别人的WMS")
    client.force_login(agent)

    response = client.post(reverse("accounts:token_revoke", args=[theirs.pk]), follow=True)

    assert "记录不存在" in response.content.decode()
    assert _me(key).status_code == 200


def test_an_administrators_page_lists_their_shops_staff(client, agent, administrator, outsider):
    _key(agent, "客服的ERP")
    _key(outsider, "外店的令牌")
    client.force_login(administrator)

    page = client.get(reverse("accounts:tokens")).content.decode()

    assert "客服的ERP" in page
    assert "外店的令牌" not in page


def test_the_page_needs_a_login(client, db):
    response = client.get(reverse("accounts:tokens"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_page_costs_the_same_few_queries_for_one_token_or_many(client, administrator, shop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = [UserFactory(username=f"s{i}", roles=["agent"], shops=[shop]) for i in range(3)]
    client.force_login(administrator)
    _key(staff[0])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("accounts:tokens"))
    for user in staff:
        for _ in range(3):
            _key(user)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("accounts:tokens"))

    assert len(many) == len(few)
