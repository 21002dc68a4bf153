from django.urls import path

from budgets import views

app_name = "budgets"

urlpatterns = [
    path("", views.plan_tab, name="plan"),
    path("setup/", views.budget_save, name="save"),
    path("moves/new/", views.move_create, name="move"),
    path("moves/<int:move_id>/reverse/", views.move_reverse, name="reverse"),
    path("moves/<int:move_id>/<slug:decision>/", views.move_decide, name="decide"),
    path("spend/cells/", views.spend_cells, name="spend-cells"),
    path("spend.<slug:fmt>", views.spend_export, name="spend-export"),
    path("spend/import/", views.spend_import, name="spend-import"),
    path("spend/import/apply/", views.spend_import_apply, name="spend-import-apply"),
    path("spend/import/undo/", views.spend_import_undo, name="spend-import-undo"),
]
