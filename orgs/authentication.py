"""API authentication: DRF's token, refused once it is older than AOP_TOKEN_DAYS. In `orgs`, not `core`:
the token's query reads the user's roles too, which are the permission module's."""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import router
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from core.prepared import Prepared
from core.tokens import token_is_expired
from orgs import permissions


@cache
def _token_query(alias: str) -> tuple[Prepared, list[str]]:
    """The token lookup and the user's fields: the token, its user and a row per role the user holds (role,
    unit path), in the order the permission checks read them; the same query for every key."""
    user_fields = [f.attname for f in get_user_model()._meta.concrete_fields]
    query = (
        Token.objects.using(alias)
        .filter(key="")
        .order_by("user__memberships__org_unit__path", "user__memberships__role")
        .values_list(
            "created",
            *(f"user__{name}" for name in user_fields),
            "user__memberships__role",
            "user__memberships__org_unit__path",
        )
    )
    return Prepared.of(query), user_fields


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token …`; an expired token answers 401 "Token expired." (a new one comes from
    POST /api/auth/token/ or the API tokens page).

    One query reads the token, its user and the user's roles, so the permission checks of the request
    that follows cost no query of their own; the roles are read afresh on every request, never kept.
    """

    def authenticate_credentials(self, key: str):
        alias = router.db_for_read(Token)
        query, user_fields = _token_query(alias)
        rows = query.rows([key])
        if not rows:
            raise AuthenticationFailed("Invalid token.")
        user = get_user_model().from_db(alias, user_fields, rows[0][1:-2])
        if not user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        token = Token.from_db(alias, ["key", "user_id", "created"], [key, user.pk, rows[0][0]])
        token.user = user
        if token_is_expired(token):
            raise AuthenticationFailed("Token expired.")
        permissions.remember(user, [(row[-2], row[-1]) for row in rows if row[-2] is not None])
        return user, token
