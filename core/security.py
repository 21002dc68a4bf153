"""Session limits and the security log: failed sign-ins and refused requests, with who, what, when
and where (the log line's time, the user, the method and path, the client address)."""

import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver

log = logging.getLogger("aop.security")
SIGNED_IN_AT = "aop_signed_in_at"


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


@receiver(user_logged_in)
def remember_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = int(time.time())


@receiver(user_login_failed)
def log_failed_sign_in(sender, credentials, request=None, **kwargs) -> None:
    log.warning(
        "sign-in failed user=%s address=%s path=%s",
        credentials.get("username", "?"),
        client_address(request),
        getattr(request, "path", ""),
    )


class SessionLimitsMiddleware:
    """Ends a session that is older than the absolute limit since sign-in (idle expiry is the cookie's)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            started = request.session.get(SIGNED_IN_AT)
            if started is None:
                request.session[SIGNED_IN_AT] = int(time.time())
            elif time.time() - started > settings.AOP_SESSION_MAX_HOURS * 3600:
                log.info(
                    "session ended after %sh user=%s", settings.AOP_SESSION_MAX_HOURS, user.get_username()
                )
                logout(request)
                if not request.path.startswith("/api/"):
                    return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class RefusalLogMiddleware:
    """Logs every request refused for want of authorisation (401, 403)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (401, 403):
            user = getattr(request, "user", None)
            log.warning(
                "refused status=%s user=%s method=%s path=%s address=%s",
                response.status_code,
                user.get_username() if user is not None and user.is_authenticated else "anonymous",
                request.method,
                request.path,
                client_address(request),
            )
        return response
