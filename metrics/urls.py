from django.urls import path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.plan_tab, name="plan"),
]
