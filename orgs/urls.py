from django.urls import path

from orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.org_tree, name="tree"),
    path("units/<int:unit_id>/", views.org_unit_detail, name="unit"),
    path("calendar/", views.fiscal_calendar, name="calendar"),
]
