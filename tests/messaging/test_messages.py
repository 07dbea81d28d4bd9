"""Buyer messages go through Django's Tasks API onto huey and reach the pluggable sender."""

import datetime as dt

import pytest
from django.test import override_settings

from aftersales.messaging.models import BuyerMessage, MessageStatus, MessageTemplate
from aftersales.messaging.services import message_queue, message_send
from aftersales.returns.services import return_case_open
from tests.factories import OrderFactory, OrderLineFactory

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
SENT: list[dict] = []


class RecordingSender:
    def send(self, *, order_no, buyer_nick, body):
        SENT.append({"order_no": order_no, "buyer_nick": buyer_nick, "body": body})


class BrokenSender:
    def send(self, *, order_no, buyer_nick, body):
        raise ConnectionError("channel down")


@pytest.fixture
def case(shop, agent):
    order = OrderFactory(shop=shop, order_no="4100000000000000001", buyer_nick="tb_buyer")
    line = OrderLineFactory(order=order, line_no=1)
    return return_case_open(
        order=order, kind="refund_only", lines=[(line, 1)], reason="shortage", actor=agent, now=NOW
    )


@override_settings(BUYER_MESSAGE_SENDER="tests.messaging.test_messages.RecordingSender")
@pytest.mark.django_db(transaction=True)
def test_queued_message_is_sent_through_huey_after_commit(shop, agent):
    SENT.clear()
    order = OrderFactory(shop=shop, order_no="4100000000000000002", buyer_nick="tb_two")
    line = OrderLineFactory(order=order, line_no=1)
    case = return_case_open(
        order=order, kind="refund_only", lines=[(line, 1)], reason="shortage", actor=agent, now=NOW
    )
    message = message_queue(case=case, code="refund", context={"amount": "9.90"}, now=NOW)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1
    assert SENT == [
        {
            "order_no": "4100000000000000002",
            "buyer_nick": "tb_two",
            "body": "亲，您的退款 9.90 元已提交，到账时间以支付宝为准。",
        }
    ]


@override_settings(BUYER_MESSAGE_SENDER="tests.messaging.test_messages.RecordingSender")
def test_administrator_template_wins_and_unknown_fields_stay_empty(case):
    MessageTemplate.objects.create(code="refund", name="退款", body="{buyer} 退 {amount} {nope}")
    message = message_queue(case=case, code="refund", context={"amount": "1.00"}, now=NOW)
    assert message.body == "tb_buyer 退 1.00 "


@override_settings(BUYER_MESSAGE_SENDER="tests.messaging.test_messages.BrokenSender")
def test_failed_send_is_recorded_and_raised_for_retry(case):
    message = BuyerMessage.objects.create(
        case=case, template_code="refund", body="x", created_at=NOW
    )
    with pytest.raises(ConnectionError):
        message_send(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == (
        MessageStatus.FAILED,
        1,
        "channel down",
    )


@override_settings(BUYER_MESSAGE_SENDER="tests.messaging.test_messages.RecordingSender")
def test_a_sent_message_is_not_sent_twice(case):
    SENT.clear()
    message = BuyerMessage.objects.create(
        case=case, template_code="refund", body="x", created_at=NOW
    )
    message_send(message_id=message.pk)
    message_send(message_id=message.pk)
    assert len(SENT) == 1


@override_settings(BUYER_MESSAGE_SENDER="tests.messaging.test_messages.RecordingSender")
def test_the_periodic_resend_sends_what_failed_or_never_left(case, time_machine):
    from aftersales.messaging.services import MAX_ATTEMPTS, messages_due_for_resend
    from aftersales.messaging.tasks import resend_buyer_messages

    SENT.clear()
    old = NOW - dt.timedelta(hours=1)
    failed = BuyerMessage.objects.create(
        case=case, template_code="refund", body="a", created_at=old, status="failed", attempts=1
    )
    never_left = BuyerMessage.objects.create(
        case=case, template_code="refund", body="b", created_at=old
    )
    BuyerMessage.objects.create(
        case=case, template_code="refund", body="c", created_at=old, status="sent", attempts=1
    )
    BuyerMessage.objects.create(
        case=case, template_code="refund", body="d", created_at=old, attempts=MAX_ATTEMPTS
    )
    # Just queued: its own task is on the way, the resend leaves it alone.
    BuyerMessage.objects.create(case=case, template_code="refund", body="e", created_at=NOW)

    assert messages_due_for_resend(now=NOW) == [failed.pk, never_left.pk]
    time_machine.move_to(NOW, tick=False)
    assert resend_buyer_messages.call() == {"sent": 2, "failed": 0, "skipped": 0}

    assert sorted(m["body"] for m in SENT) == ["a", "b"]
    assert set(BuyerMessage.objects.filter(status="sent").values_list("body", flat=True)) == {
        "a",
        "b",
        "c",
    }
