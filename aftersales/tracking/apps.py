from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "aftersales.tracking"
    label = "tracking"
    verbose_name = _("物流轨迹")

    def ready(self) -> None:
        from aftersales.tracking import panels

        panels.register()
