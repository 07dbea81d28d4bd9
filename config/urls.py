from django.contrib import admin
from django.urls import include, path

from aftersales.api import api
from aftersales.core.health import health

urlpatterns = [
    path("health/", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("aftersales.accounts.urls")),
    path("orders/", include("aftersales.orders.urls")),
    path("returns/", include("aftersales.returns.urls")),
    path("approvals/", include("aftersales.approvals.urls")),
    path("logistics/", include("aftersales.logistics.urls")),
    path("tracking/", include("aftersales.tracking.urls")),
    path("parcels/", include("aftersales.parcels.urls")),
    path("watch/", include("aftersales.watch.urls")),
    path("scorecards/", include("aftersales.scorecards.urls")),
    path("", include("aftersales.cases.urls")),
]
# Nothing serves MEDIA_ROOT: a case photo is reached only through its case's view
# (cases:attachment), which checks that the viewer may see the case.
