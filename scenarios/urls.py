"""A plan's Scenarios tab: mounted at plans/<plan_id>/scenarios/ (aop/urls.py)."""

from django.urls import path

from scenarios import views

app_name = "scenarios"

urlpatterns = [
    path("", views.tab, name="plan"),
    path("new/", views.create, name="create"),
    path("compare/", views.compare, name="compare"),
    path("compare/xlsx/", views.compare_xlsx, name="compare_xlsx"),
    path("<int:scenario_id>/", views.detail, name="detail"),
    path("<int:scenario_id>/delete/", views.delete, name="delete"),
    path("<int:scenario_id>/promote/", views.promote, name="promote"),
    path("<int:scenario_id>/refresh/", views.refresh, name="refresh"),
]
