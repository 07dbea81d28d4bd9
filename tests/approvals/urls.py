"""The site's URLs with the approvals pages and API mounted, for the approval tests.

Until the composition layer mounts them (config/urls.py and aftersales/api.py), the tests
mount them here exactly as they will be mounted there; once it does, this is the site's own
URLconf and the tests exercise the real wiring.
"""

from django.urls import include, path

from aftersales.api import AfterSalesAPI, SessionAuth, TokenAuth, api
from aftersales.approvals.api import router
from config.urls import urlpatterns as site_urlpatterns

_pages_wired = any(getattr(p, "namespace", None) == "approvals" for p in site_urlpatterns)
_api_wired = any(mounted is router for _prefix, mounted in api._routers)

urlpatterns = []
if not _pages_wired:
    urlpatterns.append(path("approvals/", include("aftersales.approvals.urls")))
if not _api_wired:
    approvals_api = AfterSalesAPI(
        title="AfterSales API (approvals under test)",
        version="approvals-test",
        urls_namespace="api-approvals-test",
        auth=[TokenAuth(), SessionAuth()],
    )
    # The site API's error handlers, so errors have the one shape the site answers with.
    for exc_class, handler in api._exception_handlers.items():
        approvals_api.add_exception_handler(exc_class, handler)
    approvals_api.add_router("/approvals", router)
    urlpatterns.append(path("api/v1/", approvals_api.urls))
urlpatterns += site_urlpatterns
