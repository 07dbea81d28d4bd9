from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WatchConfig(AppConfig):
    name = "aftersales.watch"
    label = "watch"
    verbose_name = _("订单跟踪")
