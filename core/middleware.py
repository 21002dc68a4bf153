"""The reader's locale for numbers and dates, per request."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core import formatting


class LocaleMiddleware:
    """Formats this request's numbers, money and dates in the locale the user chose (the session) or the
    browser asks for (core.formatting.locale_from_request). Django's translation is left alone: the
    interface stays English and forms read plain numbers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.aop_locale = formatting.locale_from_request(request)
        with formatting.use_locale(request.aop_locale):
            return self.get_response(request)
