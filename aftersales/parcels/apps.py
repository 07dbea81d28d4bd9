from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParcelsConfig(AppConfig):
    name = "aftersales.parcels"
    label = "parcels"
    verbose_name = _("问题件")

    def ready(self) -> None:
        from aftersales.parcels import registration
        from aftersales.parcels.services.system import problems_seen
        from aftersales.tracking.hooks import register_problem_handler

        registration.register()
        # A parcel tracking sees turn into a problem opens a case by itself.
        register_problem_handler(problems_seen)
