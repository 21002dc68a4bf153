from django.urls import path

from sellers import quota_views, views

urlpatterns = [
    path("number/", views.my_number, name="my-number"),
    path("number/quota/<int:acceptance_id>/accept/", quota_views.accept, name="quota-accept"),
    path("number/quota/<int:acceptance_id>/ask/", quota_views.ask, name="quota-ask"),
]
