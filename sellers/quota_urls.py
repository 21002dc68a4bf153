"""A plan's Quotas tab: mounted at plans/<plan_id>/quotas/ (aop/urls.py)."""

from django.urls import path

from sellers import quota_views

app_name = "quotas"

urlpatterns = [
    path("", quota_views.board, name="plan"),
    path("publish/", quota_views.publish, name="publish"),
    path("answer/<int:acceptance_id>/", quota_views.answer, name="answer"),
    path("<int:seller_id>/", quota_views.receipt, name="receipt"),
]
