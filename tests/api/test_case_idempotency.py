"""Idempotency-Key on case creation, case actions, take, assign and notes (as on refunds): the
same request again answers the first status and body with ``Idempotent-Replayed: true`` and
changes nothing; the same key with another request is 422; while the first runs, 409."""

import time

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from aftersales.accounts.models import Role
from aftersales.api import api as ninja_api
from aftersales.cases import services as case_services
from aftersales.cases.models import Case, CaseEvent, CaseNote
from aftersales.core.models import IdempotencyRecord
from aftersales.messaging.models import BuyerMessage
from tests.api import API, NOW, bearer_client, carrier, error_of, order_build, post_json
from tests.concurrency import run_together


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def socks(shop):
    carrier()
    return order_build(shop=shop)


@pytest.fixture
def api(agent):
    return bearer_client(agent)


def _open_body(socks, reason="quality"):
    order, lines = socks
    return {
        "order_id": order.pk,
        "kind": "return_refund",
        "reason": reason,
        "lines": [{"order_line_id": lines[0].pk, "quantity": 1}],
    }


def _post(client, path, body, key):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return post_json(client, f"{API}{path}", body, headers=headers)


def _open(api, socks, key=None):
    response = _post(api, "/cases", _open_body(socks), key)
    assert response.status_code == 201, response.content
    return response.json()


# --- creation ------------------------------------------------------------------------------


def test_opening_again_with_the_key_answers_the_first_answer_and_opens_one_case(api, socks):
    first = _post(api, "/cases", _open_body(socks), "open-1")
    again = _post(api, "/cases", _open_body(socks), "open-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Case.objects.count() == 1


def test_opening_with_the_key_and_another_body_is_422(api, socks):
    first = _post(api, "/cases", _open_body(socks), "open-1")

    other = _post(api, "/cases", _open_body(socks, reason="wrong_item"), "open-1")

    assert first.status_code == 201
    assert other.status_code == 422
    error = error_of(other)
    assert (error["code"], error["field"], error["message"]) == (
        "idempotency_key_reused",
        "Idempotency-Key",
        "幂等键已用于另一个不同内容的请求。",
    )
    assert Case.objects.count() == 1


def test_without_a_key_each_request_acts(api, socks):
    case = _open(api, socks)
    path = f"/cases/{case['id']}/notes"

    answers = [_post(api, path, {"body": "买家来电"}, None) for _ in range(2)]

    assert [r.status_code for r in answers] == [201, 201]
    assert answers[0].json()["id"] != answers[1].json()["id"]
    assert CaseNote.objects.filter(case_id=case["id"]).count() == 2
    assert IdempotencyRecord.objects.count() == 0


def test_keys_are_each_users_own(api, agent2, socks):
    case = _open(api, socks)
    path = f"/cases/{case['id']}/notes"

    mine = _post(api, path, {"body": "买家来电"}, "same-key")
    theirs = _post(bearer_client(agent2), path, {"body": "买家来电"}, "same-key")

    # Not a replay of another user's answer: each request ran.
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert not theirs.has_header("Idempotent-Replayed")
    assert mine.json()["id"] != theirs.json()["id"]
    assert CaseNote.objects.filter(case_id=case["id"]).count() == 2


# --- actions -------------------------------------------------------------------------------


def test_an_action_again_with_the_key_answers_the_first_answer_and_acts_once(api, socks):
    case = _open(api, socks)
    body = {"expected_version": 1, "params": {}}

    first = _post(api, f"/cases/{case['id']}/actions/agree", body, "agree-1")
    again = _post(api, f"/cases/{case['id']}/actions/agree", body, "agree-1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert (first.json()["status"], first.json()["version"]) == ("awaiting_return", 2)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert CaseEvent.objects.filter(case_id=case["id"], action="agree").count() == 1
    # What the action told the buyer is told once.
    assert BuyerMessage.objects.filter(case_id=case["id"]).count() == 1
    assert Case.objects.get(pk=case["id"]).version == 2


def test_without_the_key_the_same_action_again_is_refused_by_the_case(api, socks):
    case = _open(api, socks)
    body = {"expected_version": 1, "params": {}}

    assert _post(api, f"/cases/{case['id']}/actions/agree", body, None).status_code == 200
    again = _post(api, f"/cases/{case['id']}/actions/agree", body, None)

    assert again.status_code == 409


def test_the_key_of_one_request_on_another_is_422(api, socks):
    case = _open(api, socks)
    body = {"expected_version": 1, "params": {}}
    assert _post(api, f"/cases/{case['id']}/actions/agree", body, "k").status_code == 200

    other = _post(api, f"/cases/{case['id']}/take", {}, "k")

    assert other.status_code == 422
    assert error_of(other)["code"] == "idempotency_key_reused"


def test_a_refused_action_gives_its_key_back(api, socks):
    case = _open(api, socks)
    path = f"/cases/{case['id']}/actions/agree"

    stale = _post(api, path, {"expected_version": 7, "params": {}}, "retry-me")
    assert stale.status_code == 409
    # Nothing kept: the same key may carry the corrected request.
    fixed = _post(api, path, {"expected_version": 1, "params": {}}, "retry-me")

    assert fixed.status_code == 200
    assert not fixed.has_header("Idempotent-Replayed")


def test_an_action_while_the_first_with_its_key_runs_is_409(api, agent, socks):
    case = _open(api, socks)
    path = f"/cases/{case['id']}/actions/agree"
    body = {"expected_version": 1, "params": {}}
    assert _post(api, path, body, "busy").status_code == 200
    # As if that first request had claimed its key and not answered yet.
    IdempotencyRecord.objects.filter(key="busy").update(done=False, status_code=None, body=None)

    response = _post(api, path, body, "busy")

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "idempotency_in_progress",
        "field": "Idempotency-Key",
        "message": "使用该幂等键的请求仍在处理中，请稍后重试。",
    }
    assert CaseEvent.objects.filter(case_id=case["id"], action="agree").count() == 1


def test_a_key_too_long_is_422_naming_the_header(api, socks):
    response = _post(api, "/cases", _open_body(socks), "k" * 256)

    assert response.status_code == 422
    assert Case.objects.count() == 0


# --- take, assign, notes -------------------------------------------------------------------


def test_take_assign_and_notes_take_the_key_too(api, supervisor, agent, socks):
    case = _open(api, socks)
    boss = bearer_client(supervisor)

    took = [_post(api, f"/cases/{case['id']}/take", {}, "take-1") for _ in range(2)]
    assert [r.status_code for r in took] == [200, 200]
    assert took[1].json() == took[0].json()
    assert took[1]["Idempotent-Replayed"] == "true"

    body = {"case_ids": [case["id"]], "assignee_id": None}
    assigned = [_post(boss, "/cases/assign", body, "assign-1") for _ in range(2)]
    assert [r.status_code for r in assigned] == [200, 200]
    assert assigned[1].json() == assigned[0].json()
    assert assigned[1]["Idempotent-Replayed"] == "true"

    noted = [
        _post(api, f"/cases/{case['id']}/notes", {"body": "买家来电"}, "note-1") for _ in range(2)
    ]
    assert [r.status_code for r in noted] == [201, 201]
    assert noted[1].json() == noted[0].json()
    assert noted[1]["Idempotent-Replayed"] == "true"
    assert CaseNote.objects.filter(case_id=case["id"]).count() == 1


# --- the OpenAPI says so -------------------------------------------------------------------


def test_the_openapi_documents_the_key_and_its_answers(db):
    schema = ninja_api.get_openapi_schema()
    operations = {
        (path, method): op
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if path.startswith("/api/v1/cases")
    }
    keyed = [
        ("/api/v1/cases", "post", "201"),
        ("/api/v1/cases/{case_id}/actions/agree", "post", "200"),
        ("/api/v1/cases/{case_id}/actions/refund", "post", "200"),
        ("/api/v1/cases/{case_id}/take", "post", "200"),
        ("/api/v1/cases/assign", "post", "200"),
        ("/api/v1/cases/{case_id}/notes", "post", "201"),
    ]
    for path, method, success in keyed:
        op = operations[(path, method)]
        [header] = [p for p in op["parameters"] if p["name"] == "Idempotency-Key"]
        assert header["in"] == "header"
        assert not header.get("required", False)
        assert "Idempotent-Replayed: true" in header["description"]
        responses = {str(status): answer for status, answer in op["responses"].items()}
        assert {"409", "422"} <= set(responses), path
        assert "Idempotent-Replayed" in responses[success]["headers"], path
        assert "content" in responses[success], path  # the body is still documented
    # Reads take no key.
    listing = operations[("/api/v1/cases", "get")]
    assert all(p["name"] != "Idempotency-Key" for p in listing.get("parameters", []))


# --- two identical requests at once (PostgreSQL) -------------------------------------------


@pytest.fixture
def role_groups(transactional_db):
    # The flush after a transactional test empties the role groups the migration made.
    for role in Role.values:
        Group.objects.get_or_create(name=role)


@pytest.mark.usefixtures("role_groups")
@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks; set DATABASE_URL=postgres://… to run it",
)
def test_two_identical_actions_at_once_move_the_case_once(agent, socks, monkeypatch):
    api = bearer_client(agent)
    case = _open(api, socks)
    path = f"/cases/{case['id']}/actions/agree"
    body = {"expected_version": 1, "params": {}}
    acting = case_services.case_act

    def slow_act(**kwargs):
        # The first request is still inside its action when the second one comes.
        time.sleep(0.5)
        return acting(**kwargs)

    monkeypatch.setattr(case_services, "case_act", slow_act)
    token_client = [bearer_client(agent) for _ in range(2)]

    results = run_together(2, lambda i: _post(token_client[i], path, body, "together"))

    assert [outcome for outcome, _ in results] == ["ok", "ok"], results
    responses = sorted((r for _, r in results), key=lambda r: r.status_code)
    assert [r.status_code for r in responses] == [200, 409]
    assert error_of(responses[1])["code"] == "idempotency_in_progress"
    assert CaseEvent.objects.filter(case_id=case["id"], action="agree").count() == 1
    assert Case.objects.get(pk=case["id"]).version == 2

    # Once the first has answered, the same request again is its replay.
    replay = _post(api, path, body, "together")
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == responses[0].json()
    assert CaseEvent.objects.filter(case_id=case["id"], action="agree").count() == 1


# --- the change and its kept answer commit together -----------------------------------------


def test_a_change_whose_answer_cannot_be_kept_is_rolled_back_and_the_key_given_back(
    api, agent, socks
):
    from aftersales.core.idempotency import run_once

    case = Case.objects.get(pk=_open(api, socks)["id"])

    def work():
        note = case_services.note_add(case=case, author=agent, body="买家来电", now=NOW)
        return 201, {"id": note.pk, "cannot_be_kept": object()}

    with pytest.raises(TypeError):
        run_once(scope=f"cases:{agent.pk}", key="k-atomic", fingerprint="f", work=work)

    # Neither the work's note nor the claim is left: a retry with the key runs again.
    assert not CaseNote.objects.filter(case=case).exists()
    assert not IdempotencyRecord.objects.filter(key="k-atomic").exists()
