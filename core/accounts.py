"""The signed-in user's own account: password change and reset (Django's views, the app's templates),
the API tokens page, and the token endpoint of the API."""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import parsers, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core import formatting
from core import tokens as api_tokens
from core.api import ErrorSerializer
from core.parsers import JSONParser


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, with the link in the e-mail built on AOP_BASE_URL rather than on the request's Host
    header, which the client chooses."""

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        self.extra_email_context = {"base_url": settings.AOP_BASE_URL}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's; a new password also lifts a sign-in lockout of that username (the owner of the e-mail
    address has just proved who they are)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response


@never_cache  # the page shows a new key once: no copy of it in any cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """My API token: when it was made and expires; make a new one (its key shown once) or revoke it."""
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            new_key = api_tokens.token_create(user=request.user).key
        elif action == "revoke":
            api_tokens.token_revoke(user=request.user, reason="revoked on the API tokens page")
            messages.success(request, "Your API token is revoked: calls that use it are refused.")
            return redirect("api-tokens")
        else:
            return HttpResponseBadRequest("Choose create or revoke.")
    token = api_tokens.token_of(user=request.user)
    context = {
        "token": token,
        "prefix": token.key[: api_tokens.PREFIX_LENGTH] if token else "",
        "expires": api_tokens.token_expires(token) if token else None,
        "expired": api_tokens.token_is_expired(token) if token else False,
        "new_key": new_key,
        "days": settings.AOP_TOKEN_DAYS,
    }
    return render(request, "registration/tokens.html", context)


@login_required
@require_http_methods(["POST"])
def number_format(request: HttpRequest) -> HttpResponse:
    """How numbers, money and dates read for me (core.formatting's locale), kept in my session; the
    interface stays English."""
    chosen = request.POST.get("locale", "")
    if chosen not in formatting.LOCALES:
        return HttpResponseBadRequest(f"Choose one of {', '.join(formatting.LOCALES)}.")
    request.session[formatting.SESSION_KEY] = chosen
    example = formatting.number(1234567.5, 2, locale=chosen)
    messages.success(request, f"Numbers now read as in {formatting.LOCALE_LABELS[chosen]}: {example}.")
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure())
    return redirect(back if safe else "planning:home")


LOCKED = "Too many failed sign-ins for this account or address: try again later."
TokenSerializer = inline_serializer(
    "Token",
    fields={
        "token": serializers.CharField(help_text="Send it as `Authorization: Token <token>`."),
        "expires": serializers.DateTimeField(help_text="After this time the token answers 401."),
    },
)


class TokenView(ObtainAuthToken):
    """POST: the caller's token for a username and password (a new one when they have none or theirs
    has expired). DELETE: revokes the token of the signed-in caller."""

    parser_classes = [JSONParser, parsers.FormParser, parsers.MultiPartParser]

    def get_permissions(self):
        method = getattr(getattr(self, "request", None), "method", "")
        return [IsAuthenticated()] if method == "DELETE" else []

    def perform_authentication(self, request: Request) -> None:
        if request.method != "POST":  # signing in needs no credentials, not even an expired token
            super().perform_authentication(request)

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: TokenSerializer, 429: ErrorSerializer},
        summary="Get an API token",
        description="A token for the username and password, valid for the days set by AOP_TOKEN_DAYS "
        "from when it was made. The same token is returned until it expires or is revoked. Failures "
        "count towards the sign-in lockout like the sign-in page's; a locked sign-in answers 429.",
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):  # set by django-axes during authenticate()
                return Response({"detail": LOCKED}, status=status.HTTP_429_TOO_MANY_REQUESTS)
            raise serializers.ValidationError(serializer.errors)
        token = api_tokens.token_obtain(user=serializer.validated_data["user"])
        return Response({"token": token.key, "expires": api_tokens.token_expires(token)})

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Revoke my API token",
        description="Revokes the caller's token (the one sent, or the signed-in user's): calls that use "
        "it are refused with 401. A password change revokes it too.",
    )
    def delete(self, request: Request, *args, **kwargs) -> Response:
        api_tokens.token_revoke(user=request.user, reason="revoked through the API")
        return Response(status=status.HTTP_204_NO_CONTENT)


# The account pages, under /accounts/ beside sign-in and sign-out. Django's views find their templates
# in templates/registration/ and each other by these names.
urlpatterns = [
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("tokens/", tokens, name="api-tokens"),
    path("number-format/", number_format, name="number-format"),
]
