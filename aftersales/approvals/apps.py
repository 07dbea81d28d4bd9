from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "aftersales.approvals"
    label = "approvals"
