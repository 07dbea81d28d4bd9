from django.urls import path

from aftersales.watch import views

app_name = "watch"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:followup_id>/", views.detail, name="detail"),
    path("<int:followup_id>/take/", views.take, name="take"),
    path("<int:followup_id>/contact/", views.contact, name="contact"),
    path("<int:followup_id>/resolve/", views.resolve, name="resolve"),
    path("<int:followup_id>/dismiss/", views.dismiss, name="dismiss"),
    path("<int:followup_id>/case/", views.open_case, name="open_case"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
]
