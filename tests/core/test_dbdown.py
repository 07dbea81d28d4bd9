"""The database away: every client hears 503 with Retry-After (JSON for the API and for a
client asking for JSON, a short page for the workbench), never a bare 500; the server recovers
by itself on the next request.

On any database the failure is raised where a query would meet it; on PostgreSQL the database
is really taken away from the test's connection: its backend terminated from a second
connection, or the connection pointed at a port where nothing listens, then given back."""

import socket

import pytest
from django.contrib.auth.models import Group
from django.db import InterfaceError, OperationalError, connection
from django.db.utils import ConnectionHandler
from django.test import Client
from django.test.utils import override_settings

from aftersales.accounts.models import Role
from aftersales.core.dbdown import DEFAULT_RETRY_AFTER, is_database_unavailable
from tests.api import API, bearer_client

MESSAGE = "数据库暂时无法访问，请稍后重试。"
RETRY = str(DEFAULT_RETRY_AFTER)


def _server_gone(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def _is_json_503(response) -> dict:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == RETRY
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body == {"code": "database_unavailable", "field": None, "message": MESSAGE}
    return body


def _is_page_503(response) -> str:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == RETRY
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert MESSAGE in page
    assert "服务暂时不可用" in page
    return page


# --- on any database: the failure raised where a query meets it ----------------------------


@pytest.mark.django_db
def test_the_api_answers_503_json_with_retry_after(agent, monkeypatch, caplog):
    api = bearer_client(agent)
    monkeypatch.setattr("aftersales.cases.selectors.inbox", _server_gone)

    _is_json_503(api.get(f"{API}/cases"))
    assert "Database unavailable: GET /api/v1/cases answered 503" in caplog.text


@pytest.mark.django_db
def test_the_workbench_answers_a_short_page_with_503_and_retry_after(agent, monkeypatch):
    client = Client()
    client.force_login(agent)
    monkeypatch.setattr("aftersales.cases.selectors.inbox", _server_gone)

    page = _is_page_503(client.get("/"))
    # A page of its own: nothing of the workbench that would ask the database again.
    assert "navbar" not in page
    # A page read reloads itself after Retry-After.
    assert f'<meta http-equiv="refresh" content="{RETRY}">' in page
    assert f"本页将在 {RETRY} 秒后自动刷新。" in page


@pytest.mark.django_db
def test_a_form_sent_is_not_sent_again_by_the_page(agent, monkeypatch):
    client = Client()
    client.force_login(agent)
    monkeypatch.setattr("aftersales.cases.selectors.case_get", _server_gone)

    page = _is_page_503(client.post("/cases/1/notes/", {"body": "买家来电"}))

    assert "http-equiv" not in page
    assert f"请过 {RETRY} 秒后返回上一页，核对后再重做。" in page


@pytest.mark.django_db
def test_a_workbench_client_asking_for_json_gets_json(agent, monkeypatch):
    client = Client()
    client.force_login(agent)
    monkeypatch.setattr("aftersales.cases.selectors.inbox", _server_gone)

    _is_json_503(client.get("/", headers={"Accept": "application/json"}))


@pytest.mark.django_db
def test_an_interface_error_is_the_database_away_too(agent, monkeypatch):
    def closed(*args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr("aftersales.cases.selectors.inbox", closed)

    _is_json_503(bearer_client(agent).get(f"{API}/cases"))


class _FailsAfterTheView:
    """A middleware inside ours that meets the database away after the view (as a session
    saved on the way out would)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.get_response(request)
        raise OperationalError("could not connect to server: Connection refused")


@pytest.mark.django_db
def test_the_database_away_outside_any_view_is_503_too(agent, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.core.test_dbdown._FailsAfterTheView"]
    client = Client(raise_request_exception=False)
    client.force_login(agent)

    _is_page_503(client.get("/"))
    _is_json_503(client.get(f"{API}/cases"))


@pytest.mark.django_db
def test_other_errors_stay_500(agent, monkeypatch):
    def bug(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr("aftersales.cases.selectors.inbox", bug)

    response = bearer_client(agent).get(f"{API}/cases")
    assert response.status_code == 500
    assert not response.has_header("Retry-After")
    assert response.json()["code"] == "server_error"


@override_settings(DATABASE_UNAVAILABLE_RETRY_AFTER=5)
@pytest.mark.django_db
def test_retry_after_is_a_setting(agent, monkeypatch):
    monkeypatch.setattr("aftersales.cases.selectors.inbox", _server_gone)

    assert bearer_client(agent).get(f"{API}/cases")["Retry-After"] == "5"


def test_what_counts_as_the_database_away():
    wrapped = RuntimeError("while reading the inbox")
    wrapped.__cause__ = OperationalError("terminating connection due to administrator command")

    assert is_database_unavailable(OperationalError("x"))
    assert is_database_unavailable(InterfaceError("x"))
    assert is_database_unavailable(wrapped)
    assert not is_database_unavailable(ValueError("x"))
    assert not is_database_unavailable(None)


# --- on PostgreSQL: the database really taken away, and given back ------------------------


@pytest.fixture
def role_groups(transactional_db):
    # The flush after a transactional test empties the role groups the migration made.
    for role in Role.values:
        Group.objects.get_or_create(name=role)


def _terminate_our_backend() -> None:
    """Kill the server process of the test's connection from a second connection, as a
    database restart or a failover does."""
    pid = connection.connection.info.backend_pid
    other = ConnectionHandler(
        {"default": {**connection.settings_dict, "CONN_HEALTH_CHECKS": False}}
    )["default"]
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)
    finally:
        other.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("client_kind", ["api", "workbench"])
@pytest.mark.usefixtures("role_groups")
@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="takes a real PostgreSQL away; set DATABASE_URL=postgres://… to run it",
)
def test_a_terminated_backend_is_503_and_the_next_request_succeeds(agent, client_kind):
    if client_kind == "api":
        client, path, check = bearer_client(agent), f"{API}/cases", _is_json_503
    else:
        client, path, check = Client(), "/", _is_page_503
        client.force_login(agent)
    assert client.get(path).status_code == 200
    assert connection.connection is not None

    _terminate_our_backend()
    check(client.get(path))

    # Back by itself: the dead connection was closed, the next request opens a new one.
    again = client.get(path)
    assert again.status_code == 200, again.content


@pytest.mark.parametrize("client_kind", ["api", "workbench"])
@pytest.mark.usefixtures("role_groups")
@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="takes a real PostgreSQL away; set DATABASE_URL=postgres://… to run it",
)
def test_a_database_nobody_answers_is_503_until_it_is_back(agent, client_kind):
    if client_kind == "api":
        client, path, check = bearer_client(agent), f"{API}/cases", _is_json_503
    else:
        # The session is saved on the way out of every request (SESSION_SAVE_EVERY_REQUEST):
        # with no database that fails after the view, Django makes it a 500 and says so
        # through got_request_exception (which the test client would raise); the middleware
        # answers 503 all the same.
        client, path, check = Client(raise_request_exception=False), "/", _is_page_503
        client.force_login(agent)
    assert client.get(path).status_code == 200
    port = connection.settings_dict["PORT"]
    try:
        connection.close()
        connection.settings_dict["PORT"] = _closed_port()
        # Every request while it is away, not only the first.
        check(client.get(path))
        check(client.get(path))
    finally:
        connection.settings_dict["PORT"] = port

    again = client.get(path)
    assert again.status_code == 200, again.content
