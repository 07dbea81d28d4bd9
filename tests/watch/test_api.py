"""/api/v1/watch: the follow-ups and the rules through the API, and what it refuses (4xx
naming the field, never a 500)."""

from __future__ import annotations

import pytest

from aftersales.watch.models import ContactLog, FollowUp
from aftersales.watch.sweep import followups_sweep
from tests.api import API, bearer_client, error_of, patch_json, post_json
from tests.watch.helpers import NOW, D, H, parcel

pytestmark = pytest.mark.django_db
W = f"{API}/watch"


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def two(shop):
    stalled, _ = parcel(shop, at=NOW - 3 * D)
    refused, _ = parcel(shop, "refused", at=NOW - 2 * H)
    followups_sweep(now=NOW - H)  # the refusal's follow-up is due an hour sooner
    return FollowUp.objects.get(order=stalled), FollowUp.objects.get(order=refused)


def test_the_queue_lists_the_shops_open_followups_due_first_and_by_kind(two, agent):
    stalled, refused = two
    api = bearer_client(agent)

    everything = api.get(f"{W}/followups").json()
    only_refused = api.get(f"{W}/followups?kind=refused").json()

    assert [f["id"] for f in everything["items"]] == sorted(
        [stalled.pk, refused.pk], key=lambda pk: (FollowUp.objects.get(pk=pk).due_at, pk)
    )
    assert everything["count"] == 2
    assert [f["kind"] for f in only_refused["items"]] == ["refused"]
    assert only_refused["items"][0]["order_no"] == refused.order.order_no


def test_take_log_and_resolve_through_the_api(two, agent):
    stalled, _ = two
    api = bearer_client(agent)

    taken = post_json(api, f"{W}/followups/{stalled.pk}/take")
    logged = post_json(
        api,
        f"{W}/followups/{stalled.pk}/contacts",
        {"channel": "sms", "summary": "已短信告知买家", "result": "other"},
    )
    done = post_json(api, f"{W}/followups/{stalled.pk}/resolve", {"result": "买家已收到"})

    assert taken.status_code == 200
    assert taken.json()["assignee_id"] == agent.pk
    assert logged.status_code == 201
    assert [c["channel_label"] for c in logged.json()["contacts"]] == ["短信"]
    assert (done.status_code, done.json()["status"], done.json()["result"]) == (
        200,
        "done",
        "买家已收到",
    )
    again = post_json(api, f"{W}/followups/{stalled.pk}/dismiss", {"reason": "重复"})
    assert again.status_code == 409
    assert error_of(again)["code"] == "followup_closed"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("contacts", {"channel": "fax", "summary": "x", "result": "other"}, "channel"),
        ("contacts", {"channel": "phone", "summary": "", "result": "other"}, "summary"),
        ("contacts", {"channel": "phone", "summary": "x", "result": "case_opened"}, "result"),
        ("resolve", {}, "result"),
        ("dismiss", {"reason": "x" * 501}, "reason"),
    ],
)
def test_a_bad_body_is_a_422_naming_the_field(two, agent, path, body, field):
    stalled, _ = two

    response = post_json(bearer_client(agent), f"{W}/followups/{stalled.pk}/{path}", body)

    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == field
    assert ContactLog.objects.count() == 0
    assert FollowUp.objects.get(pk=stalled.pk).status == "open"


def test_refusals_by_role_shop_and_sign_in(two, warehouse, outsider, client):
    stalled, _ = two

    by_role = bearer_client(warehouse).get(f"{W}/followups/{stalled.pk}")
    by_shop = post_json(bearer_client(outsider), f"{W}/followups/{stalled.pk}/take")
    nobody = client.get(f"{W}/followups")
    missing = bearer_client(outsider).get(f"{W}/followups/999999")

    assert (by_role.status_code, error_of(by_role)["code"]) == (403, "permission_denied")
    assert (by_shop.status_code, error_of(by_shop)["code"]) == (404, "not_found")
    assert nobody.status_code == 401
    assert missing.status_code == 404
    assert FollowUp.objects.get(pk=stalled.pk).assignee_id is None


def test_rules_through_the_api(shop, supervisor, agent):
    api = bearer_client(supervisor)

    made = post_json(
        api, f"{W}/rules", {"shop_id": shop.pk, "kind": "stalled", "threshold_hours": 24}
    )
    twice = post_json(
        api, f"{W}/rules", {"shop_id": shop.pk, "kind": "stalled", "threshold_hours": 12}
    )
    changed = patch_json(api, f"{W}/rules/{made.json()['id']}", {"is_active": False})
    every_shop = post_json(
        api, f"{W}/rules", {"shop_id": None, "kind": "stalled", "threshold_hours": 1}
    )
    bad = post_json(
        api, f"{W}/rules", {"shop_id": shop.pk, "kind": "stalled", "threshold_hours": -1}
    )
    listed = api.get(f"{W}/rules").json()
    by_agent = bearer_client(agent).get(f"{W}/rules")

    assert made.status_code == 201
    assert (twice.status_code, error_of(twice)["code"]) == (409, "rule_exists")
    assert changed.json()["is_active"] is False
    assert (every_shop.status_code, error_of(every_shop)["code"]) == (403, "global_rule_admin_only")
    assert (bad.status_code, error_of(bad)["field"]) == (422, "threshold_hours")
    assert made.json()["id"] in [r["id"] for r in listed]
    assert by_agent.status_code == 403


def test_the_list_is_one_query_per_page_whatever_its_length(
    two, agent, shop, django_assert_max_num_queries
):
    for _ in range(8):
        parcel(shop, at=NOW - 3 * D)
    followups_sweep(now=NOW)
    api = bearer_client(agent)
    api.get(f"{W}/followups")  # the token's first use

    with django_assert_max_num_queries(8):
        response = api.get(f"{W}/followups?limit=50")

    assert response.json()["count"] == 10


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "followups/{id}/resolve", {"result": "买家\x00收到"}, "result"),
        ("post", "followups/{id}/dismiss", {"reason": "　 "}, "reason"),
        ("get", "followups?order_id=99999999999999999999", None, "order_id"),
        ("get", "followups?offset=99999999999999999999", None, "offset"),
        ("post", "followups/99999999999999999999/take", {}, "followup_id"),
        ("patch", "rules/1", {"note": "\x00"}, "note"),
    ],
)
def test_hostile_input_is_a_422_naming_the_field_never_a_500(
    two, supervisor, method, path, body, field
):
    stalled, _ = two
    api = bearer_client(supervisor)
    url = f"{W}/{path.format(id=stalled.pk)}"

    if method == "get":
        response = api.get(url)
    elif method == "patch":
        response = patch_json(api, url, body)
    else:
        response = post_json(api, url, body)

    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == field


def test_a_nul_through_a_service_is_refused_naming_the_field(two, agent):
    from aftersales.core.errors import InvalidInput
    from aftersales.watch.services import followup_log_contact

    stalled, _ = two
    with pytest.raises(InvalidInput) as err:
        followup_log_contact(
            actor=agent,
            followup_id=stalled.pk,
            channel="phone",
            summary="买家\x00",
            result="other",
            now=NOW,
        )
    assert (err.value.field, err.value.code) == ("summary", "invalid_text")
