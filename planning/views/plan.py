from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import editing
from core.registry import OverviewSection, Tab, registry
from orgs import permissions
from orgs.models import FiscalCalendar, OrgUnit
from planning import dashboard, decisions, selectors, services
from planning.forms import PlanCreateForm, PlanSummaryForm, TransitionForm
from planning.models import Plan


def plan_context(request: HttpRequest, plan: Plan, *, tab: str) -> dict:
    """What every tab of a plan's page shows around its own content: the registered tabs, `tab` the
    current one."""
    rules = FiscalCalendar.current_rules()
    start, end = rules.year_range(plan.fiscal_year)
    return {
        "plan": plan,
        "tab": tab,
        "plan_tabs": registry.entries(Tab),
        "fy_label": rules.label(plan.fiscal_year),
        "fy_start": start,
        "fy_end": end,
        "transitions": services.available_transitions(plan=plan, user=request.user),
        "can_edit": can_edit(request, plan),
    }


def can_edit(request: HttpRequest, plan: Plan) -> bool:
    """Whether the signed-in user edits this plan's content now (a draft, and one of its sales leaders)."""
    return plan.is_editable and permissions.has_role(request.user, plan.org_unit, permissions.EDIT_PLAN)


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    year = request.GET.get("year", "")
    search = request.GET.get("q", "").strip()
    plans = selectors.plan_list(
        user=request.user,
        fiscal_year=int(year) if year.isdigit() else None,
        status=status if status in Plan.Status.values else None,
        search=search,
    )
    page = Paginator(plans, settings.AOP_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "planning/home.html",
        {
            "page": page,
            "statuses": Plan.Status.choices,
            "years": selectors.plan_fiscal_years(user=request.user),
            "filters": {"status": status, "year": year, "q": search},
            "can_create": OrgUnit.objects.with_role(request.user, permissions.CREATE_PLAN).exists(),
            "panels": dashboard.panels(request.user) if not request.GET else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    form = PlanCreateForm(request.POST or None, user=request.user)
    if request.method == "POST":
        outcome = editing.submit(form, lambda: services.plan_create(actor=request.user, **form.cleaned_data))
        started = lambda plan: f"Plan {plan} started."  # noqa: E731
        if response := editing.page(request, outcome, done=started, to=_plan_url):
            return response
    return render(request, "planning/plan_form.html", {"form": form})


def _plan_url(plan: Plan) -> str:
    return reverse("planning:plan", kwargs={"plan_id": plan.pk})


@login_required
@require_safe
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    context = plan_context(request, plan, tab="overview") | {
        "history": selectors.plan_history(plan=plan)[:8],
        "alerts": decisions.open_items(plan),  # listed on the page and again before a decision
        "confirmed": decisions.CONFIRMED,
        "checked": decisions.checked(),
        "steps": registry.entries(OverviewSection),
        "revisions": plan.revisions.select_related("approved_by"),
        "summary_form": PlanSummaryForm(instance=plan, initial={"version": plan.version}),
    }
    return render(request, "planning/plan_overview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_summary(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan summary, shown or edited in place (htmx) or by a plain form post."""
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    context = plan_context(request, plan, tab="overview")
    if request.method == "GET":
        open_form = request.GET.get("edit") == "1" and context["can_edit"]
        form = PlanSummaryForm(instance=plan, initial={"version": plan.version})
        return render(
            request, "planning/partials/summary.html", context | {"editing": open_form, "summary_form": form}
        )
    form = PlanSummaryForm(request.POST, instance=Plan(summary=plan.summary))
    outcome = editing.submit(  # the form's version and summary are what plan_update takes
        form, lambda: services.plan_update(actor=request.user, plan=plan, **form.cleaned_data)
    )
    if outcome.stale:
        plan.refresh_from_db()

    def shown() -> HttpResponse:
        if outcome.ok:
            saved = PlanSummaryForm(instance=outcome.saved, initial={"version": outcome.saved.version})
            context = {"editing": False, "saved": True, "summary_form": saved}
        else:
            context = {
                "editing": True,
                "summary_form": form,
                "stale": outcome.message if outcome.stale else None,
            }
        context = plan_context(request, outcome.saved or plan, tab="overview") | context
        return render(request, "planning/partials/summary.html", context, status=outcome.status)

    def back() -> HttpResponse:  # a plain form post: only a stale version is said (its form is gone)
        if outcome.stale:
            messages.error(request, outcome.message)
        return redirect(_plan_url(plan))

    return editing.row(request, outcome, shown=shown, page=back, to=_plan_url(plan), done="Summary saved.")


@login_required
@require_POST
def plan_transition(request: HttpRequest, plan_id: int, name: str) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    form = TransitionForm(request.POST)
    outcome = editing.submit(
        form,
        lambda: services.plan_transition(actor=request.user, plan=plan, name=name, **form.cleaned_data),
        invalid="The form was incomplete; reload the page and try again.",
    )
    done = lambda plan: f"{plan}: {services.TRANSITIONS[name].done}."  # noqa: E731
    return editing.action(request, outcome, done=done, to=_plan_url(plan))


@login_required
@require_safe
def plan_history(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    page = Paginator(selectors.plan_history(plan=plan), settings.AOP_PAGE_SIZE * 2).get_page(
        request.GET.get("page")
    )
    return render(
        request, "planning/history.html", plan_context(request, plan, tab="history") | {"page": page}
    )


@login_required
@require_safe
def plan_revision(request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    revision = selectors.plan_revision_get(plan=plan, number=number)
    context = plan_context(request, plan, tab="overview") | {
        "revision": revision,
        "header": revision.snapshot.get("plan", {}),
        "sections": revision.snapshot.get("sections", {}),
        "current_url": reverse("planning:plan", kwargs={"plan_id": plan.pk}),
    }
    return render(request, "planning/revision.html", context)
