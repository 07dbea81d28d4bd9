from django_tasks import task

from aftersales.messaging.services import message_send


@task()
def send_buyer_message(message_id: int) -> str:
    return message_send(message_id=message_id).status
