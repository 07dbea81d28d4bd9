"""Sign-ins are throttled (django-axes) per account and per address, on the three doors: the
workbench's login page, the API's token endpoint and the admin's login. A lock refuses even
the right password, says so in Chinese, and lifts by itself after the cool-off.

Defaults (config/settings/base.py): an account locks after 5 failures from anywhere, an
address after 20 failures on any accounts, each for 15 minutes after the last failure counted.
"""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory

from aftersales.accounts.lockout import client_ip
from aftersales.accounts.models import ApiToken
from tests.api import API, error_of, post_json
from tests.factories import UserFactory

PASSWORD = "pw-123456"
T0 = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
ACCOUNT_LIMIT = settings.AXES_FAILURE_LIMIT
ADDRESS_LIMIT = settings.LOGIN_ADDRESS_FAILURE_LIMIT
COOL_OFF = settings.AXES_COOLOFF_TIME


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def _login(client, username, password, address="203.0.113.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _token(client, username, password, address="203.0.113.7", **headers):
    return post_json(
        client,
        f"{API}/auth/token",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        headers=headers,
    )


def _admin_login(client, username, password, address="203.0.113.7"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- the account ------------------------------------------------------------------------------


def test_wrong_passwords_from_any_addresses_lock_the_account(client, agent):
    for i in range(ACCOUNT_LIMIT - 1):
        response = _login(client, "agent", "wrong", address=f"198.51.100.{i + 1}")
        assert response.status_code == 200  # the form again, "wrong password"
        assert "锁定" not in response.content.decode()

    # The last failure allowed locks the account...
    locked = _login(client, "agent", "wrong", address="198.51.100.99")
    # ... and from yet another address the right password is refused too.
    right = _login(client, "agent", PASSWORD, address="192.0.2.200")

    for response in (locked, right):
        assert response.status_code == 429
        page = response.content.decode()
        assert "登录失败次数过多，已暂时锁定" in page
        assert "锁定期间即使密码正确也无法登录" in page
        assert int(response["Retry-After"]) == int(COOL_OFF.total_seconds())
    assert not _signed_in(client)


def test_the_api_token_answers_429_locked_out_with_retry_after(client, agent):
    for i in range(ACCOUNT_LIMIT):
        _token(client, "agent", "wrong", address=f"198.51.100.{i + 1}")

    response = _token(client, "agent", PASSWORD, address="192.0.2.200")

    assert response.status_code == 429
    body = error_of(response)
    assert body["code"] == "locked_out"
    assert body["field"] is None
    assert "15 分钟后再试" in body["message"]
    assert int(response["Retry-After"]) == int(COOL_OFF.total_seconds())
    assert ApiToken.objects.count() == 0


def test_retry_after_counts_down(client, agent, clock):
    for _ in range(ACCOUNT_LIMIT):
        _token(client, "agent", "wrong")
    clock.move_to(T0 + dt.timedelta(minutes=5), tick=False)

    response = _token(client, "agent", PASSWORD, address="192.0.2.200")

    assert response.status_code == 429
    assert int(response["Retry-After"]) == int((COOL_OFF - dt.timedelta(minutes=5)).total_seconds())
    assert "10 分钟后再试" in error_of(response)["message"]


def test_the_api_lock_speaks_english_when_asked(client, agent):
    for _ in range(ACCOUNT_LIMIT):
        _token(client, "agent", "wrong")

    response = post_json(
        client,
        f"{API}/auth/token",
        {"username": "agent", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 429
    message = error_of(response)["message"]
    assert "locked" in message.lower()
    assert "分钟" not in message


def test_the_three_doors_count_together(client, agent):
    # Two on the workbench, two on the API, one on the admin: five failures of one account.
    _login(client, "agent", "wrong")
    _login(client, "agent", "wrong")
    _token(client, "agent", "wrong")
    _token(client, "agent", "wrong")
    _admin_login(client, "agent", "wrong")

    assert _token(client, "agent", PASSWORD, address="192.0.2.1").status_code == 429
    assert _login(client, "agent", PASSWORD, address="192.0.2.2").status_code == 429


def test_the_admin_login_is_throttled(client, shop):
    UserFactory(username="boss", is_staff=True, is_superuser=True, shops=[shop])
    for _ in range(ACCOUNT_LIMIT):
        _admin_login(client, "boss", "wrong")

    response = _admin_login(client, "boss", PASSWORD, address="192.0.2.9")

    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert not _signed_in(client)


def test_another_account_is_not_locked_by_its_neighbours_failures(client, agent, agent2):
    for i in range(ACCOUNT_LIMIT):
        _token(client, "agent", "wrong", address=f"198.51.100.{i + 1}")

    response = _token(client, "agent2", PASSWORD, address="192.0.2.200")

    assert response.status_code == 200


def test_failures_below_the_limit_leave_the_right_password_working(client, agent):
    for _ in range(ACCOUNT_LIMIT - 1):
        _login(client, "agent", "wrong")

    response = _login(client, "agent", PASSWORD)

    assert response.status_code == 302
    assert _signed_in(client)


# --- the address ------------------------------------------------------------------------------


def test_many_accounts_from_one_address_lock_the_address(client, agent):
    # Guessing across accounts, a few each: no account reaches its own limit.
    for i in range(ADDRESS_LIMIT):
        _token(client, f"someone{i % 7}", "guess", address="198.51.100.66")
    assert AccessAttempt.objects.filter(username="agent").count() == 0

    from_there = _token(client, "agent", PASSWORD, address="198.51.100.66")
    from_elsewhere = _token(client, "agent", PASSWORD, address="192.0.2.10")

    assert from_there.status_code == 429
    assert error_of(from_there)["code"] == "locked_out"
    assert from_elsewhere.status_code == 200


def test_an_office_behind_one_address_survives_a_few_typos(client, agent, agent2, supervisor):
    # Every colleague mistypes once: far below the address's limit.
    for username in ("agent", "agent2", "supervisor", "agent", "agent2"):
        _login(client, username, "typo", address="198.51.100.1")

    assert _token(client, "supervisor", PASSWORD, address="198.51.100.1").status_code == 200


# --- the cool-off -------------------------------------------------------------------------------


def test_the_lock_lifts_after_the_cool_off(client, agent, clock):
    for _ in range(ACCOUNT_LIMIT):
        _token(client, "agent", "wrong")
    clock.move_to(T0 + COOL_OFF - dt.timedelta(seconds=30), tick=False)
    assert _token(client, "agent", PASSWORD).status_code == 429

    clock.move_to(T0 + COOL_OFF + dt.timedelta(seconds=1), tick=False)
    response = _token(client, "agent", PASSWORD)

    assert response.status_code == 200
    assert response.json()["token"].startswith("as_")


def test_tries_during_the_lock_do_not_prolong_it(client, agent, clock):
    # Otherwise anyone could keep someone else locked out for ever.
    for _ in range(ACCOUNT_LIMIT):
        _login(client, "agent", "wrong")
    for minutes in (3, 8, 14):
        clock.move_to(T0 + dt.timedelta(minutes=minutes), tick=False)
        assert _login(client, "agent", "wrong", address="192.0.2.77").status_code == 429

    clock.move_to(T0 + COOL_OFF + dt.timedelta(seconds=1), tick=False)
    response = _login(client, "agent", PASSWORD)

    assert response.status_code == 302
    assert _signed_in(client)


def test_the_address_lock_lifts_after_the_cool_off(client, agent, clock):
    for i in range(ADDRESS_LIMIT):
        _token(client, f"ghost{i}", "guess", address="198.51.100.66")
    assert _token(client, "agent", PASSWORD, address="198.51.100.66").status_code == 429

    clock.move_to(T0 + COOL_OFF + dt.timedelta(seconds=1), tick=False)

    assert _token(client, "agent", PASSWORD, address="198.51.100.66").status_code == 200


# --- behind the proxy ---------------------------------------------------------------------------


def test_behind_the_proxy_the_address_is_the_one_it_saw(client, agent):
    # The proxy (127.0.0.1, in FORWARDED_ALLOW_IPS) appends the address it saw; whatever the
    # client wrote further left changes every time and is not believed.
    for i in range(ADDRESS_LIMIT):
        _token(
            client,
            f"ghost{i}",
            "guess",
            address="127.0.0.1",
            **{"X-Forwarded-For": f"10.9.9.{i}, 198.51.100.66"},
        )

    behind_proxy = _token(
        client, "agent", PASSWORD, address="127.0.0.1", **{"X-Forwarded-For": "198.51.100.66"}
    )
    other_client = _token(
        client, "agent", PASSWORD, address="127.0.0.1", **{"X-Forwarded-For": "192.0.2.5"}
    )

    assert behind_proxy.status_code == 429
    assert other_client.status_code == 200
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.66"}


def test_a_client_that_is_not_the_proxy_cannot_choose_its_address(client, agent):
    for i in range(ADDRESS_LIMIT):
        _token(
            client,
            f"ghost{i}",
            "guess",
            address="198.51.100.66",
            **{"X-Forwarded-For": f"10.9.9.{i}"},
        )

    assert _token(client, "agent", PASSWORD, address="198.51.100.66").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.66"}


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("127.0.0.1", "", ["127.0.0.1"], "127.0.0.1"),
        ("127.0.0.1", "198.51.100.7", ["127.0.0.1"], "198.51.100.7"),
        ("127.0.0.1", "6.6.6.6, 198.51.100.7", ["127.0.0.1"], "198.51.100.7"),
        # Two proxies of ours: a load balancer (10.0.0.5) in front of nginx (127.0.0.1).
        (
            "127.0.0.1",
            "6.6.6.6, 198.51.100.7, 10.0.0.5",
            ["127.0.0.1", "10.0.0.0/24"],
            "198.51.100.7",
        ),
        ("198.51.100.9", "6.6.6.6", ["127.0.0.1"], "198.51.100.9"),
        # Rubbish in the header: the last address we can believe.
        ("127.0.0.1", "not-an-address", ["127.0.0.1"], "127.0.0.1"),
        ("127.0.0.1", "2001:db8::1", ["127.0.0.1"], "2001:db8::1"),
        ("::1", "198.51.100.7", ["127.0.0.1", "::1"], "198.51.100.7"),
        ("203.0.113.1", "198.51.100.7", ["*"], "198.51.100.7"),
    ],
)
def test_client_ip(settings, remote, forwarded, trusted, expected):
    settings.FORWARDED_ALLOW_IPS = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_the_token_operation_documents_its_lock(client, db):
    op = client.get(f"{API}/openapi.json").json()["paths"][f"{API}/auth/token"]["post"]

    locked = op["responses"]["429"]
    assert "Retry-After" in locked["headers"]
    assert locked["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
