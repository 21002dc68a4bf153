from django.http import HttpRequest

from orgs import permissions


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_company_ops": permissions.is_company_ops(user)}
