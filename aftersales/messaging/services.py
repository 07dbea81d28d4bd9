"""Messages to buyers: written with the action that causes them, delivered by the worker.

The message row is the outbox: it is written in the transaction of the change, so the change
and what it tells the buyer commit together or not at all. After commit the message is handed
to the task queue at once, best effort: a queue that is down (Redis away) is logged and leaves
the message pending; the change is committed and its request answers as usual. The periodic
delivery (``messages_deliver_due``, run by the worker) sends what is still pending or failed.
Sending holds the message's row lock and skips a sent one, so two workers never send the same
message twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from string import Formatter

from django.db import transaction
from django.utils import timezone

from aftersales.cases.models import Case
from aftersales.messaging.models import BuyerMessage, MessageStatus, MessageTemplate

# The wording a shop starts with; an administrator's MessageTemplate of the same code wins.
logger = logging.getLogger("aftersales.messaging")

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
    message_id = message.pk
    transaction.on_commit(lambda: message_hand_to_queue(message_id=message_id))
    return message


def message_hand_to_queue(*, message_id: int) -> bool:
    """Hand a committed message to the task queue. Never raises: the change that wrote the
    message is committed, and a queue that does not answer only delays the message until the
    periodic delivery finds it pending. Says whether the queue took it."""
    from aftersales.messaging.tasks import send_buyer_message

    try:
        send_buyer_message.enqueue(message_id=message_id)
    except Exception:  # noqa: BLE001 - whatever the queue raises, the message waits in the outbox
        logger.warning(
            "task queue unavailable: buyer message %s stays pending for the periodic delivery",
            message_id,
            exc_info=True,
        )
        return False
    return True


def message_send(*, message_id: int) -> BuyerMessage:
    """Deliver one message; a message already sent is not sent again. A sender's failure is
    recorded on the message, then raised (so the task's result says it failed).

    The message's row stays locked while the sender runs, so a second worker wanting the same
    message waits, then finds it sent."""
    message, _outcome, failure = _deliver(message_id=message_id, skip_locked=False)
    if failure is not None:
        # Raised after the failure is on record; the periodic delivery tries it again later.
        raise failure
    return message  # type: ignore[return-value] # never None without skip_locked


def _deliver(
    *, message_id: int, skip_locked: bool
) -> tuple[BuyerMessage | None, str, Exception | None]:
    """Send one message under its row lock. Answers the message, what happened ("sent",
    "failed", "already_sent", "held" by another worker, "given_up" after ``MAX_ATTEMPTS``)
    and the sender's exception if it failed."""
    from aftersales.messaging.senders import get_sender

    failure: Exception | None = None
    with transaction.atomic():
        # Only the message's row (OF self): the case and the order it reads stay free for
        # their own actions, and other messages of the same case for other workers.
        message = (
            BuyerMessage.objects.select_for_update(skip_locked=skip_locked, of=("self",))
            .select_related("case__order")
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            if skip_locked:
                # Locked by another worker (SKIP LOCKED on PostgreSQL), or deleted with its case.
                return None, "held", None
            raise BuyerMessage.DoesNotExist(message_id)
        if message.status == MessageStatus.SENT:
            return message, "already_sent", None
        if skip_locked and message.attempts >= MAX_ATTEMPTS:
            return message, "given_up", None
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
    return message, "failed" if failure is not None else "sent", failure


# After this many failed sends a message waits for a person (the case page shows it).
MAX_ATTEMPTS = 5
# A message younger than this is left to the task queued when its change committed.
DELIVERY_GRACE = dt.timedelta(minutes=5)
# Messages one run of the periodic delivery takes on at most; the next run takes the rest.
DELIVERY_BATCH = 500


def messages_due_for_resend(*, now: dt.datetime, limit: int = DELIVERY_BATCH) -> list[int]:
    """The outbox's backlog: messages a sender failed or that never left the queue (a queue
    that was down when the change committed), oldest first, in one query on the outbox's
    partial index."""
    stale = now - DELIVERY_GRACE
    return list(
        BuyerMessage.objects.filter(attempts__lt=MAX_ATTEMPTS, created_at__lt=stale)
        .exclude(status=MessageStatus.SENT)
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:limit]
    )


@dataclass(frozen=True)
class Delivery:
    """What one run of the periodic delivery did."""

    sent: int
    failed: int
    skipped: int  # held by another worker, or sent by it meanwhile

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "skipped": self.skipped}


def messages_deliver_due(*, now: dt.datetime, limit: int = DELIVERY_BATCH) -> Delivery:
    """Send the outbox's backlog from the worker itself, not through the queue again.

    The backlog is chosen in one query; each message is then sent under its own row lock
    taken with SKIP LOCKED (on PostgreSQL): two runs at once divide the backlog between them
    and never send one message twice, and a message its own task is sending right now is left
    to that task. A failure is recorded on the message (a later run tries again until
    ``MAX_ATTEMPTS``) and does not stop the run."""
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for message_id in messages_due_for_resend(now=now, limit=limit):
        _message, outcome, failure = _deliver(message_id=message_id, skip_locked=True)
        if failure is not None:
            logger.warning("buyer message %s: send failed", message_id, exc_info=failure)
        counts[outcome if outcome in counts else "skipped"] += 1
    return Delivery(**counts)
