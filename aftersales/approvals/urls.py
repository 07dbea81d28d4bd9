from django.urls import path

from aftersales.approvals import views

app_name = "approvals"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:approval_id>/decide/", views.decide, name="decide"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/deactivate/", views.rule_deactivate, name="rule_deactivate"),
]
