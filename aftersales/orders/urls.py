from django.urls import path

from aftersales.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_search, name="search"),
    path("<int:order_id>/", views.order_detail, name="detail"),
    path("<int:order_id>/contact/", views.order_contact, name="contact"),
    path(
        "<int:order_id>/shipments/<int:shipment_id>/sign-in/",
        views.order_sign_in,
        name="sign_in",
    ),
]
