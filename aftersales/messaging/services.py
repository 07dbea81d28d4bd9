"""Messages to buyers: written with the action that causes them, sent after commit by a task."""

from __future__ import annotations

import datetime as dt
from string import Formatter

from django.db import transaction
from django.utils import timezone

from aftersales.cases.models import Case
from aftersales.messaging.models import BuyerMessage, MessageStatus, MessageTemplate

# The wording a shop starts with; an administrator's MessageTemplate of the same code wins.
DEFAULT_TEMPLATES = {
    "return_address": "亲，您的售后申请（{case_no}）已同意，请将商品寄回：{address}，"
    "并在售后页面填写退货运单号。",
    "reship": "亲，您订单 {order_no} 缺少的商品已为您补寄，运单号 {waybill}，请注意查收。",
    "replacement": "亲，您的换货已发出，运单号 {waybill}，请注意查收。",
    "refund": "亲，您的退款 {amount} 元已提交，到账时间以支付宝为准。",
}


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _render(body: str, context: dict[str, str]) -> str:
    # Only plain {name} fields: a template written by an administrator cannot reach attributes.
    fields = {name for _, name, _, _ in Formatter().parse(body) if name}
    return body.format_map(_SafeDict({k: v for k, v in context.items() if k in fields}))


def message_queue(
    *, case: Case, code: str, context: dict[str, str], now: dt.datetime
) -> BuyerMessage:
    template = MessageTemplate.objects.filter(code=code).first()
    body = template.body if template else DEFAULT_TEMPLATES[code]
    context = {
        "buyer": case.order.buyer_nick,
        "order_no": case.order.order_no,
        "case_no": case.number,
        **context,
    }
    message = BuyerMessage.objects.create(
        case=case, template_code=code, body=_render(body, context), created_at=now
    )
    from aftersales.messaging.tasks import send_buyer_message

    transaction.on_commit(lambda: send_buyer_message.enqueue(message_id=message.pk))
    return message


def message_send(*, message_id: int) -> BuyerMessage:
    """Deliver one message; a message already sent is not sent again."""
    from aftersales.messaging.senders import get_sender

    failure: Exception | None = None
    with transaction.atomic():
        message = (
            BuyerMessage.objects.select_for_update()
            .select_related("case__order")
            .get(pk=message_id)
        )
        if message.status == MessageStatus.SENT:
            return message
        message.attempts += 1
        try:
            get_sender().send(
                order_no=message.case.order.order_no,
                buyer_nick=message.case.order.buyer_nick,
                body=message.body,
            )
        except Exception as exc:  # noqa: BLE001 - any sender failure is recorded, then retried
            failure = exc
            message.status = MessageStatus.FAILED
            message.error = str(exc)[:255]
        else:
            message.status = MessageStatus.SENT
            message.sent_at = timezone.now()
            message.error = ""
        message.save(update_fields=["status", "sent_at", "error", "attempts"])
    if failure is not None:
        # Raised after the failure is on record, so the task's result says it failed; the
        # periodic resend (messages_resend) tries it again later.
        raise failure
    return message


# After this many failed sends a message waits for a person (the case page shows it).
MAX_ATTEMPTS = 5


def messages_due_for_resend(*, now: dt.datetime, limit: int = 500) -> list[int]:
    """Messages a sender failed or that never left the queue (a queue that was down when
    the change committed): the ids to send again, oldest first, in one query."""
    stale = now - dt.timedelta(minutes=5)
    return list(
        BuyerMessage.objects.filter(attempts__lt=MAX_ATTEMPTS, created_at__lt=stale)
        .exclude(status=MessageStatus.SENT)
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:limit]
    )
