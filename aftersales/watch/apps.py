from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WatchConfig(AppConfig):
    name = "aftersales.watch"
    label = "watch"
    verbose_name = _("订单跟踪")

    def ready(self) -> None:
        from aftersales.core.panels import Panel, register_panel
        from aftersales.watch.views import order_panel

        # The order page shows the order's follow-ups to those who work them.
        register_panel(
            "order",
            Panel(
                name="watch", position=40, template="watch/_order_panel.html", context=order_panel
            ),
        )
