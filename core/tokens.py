"""API tokens: DRF's authtoken (one token per user), valid for AOP_TOKEN_DAYS after it was made.

A user replaces or revokes their token on the "API tokens" page or through the API; setting a new password
revokes it (core.security: the password pages, the admin site, `changepassword`). The key is shown once,
when it is made; pages show only its first characters.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

log = logging.getLogger("aop.security")
PREFIX_LENGTH = 8


def token_expires(token: Token) -> dt.datetime:
    return token.created + dt.timedelta(days=settings.AOP_TOKEN_DAYS)


def token_is_expired(token: Token) -> bool:
    return timezone.now() >= token_expires(token)


def token_of(*, user) -> Token | None:
    """The user's token, expired or not (None: they have none)."""
    return Token.objects.filter(user=user).first()


@transaction.atomic
def token_create(*, user) -> Token:
    """A new token for the user; the one they had stops working."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    log.info("token created user=%s key=%s…", user.get_username(), token.key[:PREFIX_LENGTH])
    return token


@transaction.atomic
def token_obtain(*, user) -> Token:
    """The user's token if it is still valid, else a new one (POST /api/auth/token/)."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and not token_is_expired(token):
        return token
    return token_create(user=user)


def token_revoke(*, user, reason: str) -> int:
    """Deletes the user's token; returns how many were deleted (0 or 1)."""
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        log.info("token revoked user=%s reason=%s", user.get_username(), reason)
    return deleted
