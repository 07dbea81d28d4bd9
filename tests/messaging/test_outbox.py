"""The buyer message is the outbox: written in the transaction of the change, handed to the
queue after commit at best, delivered by the worker's periodic run when the queue was away.

A queue that is down (Redis not answering) is simulated where the Django task backend writes
to huey, so the backend, the task and the on-commit hook are the real ones."""

import datetime as dt
import logging
import threading
import time

import pytest
import redis
from django.contrib.auth.models import Group
from django.db import connection
from django.test import override_settings
from huey.contrib.djhuey import HUEY

from aftersales.accounts.models import Role
from aftersales.cases.models import Case
from aftersales.messaging.models import BuyerMessage, MessageStatus
from aftersales.messaging.services import (
    DELIVERY_GRACE,
    MAX_ATTEMPTS,
    message_hand_to_queue,
    messages_deliver_due,
)
from aftersales.messaging.tasks import resend_buyer_messages
from tests.api import API, NOW, act, bearer_client, carrier, order_build, post_json
from tests.concurrency import run_together

SENT: list[str] = []
_SENT_LOCK = threading.Lock()


class RecordingSender:
    def send(self, *, order_no, buyer_nick, body):
        with _SENT_LOCK:
            SENT.append(body)


class SlowSender:
    """Takes its time, so two deliveries at once overlap on every message."""

    def send(self, *, order_no, buyer_nick, body):
        time.sleep(0.05)
        with _SENT_LOCK:
            SENT.append(body)


class PickySender:
    def send(self, *, order_no, buyer_nick, body):
        if body == "bad":
            raise ConnectionError("channel refused it")
        SENT.append(body)


def _queue_down(monkeypatch) -> list[str]:
    """Make huey's storage refuse every write as a Redis that is away does."""
    refused: list[str] = []

    def down(*args, **kwargs):
        refused.append("write")
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(HUEY, "put_result", down)
    monkeypatch.setattr(HUEY, "enqueue", down)
    return refused


@pytest.fixture(autouse=True)
def _clean():
    SENT.clear()
    yield
    SENT.clear()


@pytest.fixture
def role_groups(transactional_db):
    # The flush after a transactional test empties the role groups the migration made.
    for role in Role.values:
        Group.objects.get_or_create(name=role)


@override_settings(BUYER_MESSAGE_SENDER="tests.messaging.test_outbox.RecordingSender")
@pytest.mark.django_db(transaction=True)
def test_a_queue_that_is_down_delays_the_message_and_the_action_still_answers_200(
    role_groups, shop, agent, monkeypatch, time_machine, caplog
):
    time_machine.move_to(NOW, tick=False)
    carrier()
    order, lines = order_build(shop=shop)
    api = bearer_client(agent)
    opened = post_json(
        api,
        f"{API}/cases",
        {
            "order_id": order.pk,
            "kind": "return_refund",
            "reason": "quality",
            "lines": [{"order_line_id": lines[0].pk, "quantity": 1}],
        },
    )
    assert opened.status_code == 201, opened.content
    case_id = opened.json()["id"]
    refused = _queue_down(monkeypatch)

    with caplog.at_level(logging.WARNING, logger="aftersales.messaging"):
        response = act(api, case_id, "agree", version=1)

    # The change is committed and said so; the message waits in the outbox.
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["version"]) == ("awaiting_return", 2)
    assert Case.objects.get(pk=case_id).status == "awaiting_return"
    message = BuyerMessage.objects.get(case_id=case_id)
    assert (message.template_code, message.status, message.attempts) == (
        "return_address",
        MessageStatus.PENDING,
        0,
    )
    assert refused, "the queue was asked"
    assert SENT == []
    assert f"buyer message {message.pk} stays pending" in caplog.text

    # The worker's periodic run, once the message is past the grace its own task had.
    monkeypatch.undo()
    time_machine.move_to(NOW + DELIVERY_GRACE + dt.timedelta(seconds=1), tick=False)
    result = resend_buyer_messages.enqueue()

    assert result.return_value == {"sent": 1, "failed": 0, "skipped": 0}
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert SENT == [message.body]
    assert "请将商品寄回" in message.body
    # Run again: nothing left, nothing sent twice.
    assert resend_buyer_messages.call() == {"sent": 0, "failed": 0, "skipped": 0}
    assert len(SENT) == 1


@override_settings(BUYER_MESSAGE_SENDER="tests.messaging.test_outbox.RecordingSender")
@pytest.mark.django_db
def test_handing_to_a_queue_that_is_down_is_logged_and_never_raises(case, monkeypatch):
    message = BuyerMessage.objects.create(
        case=case, template_code="refund", body="x", created_at=NOW
    )
    _queue_down(monkeypatch)

    assert message_hand_to_queue(message_id=message.pk) is False

    monkeypatch.undo()
    assert message_hand_to_queue(message_id=message.pk) is True
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


@pytest.fixture
def case(shop, agent):
    from aftersales.returns.services import return_case_open

    order, lines = order_build(shop=shop)
    return return_case_open(
        order=order,
        kind="refund_only",
        lines=[(lines[0], 1)],
        reason="shortage",
        actor=agent,
        now=NOW,
    )


@override_settings(BUYER_MESSAGE_SENDER="tests.messaging.test_outbox.PickySender")
@pytest.mark.django_db
def test_a_failure_is_recorded_and_does_not_stop_the_run(case):
    old = NOW - dt.timedelta(hours=1)
    bad = BuyerMessage.objects.create(case=case, template_code="refund", body="bad", created_at=old)
    good = BuyerMessage.objects.create(
        case=case, template_code="refund", body="good", created_at=old
    )

    for attempt in range(1, MAX_ATTEMPTS + 1):
        done = messages_deliver_due(now=NOW)
        assert (done.sent, done.failed) == ((1 if attempt == 1 else 0), 1)
    # Given up after MAX_ATTEMPTS: it waits for a person, the runs leave it alone.
    assert messages_deliver_due(now=NOW).as_dict() == {"sent": 0, "failed": 0, "skipped": 0}

    bad.refresh_from_db()
    good.refresh_from_db()
    assert (bad.status, bad.attempts, bad.error) == (
        MessageStatus.FAILED,
        MAX_ATTEMPTS,
        "channel refused it",
    )
    assert (good.status, good.attempts) == (MessageStatus.SENT, 1)
    assert SENT == ["good"]


@override_settings(BUYER_MESSAGE_SENDER="tests.messaging.test_outbox.SlowSender")
@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks; set DATABASE_URL=postgres://… to run it",
)
def test_two_deliveries_at_once_send_every_message_exactly_once(role_groups, case):
    old = NOW - dt.timedelta(hours=1)
    BuyerMessage.objects.bulk_create(
        BuyerMessage(case=case, template_code="refund", body=f"m{i}", created_at=old)
        for i in range(20)
    )

    results = run_together(2, lambda i: messages_deliver_due(now=NOW))

    assert [outcome for outcome, _ in results] == ["ok", "ok"], results
    runs = [value for _, value in results]
    assert sorted(SENT) == sorted(f"m{i}" for i in range(20))
    assert sum(r.sent for r in runs) == 20
    assert sum(r.failed for r in runs) == 0
    # Both runs chose the same backlog; what one held or had sent, the other skipped.
    assert all(r.sent + r.skipped == 20 for r in runs)
    assert set(BuyerMessage.objects.values_list("status", "attempts")) == {("sent", 1)}


@override_settings(BUYER_MESSAGE_SENDER="tests.messaging.test_outbox.RecordingSender")
@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks; set DATABASE_URL=postgres://… to run it",
)
def test_a_message_its_own_task_is_sending_is_left_to_it(role_groups, case):
    from django.db import connections
    from django.db.utils import ConnectionHandler

    old = NOW - dt.timedelta(hours=1)
    message = BuyerMessage.objects.create(
        case=case, template_code="refund", body="busy", created_at=old
    )
    # A second connection holds the row, as the task sending it does.
    other = ConnectionHandler(connections.settings)["default"]
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM messaging_buyermessage WHERE id = %s FOR UPDATE", [message.pk]
            )
        done = messages_deliver_due(now=NOW)
    finally:
        other.rollback()
        other.close()

    assert done.as_dict() == {"sent": 0, "failed": 0, "skipped": 1}
    assert SENT == []
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)


def test_the_delivery_is_a_periodic_job_every_five_minutes():
    from aftersales.messaging.tasks import resend_buyer_messages_every_5_minutes

    task_class = resend_buyer_messages_every_5_minutes.task_class
    assert task_class in HUEY._registry._periodic_tasks
    periodic = task_class()
    at = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
    due = [m for m in range(60) if periodic.validate_datetime(at.replace(minute=m))]
    assert due == list(range(0, 60, 5))


@pytest.mark.django_db
def test_the_outbox_is_readable_in_the_admin_and_not_editable(case, admin_client):
    message = BuyerMessage.objects.create(
        case=case, template_code="refund", body="x", created_at=NOW, status="failed", attempts=2
    )

    listing = admin_client.get("/admin/messaging/buyermessage/?status__exact=failed")
    page = admin_client.get(f"/admin/messaging/buyermessage/{message.pk}/change/")

    assert listing.status_code == 200
    assert case.number in listing.content.decode()
    assert page.status_code == 200
    assert admin_client.get("/admin/messaging/buyermessage/add/").status_code == 403
