from django.urls import path

from planning.views import confirm, content, plan, settings, sheets, targets, tree

app_name = "planning"

urlpatterns = [
    path("", plan.home, name="home"),
    path("plans/new/", plan.plan_create, name="create"),
    path("plans/<int:plan_id>/", plan.plan_detail, name="plan"),
    path("plans/<int:plan_id>/summary/", plan.plan_summary, name="summary"),
    path("plans/<int:plan_id>/actions/<slug:name>/", plan.plan_transition, name="transition"),
    path("plans/<int:plan_id>/history/", plan.plan_history, name="history"),
    path("plans/<int:plan_id>/revisions/<int:number>/", plan.plan_revision, name="revision"),
    # Step 1: alignment
    path("plans/<int:plan_id>/alignment/", content.alignment, name="alignment"),
    path("plans/<int:plan_id>/alignment/traceability/", content.traceability, name="traceability"),
    path("plans/<int:plan_id>/alignment/tree/", tree.tree, name="tree"),
    path("plans/<int:plan_id>/alignment/<slug:kind>/new/", content.content_new, name="content-new"),
    path("plans/<int:plan_id>/alignment/<slug:kind>/<int:pk>/", content.content_item, name="content"),
    path(
        "plans/<int:plan_id>/alignment/<slug:kind>/<int:pk>/delete/",
        content.content_delete,
        name="content-delete",
    ),
    path("plans/<int:plan_id>/targets/", targets.targets_page, name="targets"),
    path("plans/<int:plan_id>/targets/cascade/", targets.cascade, name="cascade"),
    path("plans/<int:plan_id>/targets/cascade/undo/", confirm.cascade_undo, name="cascade-undo"),
    path("plans/<int:plan_id>/targets/phasing/", targets.phasing, name="phasing"),
    path("plans/<int:plan_id>/targets/grid/cells/", sheets.grid_cells, name="grid-cells"),
    path("plans/<int:plan_id>/targets/grid.<slug:fmt>", targets.grid_export, name="grid-export"),
    path("plans/<int:plan_id>/targets/import/", targets.grid_import, name="grid-import"),
    path("plans/<int:plan_id>/targets/import/apply/", confirm.grid_import_apply, name="grid-import-apply"),
    path("plans/<int:plan_id>/targets/import/undo/", confirm.grid_import_undo, name="grid-import-undo"),
    path("plans/<int:plan_id>/targets/bottom-up/<slug:action>/", targets.submission, name="submission"),
    path(
        "plans/<int:plan_id>/targets/bottom-up/decide/<int:child_plan_id>/",
        targets.submission_decide,
        name="submission-decide",
    ),
    path("goals/", settings.goals, name="goals"),
    path("goals/<int:goal_id>/", settings.goal_detail, name="goal"),
    path("settings/", settings.planning_settings, name="settings"),
    path("settings/seasonality/<int:profile_id>/", settings.profile_detail, name="profile"),
]
