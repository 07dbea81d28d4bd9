from django.utils import timezone
from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.messaging.services import message_send, messages_due_for_resend


@task()
def send_buyer_message(message_id: int) -> str:
    return message_send(message_id=message_id).status


@task()
def resend_buyer_messages() -> int:
    """Send again what failed or never left: a sender that was down, a queue that was down
    when the change committed. Sending is idempotent (a sent message is not sent twice)."""
    ids = messages_due_for_resend(now=timezone.now())
    for message_id in ids:
        send_buyer_message.enqueue(message_id=message_id)
    return len(ids)


@db_periodic_task(crontab(minute="*/5"))
def resend_buyer_messages_every_5_minutes() -> None:
    resend_buyer_messages.enqueue()
