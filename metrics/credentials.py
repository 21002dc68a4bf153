"""The credentials of pull sources, encrypted at rest with Fernet keys from the environment.

AOP_CREDENTIAL_KEYS holds one or more Fernet keys, comma-separated: the first encrypts, every one
decrypts (cryptography's MultiFernet). Changing the key is therefore three steps: put the new key first,
run `manage.py rotate_credentials` (every stored credential re-encrypted with it), drop the old key.
Without the variable, one key is derived from SECRET_KEY: fine for development, but credentials then
become unreadable whenever SECRET_KEY changes, so production sets its own key (docs/connectors.md).
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DERIVATION = b"aop pull-source credentials\n"  # so the derived key is not SECRET_KEY's plain digest


class Unreadable(Exception):
    """A stored credential none of the configured keys decrypts (the key was dropped too soon)."""


def keys() -> list[bytes]:
    """The configured keys, first the one that encrypts; a malformed key stops with its position."""
    configured = list(getattr(settings, "AOP_CREDENTIAL_KEYS", []) or [])
    if not configured:
        digest = hashlib.sha256(DERIVATION + settings.SECRET_KEY.encode()).digest()
        return [base64.urlsafe_b64encode(digest)]
    for position, key in enumerate(configured, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ImproperlyConfigured(
                f"AOP_CREDENTIAL_KEYS: key {position} is not a Fernet key (32 url-safe base64-encoded bytes)."
            ) from None
    return [key.encode() for key in configured]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys()])


def encrypt(plain: str) -> str:
    """The Fernet token of `plain` under the first key; an empty credential stays empty."""
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    """The credential a token holds, or Unreadable when no configured key opens it."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise Unreadable(
            "The stored credential cannot be decrypted with the configured keys (AOP_CREDENTIAL_KEYS); "
            "put the key it was saved with back, or enter the credential again."
        ) from None


def rotate(token: str) -> str:
    """The same credential re-encrypted under the first key (Unreadable when no key opens it)."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise Unreadable("The stored credential cannot be decrypted with the configured keys.") from None
