from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from core.exceptions import StaleVersionError
from orgs import permissions, selectors, services
from orgs.forms import FiscalCalendarForm
from orgs.models import FiscalCalendar


@login_required
@require_safe
def org_tree(request: HttpRequest) -> HttpResponse:
    units = list(selectors.org_tree(user=request.user))
    top = min((u.depth for u in units), default=1)
    for unit in units:
        unit.indent = unit.depth - top
    return render(request, "orgs/tree.html", {"units": units})


@login_required
@require_safe
def org_unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.org_unit_get(user=request.user, unit_id=unit_id)
    sellers = Paginator(selectors.unit_sellers(unit=unit), settings.AOP_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    for seller in sellers:
        seller.active = seller.is_active_on(today)
        seller.ramping = seller.active and seller.ramp_percent(today) < 100
        seller.ramp_now = seller.ramp_percent(today)
    return render(
        request,
        "orgs/unit.html",
        {
            "unit": unit,
            "children": unit.children.visible_to(request.user).order_by("name"),
            "page": sellers,
            "members": selectors.unit_members(unit=unit),
            "plans": unit.plans.order_by("-fiscal_year"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def fiscal_calendar(request: HttpRequest) -> HttpResponse:
    calendar = FiscalCalendar.load()
    can_edit = permissions.is_company_ops(request.user)
    form = FiscalCalendarForm(instance=calendar, initial={"version": calendar.version})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only company-level sales ops can change the fiscal calendar.")
        form = FiscalCalendarForm(request.POST, instance=FiscalCalendar(pk=calendar.pk))
        if form.is_valid():
            try:
                services.fiscal_calendar_update(actor=request.user, **form.cleaned_data)
            except StaleVersionError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Fiscal calendar saved.")
            return redirect("orgs:calendar")
    rules = calendar.rules
    year = rules.fiscal_year_of(timezone.localdate())
    return render(
        request,
        "orgs/calendar.html",
        {
            "calendar": calendar,
            "form": form,
            "can_edit": can_edit,
            "year": year,
            "label": rules.label(year),
            "periods": rules.periods(year),
        },
    )
