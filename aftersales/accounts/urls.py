from django.contrib.auth import views as auth_views
from django.urls import path

from aftersales.accounts import views

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("contact-reveals/", views.reveal_log, name="reveal_log"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
]
