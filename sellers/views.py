"""The seller's own page: their number for a fiscal year and the receipt of how it was set."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from orgs import permissions
from sellers import number as selectors
from sellers import quota_views


def _year(request: HttpRequest) -> int | None:
    text = request.GET.get("year", "").upper().removeprefix("FY")
    if not text:
        return None
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise Http404("No such fiscal year.")
    return int(text)


@login_required
@require_safe
def my_number(request: HttpRequest) -> HttpResponse:
    """Only a user linked to a seller has this page; it shows that seller's figures and no one else's."""
    seller = permissions.seller_of(request.user)
    if seller is None:
        raise Http404("You are not a seller.")
    page = selectors.my_number(seller, _year(request))
    context = {"page": page} | quota_views.seller_context(request, seller, page)
    return render(request, "sellers/number.html", context)
