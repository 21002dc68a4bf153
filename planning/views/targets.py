"""The targets tab: the cascade and its grid (edit, export, import), phasing, bottom-up numbers and
capacity."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST, require_safe

from core import editing, replica
from core.exceptions import InvalidTransitionError
from orgs import permissions
from orgs.models import FiscalCalendar
from planning import bottom_up, capacity, forms, gridfile, selectors, services
from planning import cascade as target_cascade
from planning import grid as target_grid
from planning import traceability as trace
from planning.kinds import KINDS
from planning.models import Plan, PlanningSettings, TargetAllocation, TargetSubmission
from planning.sheets import CascadeSheet
from planning.views import confirm
from planning.views.plan import can_edit, plan_context


def targets_context(request: HttpRequest, plan: Plan) -> dict:
    kind = KINDS["targets"]
    grid = target_grid.grid(plan)
    rules = FiscalCalendar.current_rules()
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
        "undo": confirm.undo_offers(request, plan, grid.rows),
        "cascade_sheet": CascadeSheet(plan, can_edit=can_edit(request, plan), grid=grid),
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
    """Run the cascade. Over a grid that has rows it asks first: a post without `confirm=1` writes nothing
    and shows what would change (planning.views.confirm), whose "Replace the grid" posts again with it."""
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    form = forms.CascadeForm(request.POST)
    confirmed = request.POST.get("confirm") == "1"
    if form.is_valid() and not confirmed and TargetAllocation.objects.filter(plan=plan).exists():
        return confirm.cascade_confirm(request, plan, form)
    outcome = editing.submit(
        form,
        lambda: target_cascade.cascade_replace(
            actor=request.user,
            plan=plan,
            version=form.cleaned_data["version"],
            method=form.cleaned_data["cascade_method"],
            level=form.cleaned_data["cascade_level"],
            buffer_percent=form.cleaned_data["buffer_percent"],
            grid_seen=request.POST.get("grid", "") if confirmed else None,
        ),
        invalid=lambda form: "Check the cascade settings: " + editing.form_text(form, sep="; "),
    )
    if outcome.stale and confirmed:  # the grid or the plan moved since the confirmation: ask again
        return confirm.cascade_confirm(request, plan, form, changed=True)
    done = lambda cascaded: confirm.cascade_done(request, plan, cascaded)  # noqa: E731
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
@require_GET
def grid_export(request: HttpRequest, plan_id: int, fmt: str) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    rules = FiscalCalendar.current_rules()
    with replica.reporting():
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
    """Import the grid from a file, all or nothing. Over values already in the grid it asks first
    (planning.views.confirm); either way the import can be undone."""
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    form = forms.GridImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to import.")
        return _back_to_targets(plan, "cascade")
    rules = FiscalCalendar.current_rules()
    try:
        services.ensure_plan_editable(plan=plan, actor=request.user)
        rows = gridfile.read_rows(
            form.cleaned_data["file"],
            rules,
            plan.fiscal_year,
            number_format=form.cleaned_data["number_format"],
        )
        read = target_grid.grid_import_preview(plan=plan, rows=rows)
    except target_grid.GridImportError as exc:
        context = plan_context(request, plan, tab="alignment") | targets_context(request, plan)
        context["import_errors"] = exc.errors
        context["import_name"] = form.cleaned_data["file"].name
        return render(request, "planning/targets.html", context, status=400)
    except (ValidationError, InvalidTransitionError) as exc:
        messages.error(request, editing.error_text(exc))
        return _back_to_targets(plan, "cascade")
    changes = [change for change in read if change.changed]
    name = form.cleaned_data["file"].name
    return confirm.grid_import_ask_or_apply(request, plan, name, changes, len(read) - len(changes))


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
