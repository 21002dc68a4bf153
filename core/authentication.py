"""API authentication: DRF's token, refused once it is older than AOP_TOKEN_DAYS."""

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from core.tokens import token_is_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token …`; an expired token answers 401 "Token expired." (a new one comes from
    POST /api/auth/token/ or the API tokens page)."""

    def authenticate_credentials(self, key: str):
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token):
            raise AuthenticationFailed("Token expired.")
        return user, token
