from django.urls import path

from aftersales.returns import views

app_name = "returns"
urlpatterns = [
    path(
        "cases/<int:case_id>/refunds/<uuid:refund_id>/settle/",
        views.refund_settle_view,
        name="refund_settle",
    ),
]
