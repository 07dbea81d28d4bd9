from django.urls import path

from aftersales.scorecards import views

app_name = "scorecards"
urlpatterns = [
    path("", views.board, name="board"),
    path("penalties/", views.penalties, name="penalties"),
    path("penalties/<int:penalty_id>/reverse/", views.penalty_reverse, name="penalty_reverse"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/new/", views.policy_new, name="policy_new"),
    path("policies/<int:policy_id>/", views.policy_edit, name="policy_edit"),
]
