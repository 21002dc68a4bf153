from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from onepager.views import pdf_response
from planning.models import Plan


class PDFRenderer(BaseRenderer):
    """Lets content negotiation accept `Accept: application/pdf`. The view answers with the PDF's bytes
    itself; the renderer only passes bytes through."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data if isinstance(data, bytes) else b""


class OnePagerPDFView(APIView):
    """The plan's one-page strategy as a PDF (A4 or Letter), rendered from its current revision."""

    # application/pdf for `Accept: application/pdf`, `*/*` or none; JSON is there for the errors only.
    renderer_classes = [PDFRenderer, JSONRenderer]

    @extend_schema(
        parameters=[OpenApiParameter("size", str, enum=["a4", "letter"], default="a4")],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, plan_id: int) -> HttpResponse:
        plan = get_object_or_404(Plan.objects.visible_to(request.user).select_related("org_unit"), pk=plan_id)
        return pdf_response(request, plan)

    def finalize_response(self, request, response, *args, **kwargs):
        """An error ({"detail": …}) reads as JSON, as the schema documents it, whatever was accepted."""
        if isinstance(response, Response):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
