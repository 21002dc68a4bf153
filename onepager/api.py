from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from onepager.views import pdf_response
from planning.models import Plan


class OnePagerPDFView(APIView):
    """The plan's one-page strategy as a PDF (A4 or Letter), rendered from its current revision."""

    @extend_schema(
        parameters=[OpenApiParameter("size", str, enum=["a4", "letter"], default="a4")],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, plan_id: int) -> HttpResponse:
        plan = get_object_or_404(Plan.objects.visible_to(request.user).select_related("org_unit"), pk=plan_id)
        return pdf_response(request, plan)
