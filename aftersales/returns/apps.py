from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "aftersales.returns"
    label = "returns"

    def ready(self) -> None:
        from aftersales.returns.registration import register

        register()
