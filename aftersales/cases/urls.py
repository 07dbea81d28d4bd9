from django.urls import path

from aftersales.cases import views
from aftersales.cases.views.inbox import case_take, cases_assign, inbox_tabs

app_name = "cases"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/tabs/", inbox_tabs, name="inbox_tabs"),
    path("cases/assign/", cases_assign, name="assign"),
    path("cases/<int:case_id>/take/", case_take, name="take"),
    path("cases/<int:case_id>/", views.case_detail, name="detail"),
    path("cases/<int:case_id>/act/<slug:action>/", views.case_action, name="act"),
    path("cases/<int:case_id>/update/", views.case_update, name="update"),
    path("cases/<int:case_id>/notes/", views.case_note, name="note"),
    path("cases/<int:case_id>/attachments/", views.case_attach, name="attach"),
    path(
        "cases/<int:case_id>/attachments/<int:attachment_id>/",
        views.attachment_file,
        name="attachment",
    ),
    path("orders/<int:order_id>/new-case/", views.case_new, name="new"),
]
