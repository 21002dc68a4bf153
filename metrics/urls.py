from django.urls import path

from metrics import qbr, views

app_name = "metrics"

urlpatterns = [
    path("", views.plan_tab, name="plan"),
    path("targets/<int:kpi_id>/", views.plan_targets, name="targets"),
    path("cells/<int:kpi_id>/", views.kpi_cells, name="kpi-cells"),
    path("objectives/<int:objective_id>/", views.objective_kpis, name="objective-kpis"),
    path("churn/", views.churn_policy, name="churn"),
    path("review/", qbr.qbr, name="qbr"),
    path("review/run/", qbr.qbr_run, name="qbr-run"),
    path("review/adjust/", qbr.qbr_adjust, name="qbr-adjust"),
]
