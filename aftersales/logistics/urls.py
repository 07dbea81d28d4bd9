from django.urls import path

from aftersales.logistics import views

app_name = "logistics"
urlpatterns = [
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/new/", views.coverage_new, name="coverage_new"),
    path("coverage/<int:rule_id>/", views.coverage_edit, name="coverage_edit"),
    path("coverage/<int:rule_id>/delete/", views.coverage_delete, name="coverage_delete"),
    path("suspensions/", views.suspensions, name="suspensions"),
    path("suspensions/new/", views.suspension_new, name="suspension_new"),
    path("suspensions/<int:suspension_id>/", views.suspension_edit, name="suspension_edit"),
    path(
        "suspensions/<int:suspension_id>/delete/",
        views.suspension_delete,
        name="suspension_delete",
    ),
    path("plans/", views.plans, name="plans"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:plan_id>/", views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/delete/", views.plan_delete, name="plan_delete"),
    path("import/", views.import_file, name="import"),
    path("routes/", views.routes, name="routes"),
    path("routes/new/", views.route_new, name="route_new"),
    path("routes/<int:route_id>/", views.route_edit, name="route_edit"),
    path("routes/<int:route_id>/delete/", views.route_delete, name="route_delete"),
    path("preship/", views.preship, name="preship"),
    path("preship/<int:flag_id>/settle/", views.preship_settle, name="preship_settle"),
]
