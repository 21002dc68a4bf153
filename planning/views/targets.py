"""The targets tab: the cascade and its grid (edit, export, import), phasing, bottom-up numbers and
capacity."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST, require_safe

from core import editing
from core.exceptions import InvalidTransitionError
from orgs import permissions
from orgs.models import FiscalCalendar
from planning import bottom_up, capacity, forms, gridfile, selectors, services
from planning import cascade as target_cascade
from planning import grid as target_grid
from planning import traceability as trace
from planning.kinds import KINDS
from planning.models import Plan, PlanningSettings, TargetSubmission
from planning.views.plan import plan_context


def targets_context(request: HttpRequest, plan: Plan) -> dict:
    kind = KINDS["targets"]
    grid = target_grid.grid(plan)
    rules = FiscalCalendar.load().rules
    own = bottom_up.bottom_up(plan)
    cap_rows, cap_total = capacity.capacity(plan)
    return {
        "subtab": "targets",
        "kind": kind,
        "target_rows": list(kind.rows(plan)),
        "grid": grid,
        "periods": rules.periods(plan.fiscal_year),
        "phased": target_cascade.phasing(plan, grid.target),
        "buffer_warning": target_cascade.buffer_warning(grid.buffer_percent),
        "cascade_form": forms.CascadeForm(
            initial={
                "version": plan.version,
                "cascade_method": plan.cascade_method,
                "cascade_level": plan.cascade_level,
                "buffer_percent": plan.buffer_percent,
            }
        ),
        "phasing_form": forms.PhasingForm(
            plan=plan, initial={"version": plan.version, "seasonality": plan.seasonality}
        ),
        "grid_import_form": forms.GridImportForm(auto_id="grid-%s"),
        "default_buffer": PlanningSettings.load().default_buffer_percent,
        "bottom_up": own,
        "own_form": forms.SubmissionForm(
            initial={"version": own.own.version, "amount": own.own.amount, "note": own.own.note}
            if own.own
            else {"amount": own.approved_total or None}
        ),
        "can_decide": plan.org_unit.children.exists()
        and permissions.has_role(request.user, plan.org_unit, permissions.EDIT_PLAN),
        "can_submit_own": plan.org_unit.parent_id is not None
        and permissions.has_role(request.user, plan.org_unit, permissions.EDIT_PLAN),
        "capacity_rows": cap_rows,
        "capacity_total": cap_total,
        "import_form": forms.GridImportForm(),
        "orphans": list(trace.orphan_targets(plan)),
    }


@login_required
@require_safe
def targets_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    context = plan_context(request, plan, tab="alignment") | targets_context(request, plan)
    return render(request, "planning/targets.html", context)


def _targets_url(plan: Plan, anchor: str = "") -> str:
    return reverse("planning:targets", kwargs={"plan_id": plan.pk}) + (f"#{anchor}" if anchor else "")


def _back_to_targets(plan: Plan, anchor: str = "") -> HttpResponse:
    return redirect(_targets_url(plan, anchor))


@login_required
@require_POST
def cascade(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    form = forms.CascadeForm(request.POST)
    outcome = editing.submit(
        form,
        lambda: target_cascade.cascade_run(
            actor=request.user,
            plan=plan,
            version=form.cleaned_data["version"],
            method=form.cleaned_data["cascade_method"],
            level=form.cleaned_data["cascade_level"],
            buffer_percent=form.cleaned_data["buffer_percent"],
        ),
        invalid=lambda form: "Check the cascade settings: " + editing.form_text(form, sep="; "),
    )
    done = lambda rows: f"Target cascaded over {len(rows)} rows."  # noqa: E731
    return editing.action(request, outcome, done=done, to=_targets_url(plan, "cascade"))


@login_required
@require_POST
def phasing(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    form = forms.PhasingForm(request.POST, plan=plan)
    outcome = editing.submit(
        form,  # version and seasonality: what plan_update takes
        lambda: services.plan_update(actor=request.user, plan=plan, **form.cleaned_data),
        invalid=lambda form: editing.form_text(form, sep="; "),
    )
    done = "Phasing profile saved. Re-run the cascade to re-phase the grid."
    return editing.action(request, outcome, done=done, to=_targets_url(plan, "phasing"))


@login_required
@require_POST
def allocation_row(request: HttpRequest, plan_id: int, pk: int) -> HttpResponse:
    """Save one row of the cascade grid (htmx: on every change of a cell)."""
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    rows = {r.pk: r for r in target_grid.allocation_rows(plan)}
    row = rows.get(pk)
    if row is None:
        raise Http404("No such row in this plan's grid.")
    form = forms.AllocationRowForm(request.POST)
    outcome = editing.submit(
        form,
        lambda: target_grid.allocation_update(
            actor=request.user,
            allocation=row,
            version=form.cleaned_data["version"],
            months=form.months,
            weight=form.cleaned_data["weight"],
        ),
        invalid=lambda form: editing.form_text(form, sep="; "),
        refused=409,  # the grid refuses a row it cannot take as a conflict: reload the grid
    )

    def shown() -> HttpResponse:
        shown = next(r for r in target_grid.allocation_rows(plan) if r.pk == pk)
        if not outcome.ok:
            shown.posted = [request.POST.get(f"m{i}", "") for i in range(1, 13)]
            shown.posted_weight = request.POST.get("weight", "")
        context = {"row": shown, "row_error": outcome.message, "error_row": pk}
        context = plan_context(request, plan, tab="alignment") | context
        return render(request, "planning/partials/grid_row.html", context, status=outcome.status)

    return editing.row(
        request,
        outcome,
        shown=shown,
        to=_targets_url(plan, "cascade"),
        done=f"{row.recipient}: saved.",
        failed=f"{row.recipient}: ",
        trigger="grid-changed",
    )


@login_required
@require_GET
def grid_totals(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The grid's footer: month totals and how the rows compare with target × (1 + buffer)."""
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    context = plan_context(request, plan, tab="alignment") | {"grid": target_grid.grid(plan)}
    return render(request, "planning/partials/grid_totals.html", context)


@login_required
@require_GET
def grid_export(request: HttpRequest, plan_id: int, fmt: str) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    rules = FiscalCalendar.load().rules
    data = gridfile.table(plan, target_grid.allocation_rows(plan), rules)
    stem = f"{plan.org_unit.code}-FY{plan.fiscal_year}-targets"
    if fmt == "csv":
        response = HttpResponse(gridfile.to_csv(data), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            gridfile.to_xlsx(data, f"FY{plan.fiscal_year} targets"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404("Export as csv or xlsx.")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


@login_required
@require_POST
def grid_import(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    form = forms.GridImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to import.")
        return _back_to_targets(plan, "cascade")
    rules = FiscalCalendar.load().rules
    try:
        rows = gridfile.read_rows(
            form.cleaned_data["file"],
            rules,
            plan.fiscal_year,
            number_format=form.cleaned_data["number_format"],
        )
        changed = target_grid.grid_import(actor=request.user, plan=plan, rows=rows)
    except target_grid.GridImportError as exc:
        context = plan_context(request, plan, tab="alignment") | targets_context(request, plan)
        context["import_errors"] = exc.errors
        context["import_name"] = form.cleaned_data["file"].name
        return render(request, "planning/targets.html", context, status=400)
    except (ValidationError, InvalidTransitionError) as exc:
        messages.error(request, editing.error_text(exc))
    else:
        messages.success(request, f"Imported: {changed} row(s) changed, {len(rows) - changed} unchanged.")
    return _back_to_targets(plan, "cascade")


@login_required
@require_POST
def submission(request: HttpRequest, plan_id: int, action: str) -> HttpResponse:
    """The unit's own bottom-up number: save it, or submit it to the parent unit."""
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    if action == "save":
        form = forms.SubmissionForm(request.POST)
        outcome = editing.submit(
            form,
            lambda: bottom_up.submission_save(
                actor=request.user,
                plan=plan,
                version=form.cleaned_data["version"],
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
            ),
        )
        done = "Bottom-up number saved as a draft."
    elif action == "submit":
        own = get_object_or_404(TargetSubmission, plan=plan)
        version = request.POST.get("version", 0)
        outcome = editing.submit(
            None,
            lambda: bottom_up.submission_submit(actor=request.user, submission=own, version=int(version)),
        )
        done = f"Bottom-up number submitted to {plan.org_unit.parent}."
    else:
        raise Http404("No such action.")
    return editing.action(request, outcome, done=done, to=_targets_url(plan, "bottom-up"))


@login_required
@require_POST
def submission_decide(request: HttpRequest, plan_id: int, child_plan_id: int) -> HttpResponse:
    """The parent's decision on a child unit's submitted number."""
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    child = get_object_or_404(
        TargetSubmission.objects.select_related("plan__org_unit"),
        plan_id=child_plan_id,
        plan__org_unit__parent=plan.org_unit,
        plan__fiscal_year=plan.fiscal_year,
    )
    form = forms.DecisionForm(request.POST)
    approve = lambda: form.cleaned_data["decision"] == "approve"  # noqa: E731
    outcome = editing.submit(
        form,
        lambda: bottom_up.submission_decide(
            actor=request.user,
            submission=child,
            version=form.cleaned_data["version"],
            approve=approve(),
            comment=form.cleaned_data["comment"],
        ),
    )
    verb = "approved; it now counts in the rollup" if outcome.ok and approve() else "sent back"
    unit = child.plan.org_unit
    done = f"{unit}'s number {verb}."
    return editing.action(request, outcome, done=done, to=_targets_url(plan, "bottom-up"), failed=f"{unit}: ")
