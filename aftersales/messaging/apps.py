from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "aftersales.messaging"
    label = "messaging"
