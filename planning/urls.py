from django.urls import path

from planning import views

app_name = "planning"

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/new/", views.plan_create, name="create"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("plans/<int:plan_id>/summary/", views.plan_summary, name="summary"),
    path("plans/<int:plan_id>/actions/<slug:name>/", views.plan_transition, name="transition"),
    path("plans/<int:plan_id>/history/", views.plan_history, name="history"),
    path("plans/<int:plan_id>/revisions/<int:number>/", views.plan_revision, name="revision"),
    path("plans/<int:plan_id>/alignment/", views.alignment, name="alignment"),
]
