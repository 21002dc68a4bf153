from django.urls import path

from sellers import views

urlpatterns = [
    path("number/", views.my_number, name="my-number"),
]
