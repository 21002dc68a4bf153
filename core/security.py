"""Session limits, the sign-in lockout, and the security log: failed sign-ins and refused requests, with
who, what, when and where (the log line's time, the user, the method and path, the client address). The
signal receivers that end API tokens on a password change and log failed sign-ins are in core.receivers."""

import ipaddress
import logging
import time

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db.models import Sum

log = logging.getLogger("aop.security")
SIGNED_IN_AT = "aop_signed_in_at"


def client_address(request) -> str:
    """The client's address. Behind AOP_PROXY_COUNT trusted proxies it is the address the outermost proxy
    saw: the AOP_PROXY_COUNT-th from the right of X-Forwarded-For, to which each proxy appends (whatever
    stands further left came from the client and proves nothing). With no proxy count, or a header that
    did not pass every proxy, the connection's own address."""
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.AOP_PROXY_COUNT
    if not count:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:  # not what a proxy writes: keep the address we can trust
        return remote


class SignInLockout(AxesDatabaseHandler):
    """django-axes' database handler with two limits, where axes has one.

    AXES_LOCKOUT_PARAMETERS counts failures for a username at an address (first) and for the address
    whatever the username (second). The pair is locked after AXES_FAILURE_LIMIT failures, so a colleague's
    typos behind the same office address lock only their own name; the address is locked after the higher
    AOP_ADDRESS_FAILURE_LIMIT, which stops one address guessing at many names. Axes compares a single
    count with its single limit, so the address's count is reported as that limit once it reaches its own.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        pair, address = (
            attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.AOP_ADDRESS_FAILURE_LIMIT:
            return max(pair, get_failure_limit(request, credentials))
        return pair

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful sign-in clears that username's failures at the address, not the whole address's:
        one valid account must not wipe the count of guesses at every other."""
        deleted, _ = self.filter_user_attempts(request, credentials)[0].delete()
        return deleted


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
