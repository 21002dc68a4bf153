from django.urls import path

from capabilities import views

app_name = "capabilities"

urlpatterns = [
    path("", views.plan_tab, name="plan"),
    path("summary/", views.summary, name="summary"),
    path("sheet/<int:capability_id>/", views.assessment_row, name="row"),
]
