"""What every page knows of the signed-in user's seat: whether they sign in only as a seller (no role on
any unit), so the menu offers their own page instead of lists they cannot read. Read lazily: a page that
never asks costs no query."""

from django.utils.functional import SimpleLazyObject

from orgs import permissions


def seat(request) -> dict:
    def read() -> dict:
        user = request.user
        if not user.is_authenticated or permissions.roles_of(user):
            return {"seller_only": False}
        return {"seller_only": permissions.seller_of(user) is not None}

    return {"seat": SimpleLazyObject(read)}
