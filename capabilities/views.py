"""Step 2 pages: a plan's assessment sheet with its charts and roadmap, and the company catalogue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from capabilities import charts, selectors, services
from capabilities.forms import AssessmentRowForm, CapabilityForm
from capabilities.hooks import ACTIONS
from capabilities.models import CRITICALITY, MATURITY, Capability
from core.exceptions import InvalidTransitionError, StaleVersionError
from orgs import permissions
from planning import selectors as plan_selectors
from planning.views import _add_errors, plan_context

CHOICES = {"maturity_choices": MATURITY, "criticality_choices": CRITICALITY}


def summary_context(plan) -> dict:
    rows = selectors.assessments(plan)
    ranked = selectors.ranked_gaps(rows)
    return {
        "assessed": rows,
        "ranked": ranked,
        "unaddressed": [a for a in ranked if selectors.is_unaddressed(a)],
        "heatmap": charts.heatmap(selectors.heatmap(rows)),
        "gap_chart": charts.gap_chart(ranked),
    }


@login_required
@require_safe
def plan_tab(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    context = plan_context(request, plan, tab="capabilities") | summary_context(plan)
    context |= CHOICES | {
        "sheet": selectors.sheet(plan, context["assessed"]),
        "kind": ACTIONS,
        "rows": list(ACTIONS.rows(plan)),
        "catalogue_size": Capability.objects.filter(active=True).count(),
    }
    return render(request, "capabilities/assessment.html", context)


@login_required
@require_GET
def summary(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The ranked gaps and charts, reloaded after an edit of the sheet."""
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    context = plan_context(request, plan, tab="capabilities") | summary_context(plan)
    return render(request, "capabilities/partials/summary.html", context)


@login_required
@require_POST
def assessment_row(request: HttpRequest, plan_id: int, capability_id: int) -> HttpResponse:
    """Save one capability's row of the sheet (htmx: on every change)."""
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    capability = get_object_or_404(Capability, pk=capability_id)
    form = AssessmentRowForm(request.POST)
    note, error, status = "", "", 200
    existing = next((a for a in selectors.assessments(plan) if a.capability_id == capability.pk), None)
    if existing is None and form.incomplete():
        note = "Not saved yet: choose current maturity, target and criticality."
    elif form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.assessment_save(
                actor=request.user,
                plan=plan,
                capability=capability,
                version=form.cleaned_data["version"],
                values=values,
            )
        except StaleVersionError as exc:
            error, status = str(exc), 409
        except (ValidationError, InvalidTransitionError) as exc:
            error, status = " ".join(getattr(exc, "messages", [str(exc)])), 422
    else:
        error, status = " ".join(e for errors in form.errors.values() for e in errors), 422
    if not request.htmx:
        (messages.error if error or note else messages.success)(
            request, f"{capability}: {error or note or 'saved.'}"
        )
        return redirect("capabilities:plan", plan_id=plan.pk)
    rows = selectors.assessments(plan)
    row = next(r for r in selectors.sheet(plan, rows) if r.capability.pk == capability.pk)
    if error or note:
        row.posted = request.POST
    context = plan_context(request, plan, tab="capabilities") | CHOICES
    context |= {"row": row, "row_error": error, "row_note": note}
    response = render(request, "capabilities/partials/sheet_row.html", context, status=status)
    if not (error or note):
        response["HX-Trigger"] = "assessment-changed"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def catalogue(request: HttpRequest) -> HttpResponse:
    can_edit = permissions.is_company_ops(request.user)
    form = CapabilityForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only company-level sales ops keep the capability catalogue.")
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                capability = services.capability_create(actor=request.user, values=values)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, f"“{capability}” added to the catalogue.")
                return redirect("capability-catalogue")
    capabilities = Capability.objects.order_by("category", "name")
    return render(
        request,
        "capabilities/catalogue.html",
        {"capabilities": capabilities, "form": form, "can_edit": can_edit},
    )


@login_required
@require_http_methods(["GET", "POST"])
def capability_detail(request: HttpRequest, capability_id: int) -> HttpResponse:
    capability = get_object_or_404(Capability, pk=capability_id)
    can_edit = permissions.is_company_ops(request.user)
    form = CapabilityForm(instance=capability)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only company-level sales ops keep the capability catalogue.")
        form = CapabilityForm(request.POST, instance=Capability.objects.get(pk=capability.pk))
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                services.capability_update(
                    actor=request.user,
                    capability=capability,
                    version=form.cleaned_data["version"],
                    values=values,
                )
            except StaleVersionError as exc:
                messages.error(request, str(exc))
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, f"“{values['name']}” saved.")
                return redirect("capability-catalogue")
    return render(
        request,
        "capabilities/capability.html",
        {"capability": capability, "form": form, "can_edit": can_edit},
    )
