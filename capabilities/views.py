"""Step 2 pages: a plan's assessment sheet with its charts and roadmap, and the company catalogue."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from capabilities import charts, selectors, services
from capabilities.forms import AssessmentRowForm, CapabilityForm
from capabilities.hooks import ACTIONS
from capabilities.models import CRITICALITY, MATURITY, Capability
from core import editing
from orgs import permissions
from planning import selectors as plan_selectors
from planning.views.plan import plan_context

CHOICES = {"maturity_choices": MATURITY, "criticality_choices": CRITICALITY}
KEEPERS_ONLY = "Only company-level sales ops keep the capability catalogue."


def summary_context(plan) -> dict:
    rows = selectors.assessment_list(plan)
    ranked = selectors.assessment_gaps_ranked(rows)
    return {
        "assessed": rows,
        "ranked": ranked,
        "unaddressed": [a for a in ranked if selectors.assessment_is_unaddressed(a)],
        "heatmap": charts.heatmap(selectors.assessment_heatmap_get(rows)),
        "gap_chart": charts.gap_chart(ranked),
    }


@login_required
@require_safe
def plan_tab(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    context = plan_context(request, plan, tab="capabilities") | summary_context(plan)
    context |= CHOICES | {
        "sheet": selectors.assessment_sheet_get(plan, context["assessed"]),
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
    existing = next((a for a in selectors.assessment_list(plan) if a.capability_id == capability.pk), None)
    if existing is None and form.incomplete():
        note = "Not saved yet: choose current maturity, target and criticality."
        outcome = editing.Outcome(form, message=note)  # nothing to save yet: said, not refused (200)
    else:
        outcome = editing.submit(
            form,
            lambda: services.assessment_save(
                actor=request.user,
                plan=plan,
                capability=capability,
                **editing.versioned(form),
            ),
            invalid=lambda form: editing.form_text(form, labels=None),
        )

    def shown() -> HttpResponse:
        rows = selectors.assessment_list(plan)
        row = next(r for r in selectors.assessment_sheet_get(plan, rows) if r.capability.pk == capability.pk)
        if not outcome.ok:
            row.posted = request.POST
        error, note = (outcome.message, "") if outcome.status != 200 else ("", outcome.message)
        context = plan_context(request, plan, tab="capabilities") | CHOICES
        context |= {"row": row, "row_error": error, "row_note": note}
        return render(request, "capabilities/partials/sheet_row.html", context, status=outcome.status)

    return editing.row(
        request,
        outcome,
        shown=shown,
        to=reverse("capabilities:plan", kwargs={"plan_id": plan.pk}),
        done=f"{capability}: saved.",
        failed=f"{capability}: ",
        trigger="assessment-changed",
    )


@login_required
@require_http_methods(["GET", "POST"])
def catalogue(request: HttpRequest) -> HttpResponse:
    can_edit = permissions.is_company_ops(request.user)
    form = CapabilityForm(request.POST or None)
    if request.method == "POST":
        editing.permit(can_edit, KEEPERS_ONLY)
        outcome = editing.submit(
            form,
            lambda: services.capability_create(actor=request.user, values=editing.values(form.cleaned_data)),
        )
        added = lambda capability: f"“{capability}” added to the catalogue."  # noqa: E731
        if response := editing.page(request, outcome, done=added, to=reverse("capability-catalogue")):
            return response
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
        editing.permit(can_edit, KEEPERS_ONLY)
        form = CapabilityForm(request.POST, instance=Capability.objects.get(pk=capability.pk))
        outcome = editing.submit(
            form,
            lambda: services.capability_update(
                actor=request.user, capability=capability, **editing.versioned(form)
            ),
        )
        saved = lambda _: f"“{form.cleaned_data['name']}” saved."  # noqa: E731
        if response := editing.page(request, outcome, done=saved, to=reverse("capability-catalogue")):
            return response
    return render(
        request,
        "capabilities/capability.html",
        {"capability": capability, "form": form, "can_edit": can_edit},
    )
