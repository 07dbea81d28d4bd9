from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "aftersales.logistics"
    label = "logistics"

    def ready(self) -> None:
        from aftersales.core.panels import Panel, register_panel
        from aftersales.logistics.panels import order_routing

        register_panel(
            "order",
            Panel(
                name="routing",
                position=10,
                template="logistics/_order_routing.html",
                context=order_routing,
            ),
        )
