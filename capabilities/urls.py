from django.urls import path

from capabilities import views

app_name = "capabilities"

urlpatterns = [
    path("", views.plan_tab, name="plan"),
]
