"""The app's URLs plus a bare JSON view: the same row read, no authentication, permission or DRF."""

from django.http import JsonResponse
from django.urls import include, path

from planning.models import Objective


def bare(request, pk: int) -> JsonResponse:
    return JsonResponse(Objective.objects.values("id", "plan_id", "title", "weight", "version").get(pk=pk))


urlpatterns = [path("bench/bare/<int:pk>/", bare), path("", include("aop.urls"))]
