from django.urls import path

from planning import alignment_views as step1
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
    # Step 1: alignment
    path("plans/<int:plan_id>/alignment/", step1.alignment, name="alignment"),
    path("plans/<int:plan_id>/alignment/traceability/", step1.traceability, name="traceability"),
    path("plans/<int:plan_id>/alignment/<slug:kind>/new/", step1.content_new, name="content-new"),
    path("plans/<int:plan_id>/alignment/<slug:kind>/<int:pk>/", step1.content_item, name="content"),
    path(
        "plans/<int:plan_id>/alignment/<slug:kind>/<int:pk>/delete/",
        step1.content_delete,
        name="content-delete",
    ),
    path("plans/<int:plan_id>/targets/", step1.targets_page, name="targets"),
    path("plans/<int:plan_id>/targets/cascade/", step1.cascade, name="cascade"),
    path("plans/<int:plan_id>/targets/phasing/", step1.phasing, name="phasing"),
    path("plans/<int:plan_id>/targets/grid/<int:pk>/", step1.allocation_row, name="grid-row"),
    path("plans/<int:plan_id>/targets/grid/totals/", step1.grid_totals, name="grid-totals"),
    path("plans/<int:plan_id>/targets/grid.<slug:fmt>", step1.grid_export, name="grid-export"),
    path("plans/<int:plan_id>/targets/import/", step1.grid_import, name="grid-import"),
    path("plans/<int:plan_id>/targets/bottom-up/<slug:action>/", step1.submission, name="submission"),
    path(
        "plans/<int:plan_id>/targets/bottom-up/decide/<int:child_plan_id>/",
        step1.submission_decide,
        name="submission-decide",
    ),
    path("goals/", step1.goals, name="goals"),
    path("goals/<int:goal_id>/", step1.goal_detail, name="goal"),
    path("settings/", step1.planning_settings, name="settings"),
    path("settings/seasonality/<int:profile_id>/", step1.profile_detail, name="profile"),
]
