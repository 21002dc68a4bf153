"""The quarterly review pack over the API: GET /api/plans/{id}/reviews/{quarter}/pack.pdf and .pptx.

A pack already built for the current figures is served from the cache; otherwise it is built during the
request (a few seconds), as the page's background build would. The file's media type is what the view
renders, so `Accept: application/pdf` (or the PowerPoint type), `*/*` and no Accept header all answer 200;
another type answers 406. Errors (401, 404, 406) are JSON whatever was asked for.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer, ValidationErrorSerializer
from onepager.pack_build import MEDIA_TYPES
from onepager.pack_views import pack_response
from planning.models import Plan


class FileRenderer(BaseRenderer):
    """A file the view has already made: passed through as it is."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PDFRenderer(FileRenderer):
    media_type, format = MEDIA_TYPES["pdf"], "pdf"


class PPTXRenderer(FileRenderer):
    media_type, format = MEDIA_TYPES["pptx"], "pptx"


QUARTER = OpenApiParameter(
    "quarter", int, OpenApiParameter.PATH, enum=[1, 2, 3, 4], description="Fiscal quarter"
)
SIZE = OpenApiParameter("size", str, enum=["a4", "letter"], default="a4", description="The PDF's paper size")


ERRORS = {
    (400, "application/json"): ValidationErrorSerializer,  # documented for every operation (core.api)
    **{(code, "application/json"): ErrorSerializer for code in (401, 403, 404, 406)},
}


class PackView(APIView):
    kind = "pdf"

    def get(self, request: Request, plan_id: int, quarter: int) -> HttpResponse:
        plan = get_object_or_404(Plan.objects.visible_to(request.user).select_related("org_unit"), pk=plan_id)
        return pack_response(request, plan, quarter, self.kind)

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and response.status_code >= 400:  # an error reads as JSON
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class PackPDFView(PackView):
    """A plan's quarterly review pack as one PDF: the one-pager, then the review's pages (attainment by
    unit and seller against pace, trends by month, churn against the allowance, budget moves and value per
    unit of cost, the changes made at the review and open risks). Built now if it is not built yet."""

    kind = "pdf"
    renderer_classes = [PDFRenderer]

    @extend_schema(
        operation_id="plans_review_pack_pdf",
        parameters=[QUARTER, SIZE],
        responses={(200, MEDIA_TYPES["pdf"]): OpenApiTypes.BINARY, **ERRORS},
    )
    def get(self, request: Request, plan_id: int, quarter: int) -> HttpResponse:
        return super().get(request, plan_id, quarter)


class PackPPTXView(PackView):
    """A plan's quarterly review pack as a PowerPoint deck (16:9, native charts): the same sections as the
    PDF. Built now if it is not built yet."""

    kind = "pptx"
    renderer_classes = [PPTXRenderer]

    @extend_schema(
        operation_id="plans_review_pack_pptx",
        parameters=[QUARTER],
        responses={(200, MEDIA_TYPES["pptx"]): OpenApiTypes.BINARY, **ERRORS},
    )
    def get(self, request: Request, plan_id: int, quarter: int) -> HttpResponse:
        return super().get(request, plan_id, quarter)
