from django.urls import path

from onepager import views

app_name = "onepager"

urlpatterns = [
    path("", views.plan_tab, name="plan"),
    path("pdf/", views.pdf, name="pdf"),
]
