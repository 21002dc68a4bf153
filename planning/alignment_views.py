"""Step 1 pages: the alignment tab (objectives … risks, edited in place), the targets tab (cascade
grid, phasing, bottom-up, capacity), long-term goals, and the company's planning settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from core import editing
from core.exceptions import InvalidTransitionError
from orgs import permissions
from orgs.models import FiscalCalendar, OrgUnit
from planning import bottom_up, capacity, content, forms, gridfile, seasonality, selectors, services
from planning import cascade as target_cascade
from planning import goals as long_term_goals
from planning import grid as target_grid
from planning import traceability as trace
from planning.kinds import KINDS, Kind
from planning.models import (
    LongTermGoal,
    Objective,
    Plan,
    PlanningSettings,
    SeasonalityProfile,
    TargetSubmission,
)
from planning.views import plan_context

REFRESH = "alignment-changed"  # htmx event: panels that summarise the plan reload themselves


def _kind(slug: str) -> Kind:
    if slug not in KINDS:
        raise Http404("No such section.")
    return KINDS[slug]


def _refreshing(response: HttpResponse) -> HttpResponse:
    response["HX-Trigger"] = REFRESH
    return response


# --- The alignment tab ----------------------------------------------------------------------------


STEP1_PAGE = 50  # rows of one Step 1 table per page: a plan of hundreds of items stays quick and short
TRACE_SHOWN = 10  # names listed in each traceability list; the badge gives the count


def alignment_context(plan: Plan, request: HttpRequest | None = None) -> dict:
    """The Step 1 tables, a page of each (`?<kind>_page=N`), with the plan's weight total and goals."""
    sections = []
    for kind in KINDS.values():
        if kind.page == "planning:alignment":
            param = f"{kind.slug}_page"
            rows = kind.rows(plan)
            rows = rows if rows.ordered else rows.order_by("pk")  # the order they were entered in
            page = Paginator(rows, STEP1_PAGE).get_page(request.GET.get(param) if request else 1)
            page.pager = _pager(request, param, page)
            sections.append((kind, page))
    weight_total = Objective.objects.filter(plan=plan).aggregate(total=Sum("weight"))["total"]
    return {
        "sections": sections,
        "weight_total": weight_total or 0,
        "weights_off": weight_total is not None and weight_total != 100,
        "goals": long_term_goals.goals_for_plan(plan=plan),
    } | trace_context(plan)


def _pager(request: HttpRequest | None, param: str, page) -> dict | None:
    """Links to a table's previous and next pages, keeping the other tables' pages."""
    if request is None or page.paginator.num_pages < 2:
        return None

    def link(number: int) -> str:
        query = request.GET.copy()
        query[param] = number
        return f"?{query.urlencode()}#{param[: -len('_page')]}"

    return {
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "next": link(page.next_page_number()) if page.has_next() else None,
    }


def trace_context(plan: Plan) -> dict:
    orphans, unfunded = trace.orphan_targets(plan), trace.unfunded_objectives(plan)
    orphan_count, unfunded_count = orphans.count(), unfunded.count()
    return {
        "orphans": list(orphans[:TRACE_SHOWN]),
        "orphan_count": orphan_count,
        "orphans_more": max(orphan_count - TRACE_SHOWN, 0),
        "unfunded": list(unfunded[:TRACE_SHOWN]),
        "unfunded_count": unfunded_count,
        "unfunded_more": max(unfunded_count - TRACE_SHOWN, 0),
        "funding_labels": [rule.label for rule in trace.objective_funding()],
    }


@login_required
@require_safe
def alignment(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    context = plan_context(request, plan, tab="alignment") | alignment_context(plan, request)
    context["subtab"] = "alignment"
    return render(request, "planning/alignment.html", context)


@login_required
@require_GET
def traceability(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    return render(request, "planning/partials/traceability.html", {"plan": plan} | trace_context(plan))


def _row_response(request, plan, kind, *, form=None, obj=None, status=200, stale="", editing=False):
    context = plan_context(request, plan, tab=kind.tab) | {
        "kind": kind,
        "form": form,
        "obj": obj,
        "stale": stale,
        "editing": editing,
    }
    if request.htmx:
        template = "planning/partials/edit_row.html" if editing else kind.template
        return render(request, template, context, status=status)
    return render(request, "planning/content_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def content_new(request: HttpRequest, plan_id: int, kind: str) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    kind = _kind(kind)
    instance = kind.model(plan=plan)
    if request.method == "GET":
        if request.htmx and request.GET.get("cancel"):
            return HttpResponse("")
        if not plan_context(request, plan, tab=kind.tab)["can_edit"]:
            raise PermissionDenied("This plan is not open to you for editing.")
        return _row_response(request, plan, kind, form=kind.form(plan=plan, instance=instance), editing=True)
    form = kind.form(request.POST, plan=plan, instance=instance)
    outcome = editing.submit(form, lambda: _create(request, plan, kind, form))
    added = lambda obj: f"{kind.singular.capitalize()} “{obj}” added."  # noqa: E731
    return _content_answer(request, plan, kind, outcome, form=form, done=added)


def _create(request: HttpRequest, plan: Plan, kind: Kind, form):
    if kind.create:
        return kind.create(actor=request.user, plan=plan, form=form)
    values, m2m = form.split()
    return content.content_create(actor=request.user, plan=plan, model=kind.model, values=values, m2m=m2m)


def _content_answer(request, plan, kind, outcome, *, form, done, obj=None) -> HttpResponse:
    """A content row once posted: saved, the row (htmx) or the section's page; refused, the form again
    (the edit row, or the page of its own), with the latest values if someone else's edit came first."""

    def shown() -> HttpResponse:
        if outcome.ok:
            return _row_response(request, plan, kind, obj=kind.rows(plan).get(pk=outcome.saved.pk))
        stale = outcome.message if outcome.stale else ""
        context = {"form": form, "obj": obj, "status": outcome.status, "stale": stale}
        return _row_response(request, plan, kind, editing=True, **context)

    to = _section_url(plan, kind)
    return editing.row(request, outcome, shown=shown, page=shown, to=to, done=done, trigger=REFRESH)


def _section_url(plan: Plan, kind: Kind) -> str:
    return reverse(kind.page, kwargs={"plan_id": plan.pk}) + f"#{kind.slug}"


@login_required
@require_http_methods(["GET", "POST"])
def content_item(request: HttpRequest, plan_id: int, kind: str, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    kind = _kind(kind)
    obj = get_object_or_404(kind.rows(plan), pk=pk)
    can_edit = plan_context(request, plan, tab=kind.tab)["can_edit"]
    if request.method == "GET":
        with_form = can_edit and (request.GET.get("edit") == "1" or not request.htmx)
        form = kind.form(plan=plan, instance=obj) if with_form else None
        return _row_response(request, plan, kind, form=form, obj=obj, editing=with_form)
    form = kind.form(request.POST, plan=plan, instance=kind.model.objects.get(pk=obj.pk))
    outcome = editing.submit(form, lambda: _update(request, obj, form))
    done = f"{kind.singular.capitalize()} “{obj}” saved."
    if outcome.stale:  # the form shows the saved values to redo the edit on
        obj = kind.rows(plan).get(pk=pk)
        form = kind.form(plan=plan, instance=obj)
    return _content_answer(request, plan, kind, outcome, form=form, done=done, obj=obj)


def _update(request: HttpRequest, obj, form):
    values, m2m = form.split()
    version = form.cleaned_data["version"]
    return content.content_update(actor=request.user, instance=obj, version=version, values=values, m2m=m2m)


@login_required
@require_POST
def content_delete(request: HttpRequest, plan_id: int, kind: str, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    kind = _kind(kind)
    obj = get_object_or_404(kind.model.objects.filter(plan=plan), pk=pk)
    version = request.POST.get("version", 0)
    outcome = editing.submit(
        None, lambda: content.content_delete(actor=request.user, instance=obj, version=int(version))
    )
    editing.report(request, outcome, done=f"{kind.singular.capitalize()} “{obj}” removed.")
    if request.htmx and outcome.ok:
        return _refreshing(HttpResponse(""))
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = _section_url(plan, kind)
        return response
    return redirect(_section_url(plan, kind))


# --- The targets tab ------------------------------------------------------------------------------


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


# --- Long-term goals ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def goals(request: HttpRequest) -> HttpResponse:
    units = OrgUnit.objects.with_role(request.user, permissions.CREATE_PLAN)
    form = forms.GoalForm(request.POST or None)
    form.fields["org_unit"] = _unit_field(units)
    if request.method == "POST":
        outcome = editing.submit(form, lambda: _goal_create(request, form))
        added = lambda goal: f"Long-term goal “{goal}” added; now set its yearly milestones."  # noqa: E731
        if response := editing.page(request, outcome, done=added, to=_goal_url):
            return response
    goal_list = (
        LongTermGoal.objects.visible_with_ancestors(request.user)
        .select_related("org_unit")
        .order_by("org_unit__path", "start_year")
    )
    return render(
        request, "planning/goals.html", {"goals": goal_list, "form": form, "can_create": units.exists()}
    )


def _goal_create(request: HttpRequest, form: forms.GoalForm) -> LongTermGoal:
    values = editing.values(form.cleaned_data)
    return long_term_goals.goal_create(actor=request.user, org_unit=values.pop("org_unit"), values=values)


def _goal_url(goal: LongTermGoal) -> str:
    return reverse("planning:goal", kwargs={"goal_id": goal.pk})


def _unit_field(units):
    from django import forms as django_forms

    field = django_forms.ModelChoiceField(queryset=units, label="Org unit")
    field.label_from_instance = lambda unit: f"{'— ' * (unit.depth - 1)}{unit.name}"
    return field


@login_required
@require_http_methods(["GET", "POST"])
def goal_detail(request: HttpRequest, goal_id: int) -> HttpResponse:
    # A team reads the goals of the units above it: its plans show them as where they are heading.
    goal = get_object_or_404(
        LongTermGoal.objects.visible_with_ancestors(request.user).select_related("org_unit"), pk=goal_id
    )
    can_edit = permissions.has_role(request.user, goal.org_unit, permissions.CREATE_PLAN)
    form = forms.GoalForm(instance=goal)
    if request.method == "POST":
        editing.permit(can_edit, "Only sales leaders and sales ops of this unit can change this goal.")
        if request.POST.get("delete"):
            version = request.POST.get("version", 0)
            outcome = editing.submit(
                None, lambda: long_term_goals.goal_delete(actor=request.user, goal=goal, version=int(version))
            )
            done = f"Long-term goal “{goal}” removed."
            return editing.page(
                request, outcome, done=done, to=reverse("planning:goals"), stale_to=_goal_url(goal)
            )
        form = forms.GoalForm(request.POST, instance=LongTermGoal.objects.get(pk=goal.pk))
        outcome = editing.submit(
            form,
            lambda: long_term_goals.goal_update(
                actor=request.user,
                goal=goal,
                version=form.cleaned_data["version"],
                values=_with_milestones(request, form.cleaned_data),
            ),
        )
        if response := editing.page(request, outcome, done="Goal saved.", to=_goal_url(goal)):
            return response
    milestones = [(y, goal.milestone_for(y)) for y in goal.years]
    return render(
        request,
        "planning/goal.html",
        {
            "goal": goal,
            "form": form,
            "can_edit": can_edit,
            "milestones": milestones,
            "objectives": goal.objectives.visible_to(request.user)  # those of units the user reads
            .select_related("plan__org_unit")
            .order_by("-plan__fiscal_year"),
            "this_year": FiscalCalendar.load().rules.fiscal_year_of(timezone.localdate()),
        },
    )


def _with_milestones(request: HttpRequest, data: dict) -> dict:
    """The goal's fields and the milestone posted for each year it spans."""
    values = editing.values(data)
    years = range(values["start_year"], values["end_year"] + 1)
    values["milestones"] = {str(y): request.POST.get(f"milestone_{y}", "").strip() for y in years}
    return values


# --- Company planning settings and seasonality profiles -------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def planning_settings(request: HttpRequest) -> HttpResponse:
    current = PlanningSettings.load()
    can_edit = permissions.is_company_ops(request.user)
    ops_units = OrgUnit.objects.with_role(request.user, permissions.MANAGE_ORG)
    settings_form = forms.SettingsForm(instance=current)
    profile_form = forms.ProfileForm(prefix="new")
    profile_form.fields["org_unit"] = _unit_field(ops_units)
    derive_form = forms.DeriveProfileForm(prefix="derive")
    derive_form.fields["org_unit"] = _unit_field(ops_units)
    if request.method == "POST":
        which, outcome, done = request.POST.get("form"), None, ""
        if which == "settings":
            form = settings_form = forms.SettingsForm(request.POST, instance=PlanningSettings(pk=current.pk))
            outcome = editing.submit(
                form,
                lambda: seasonality.settings_update(actor=request.user, **editing.versioned(form)),
            )
            done = "Planning defaults saved."
        elif which == "profile":
            form = profile_form = forms.ProfileForm(request.POST, prefix="new")
            form.fields["org_unit"] = _unit_field(ops_units)
            outcome = editing.submit(form, lambda: _profile_create(request, form.cleaned_data))
            done = lambda _: f"Seasonality profile “{form.cleaned_data['name']}” added."  # noqa: E731
        elif which == "derive":
            form = derive_form = forms.DeriveProfileForm(request.POST, prefix="derive")
            form.fields["org_unit"] = _unit_field(ops_units)
            outcome = editing.submit(form, lambda: _profile_derive(request, form.cleaned_data))
            done = lambda _: f"Seasonality profile “{form.cleaned_data['name']}” derived from actuals."  # noqa: E731
        back = reverse("planning:settings")
        if outcome and (response := editing.page(request, outcome, done=done, to=back, stale_to=back)):
            return response
    profiles = SeasonalityProfile.objects.visible_to(request.user).select_related("org_unit")
    return render(
        request,
        "planning/settings.html",
        {
            "current": current,
            "can_edit": can_edit,
            "can_manage_profiles": ops_units.exists(),
            "settings_form": settings_form,
            "profile_form": profile_form,
            "derive_form": derive_form,
            "profiles": profiles,
            "months": forms.MONTH_ABBR[1:],
        },
    )


def _profile_values(data: dict) -> dict:
    return {"name": data["name"], "note": data["note"], "weights": data["weights"]}


def _profile_create(request: HttpRequest, data: dict) -> SeasonalityProfile:
    values = _profile_values(data)
    return seasonality.profile_create(actor=request.user, org_unit=data["org_unit"], values=values)


def _profile_derive(request: HttpRequest, data: dict) -> SeasonalityProfile:
    values = seasonality.profile_values_from_actuals(data["actuals"]) | {"name": data["name"]}
    return seasonality.profile_create(actor=request.user, org_unit=data["org_unit"], values=values)


@login_required
@require_http_methods(["GET", "POST"])
def profile_detail(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = get_object_or_404(
        SeasonalityProfile.objects.visible_to(request.user).select_related("org_unit"), pk=profile_id
    )
    can_edit = permissions.has_role(request.user, profile.org_unit, permissions.MANAGE_ORG)
    form = forms.ProfileForm(instance=profile)
    if request.method == "POST":
        editing.permit(can_edit, "Only sales ops of this unit can change this profile.")
        back = reverse("planning:profile", kwargs={"profile_id": profile.pk})
        if request.POST.get("delete"):
            version = request.POST.get("version", 0)
            outcome = editing.submit(
                None,
                lambda: seasonality.profile_delete(actor=request.user, profile=profile, version=int(version)),
            )
            done = f"Profile “{profile}” removed."
            return editing.page(request, outcome, done=done, to=reverse("planning:settings"), stale_to=back)
        form = forms.ProfileForm(request.POST, instance=SeasonalityProfile.objects.get(pk=profile.pk))
        outcome = editing.submit(
            form,
            lambda: seasonality.profile_update(
                actor=request.user,
                profile=profile,
                version=form.cleaned_data["version"],
                values=_profile_values(form.cleaned_data),
            ),
        )
        done = "Profile saved. Plans using it re-phase when their cascade is re-run."
        if response := editing.page(request, outcome, done=done, to=back, stale_to=back):
            return response
    used_by = Plan.objects.visible_to(request.user).filter(seasonality=profile).select_related("org_unit")
    return render(
        request,
        "planning/profile.html",
        {"profile": profile, "form": form, "can_edit": can_edit, "used_by": used_by},
    )
