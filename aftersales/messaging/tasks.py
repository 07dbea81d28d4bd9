from django.utils import timezone
from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.messaging.services import message_send, messages_deliver_due


@task()
def send_buyer_message(message_id: int) -> str:
    return message_send(message_id=message_id).status


@task()
def resend_buyer_messages() -> dict[str, int]:
    """Deliver the outbox's backlog: what a sender failed to send, and what never reached the
    queue (a queue that was down when the change committed). Sent here, in the worker, each
    under its own row lock (SKIP LOCKED): safe to run twice at once, never sends twice."""
    return messages_deliver_due(now=timezone.now()).as_dict()


@db_periodic_task(crontab(minute="*/5"))
def resend_buyer_messages_every_5_minutes() -> None:
    resend_buyer_messages.enqueue()
