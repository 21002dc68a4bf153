"""Pages outside any one plan: a unit's long-term goals, its seasonality profiles and the company's
planning and display settings."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core import editing
from core.models import DisplaySettings
from orgs import permissions
from orgs.models import FiscalCalendar, OrgUnit
from planning import forms, seasonality
from planning import goals as long_term_goals
from planning.display import display_settings_update
from planning.models import LongTermGoal, Plan, PlanningSettings, SeasonalityProfile

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
    # The goals the plans show: those of the user's units and of the units above them (the company's).
    goal_list = list(
        LongTermGoal.objects.visible_with_ancestors(request.user)
        .select_related("org_unit")
        .order_by("org_unit__path", "start_year")
    )
    for goal in goal_list:
        goal.can_edit = permissions.has_role(request.user, goal.org_unit, permissions.CREATE_PLAN)
    context = {
        "goals": goal_list,
        "form": form,
        "can_create": units.exists(),
        "this_year": FiscalCalendar.current_rules().fiscal_year_of(timezone.localdate()),
    }
    return render(request, "planning/goals.html", context)


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
            "this_year": FiscalCalendar.current_rules().fiscal_year_of(timezone.localdate()),
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
    display = DisplaySettings.load()
    can_edit = permissions.is_company_ops(request.user)
    ops_units = OrgUnit.objects.with_role(request.user, permissions.MANAGE_ORG)
    settings_form = forms.SettingsForm(instance=current)
    display_form = forms.DisplaySettingsForm(instance=display)
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
        elif which == "display":
            form = display_form = forms.DisplaySettingsForm(
                request.POST, instance=DisplaySettings(pk=display.pk)
            )
            outcome = editing.submit(
                form,
                lambda: display_settings_update(actor=request.user, **editing.versioned(form)),
            )
            done = "Display settings saved: amounts everywhere now read this way."
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
            "display": display,
            "display_form": display_form,
            "example": Decimal("18201000.40"),
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
