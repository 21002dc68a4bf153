"""Step 5 of the demo: the executive downloads an approved plan's one-pager (the history records it)."""

from django.http import HttpRequest, QueryDict

from onepager.views import pdf_response
from planning.models import Plan


def seed(users: dict, plans: dict[str, Plan]) -> None:
    request = HttpRequest()
    request.method, request.user, request.GET = "GET", users["exec"], QueryDict("size=a4")
    pdf_response(request, Plan.objects.get(pk=plans["na-ent-east"].pk))
