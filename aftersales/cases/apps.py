from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "aftersales.cases"
    label = "cases"

    def ready(self) -> None:
        from aftersales.cases.panels import order_cases
        from aftersales.core.panels import Panel, register_panel

        # Last on the order page, under the parcels and their tracking.
        register_panel(
            "order",
            Panel(
                name="cases", position=100, template="cases/_order_cases.html", context=order_cases
            ),
        )
