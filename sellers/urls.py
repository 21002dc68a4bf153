from django.urls import path

from sellers import contest_views, quota_views, views

urlpatterns = [
    path("number/", views.my_number, name="my-number"),
    path("number/quota/<int:acceptance_id>/accept/", quota_views.accept, name="quota-accept"),
    path("number/quota/<int:acceptance_id>/ask/", quota_views.ask, name="quota-ask"),
    path("contests/", contest_views.my_contests, name="my-contests"),
    path("contests/<int:contest_id>/", contest_views.my_contest, name="my-contest"),
]
