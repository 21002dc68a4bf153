from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.http import require_GET

from aop.celery import app as celery_app


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and compose: the database answers and the broker accepts a connection."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503)


def _api_error_or_page(request: HttpRequest, status: int, detail: str, page_view, *args):
    """Under /api/ every answer is JSON, including Django's own 404/500 for URLs no view matched."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=status)
    return page_view(request, *args)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _api_error_or_page(request, 404, "Not found.", defaults.page_not_found, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    return _api_error_or_page(request, 500, "Server error.", defaults.server_error)
