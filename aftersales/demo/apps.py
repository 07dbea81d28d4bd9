from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data and its ``load_demo`` command: above every area, since it opens cases of
    each kind."""

    name = "aftersales.demo"
    label = "demo"
