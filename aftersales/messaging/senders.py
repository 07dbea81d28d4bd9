"""Senders deliver a message to a buyer. The shop plugs in its own (the platform's chat API,
SMS) by naming a class in ``settings.BUYER_MESSAGE_SENDER``."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("aftersales.messaging")


class Sender(Protocol):
    def send(self, *, order_no: str, buyer_nick: str, body: str) -> None: ...


class LogSender:
    """Writes the message to the log: the default until a shop connects its channel."""

    def send(self, *, order_no: str, buyer_nick: str, body: str) -> None:
        logger.info("message to %s (order %s): %s", buyer_nick, order_no, body)


def get_sender() -> Sender:
    path = getattr(settings, "BUYER_MESSAGE_SENDER", "aftersales.messaging.senders.LogSender")
    return import_string(path)()
