"""A plan's Scenarios tab: its scenarios with their headline outcomes, one scenario's assumptions edited in
place beside its outcomes and the plan's, and up to four compared side by side. The unit's sales leaders
write (on a plan they may edit); whoever reads the plan reads them; anyone else gets 404."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from budgets.models import BudgetLine
from core import editing, formatting, replica
from orgs import permissions
from orgs.models import OrgUnit
from planning import selectors as plan_selectors
from planning.models import CascadeMethod, Plan, SeasonalityProfile
from planning.views.plan import can_edit, plan_context
from scenarios import compare as compare_rules
from scenarios import forms, selectors, services
from scenarios.models import Scenario
from scenarios.outcomes import Outcomes, basis, compute, hires_needed

MAX_COMPARED = 4
BUFFER_LIMIT = Decimal("50")  # % — a buffer above it is flagged
MAX_ID = 2**63 - 1  # a larger ?s= is no row of any database
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Figure:
    """One outcome of a scenario beside the plan's: `kind` picks its format (money, percent, ratio,
    months); `flag` says in words which rule it breaks ("" when none)."""

    label: str
    kind: str
    plan: Decimal | None
    value: Decimal | None
    flag: str = ""

    @property
    def difference(self) -> Decimal | None:
        if self.plan is None or self.value is None:
            return None
        return self.value - self.plan


def _pct(value: Decimal | None) -> Decimal | None:
    return None if value is None else value / 100


def coverage_flag(coverage: Decimal | None) -> str:
    return "Coverage below 1" if coverage is not None and coverage < 1 else ""


def buffer_flag(result: Outcomes) -> str:
    return "Buffer above 50%" if result.buffer_percent > BUFFER_LIMIT else ""


def figures(mine: Outcomes, plan: Outcomes) -> list[Figure]:
    """The headline outcomes of a scenario (or of the plan itself) beside the plan's, in reading order."""
    return [
        Figure("Annual target", "money", plan.annual_target, mine.annual_target),
        Figure("Buffer", "percent", _pct(plan.buffer_percent), _pct(mine.buffer_percent), buffer_flag(mine)),
        Figure("Assigned (target + buffer)", "money", plan.assigned, mine.assigned),
        Figure("New business needed", "money", plan.new_business_needed, mine.new_business_needed),
        Figure("Churn allowance", "percent", _pct(plan.churn_allowance), _pct(mine.churn_allowance)),
        Figure("Seller-months", "months", plan.seller_months, mine.seller_months),
        Figure("Ramped capacity", "money", plan.capacity, mine.capacity),
        Figure("Coverage", "ratio", plan.coverage, mine.coverage, coverage_flag(mine.coverage)),
        Figure("Budget", "money", plan.budget_total, mine.budget_total, compare_rules.budget_flag(mine)),
    ]  # fmt: skip


def headline(figures: list[Figure]) -> list[Figure]:
    """The four figures the tab's list shows."""
    shown = {"Annual target", "New business needed", "Ramped capacity", "Coverage"}
    return [f for f in figures if f.label in shown]


@dataclass
class UnitRow:
    """A unit's capacity and coverage in the scenario beside the plan's."""

    unit: Any
    plan_capacity: Decimal | None
    capacity: Decimal
    target: Decimal | None
    coverage: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        return None if self.plan_capacity is None else self.capacity - self.plan_capacity

    @property
    def flag(self) -> str:
        return coverage_flag(self.coverage)


def unit_rows(mine: Outcomes, plan: Outcomes) -> list[UnitRow]:
    before = {row.unit.pk: row.capacity for row in plan.capacity_rows}
    rows = [*mine.capacity_rows, mine.capacity_total]
    return [UnitRow(r.unit, before.get(r.unit.pk), r.capacity, r.target, r.coverage) for r in rows[:-1]] + [
        UnitRow(r.unit, plan.capacity, r.capacity, r.target, r.coverage) for r in rows[-1:]
    ]


def assumption_lines(scenario: Scenario) -> list[tuple[str, str]]:
    """The scenario's overrides in words, for those who read it without editing it."""
    a = scenario.assumptions
    lines = [
        (label, _number_text(key, a[key])) for key, (label, _) in forms.NUMBER_FIELDS.items() if key in a
    ]
    if "seasonality_profile" in a:
        profile = SeasonalityProfile.objects.filter(pk=a["seasonality_profile"]).first()
        lines.append(("Seasonality", profile.name if profile else "Even spread"))
    if "split_method" in a:
        lines.append(("Split method", dict(CascadeMethod.choices).get(a["split_method"], a["split_method"])))
    if a.get("attrition"):
        lag = a["attrition"].get("backfill_lag", 0)
        lines.append(
            ("Attrition", f"{a['attrition']['rate_percent']}% a year, seats backfilled after {lag} months")
        )
    units = dict(
        OrgUnit.objects.filter(path__startswith=scenario.plan.org_unit.path).values_list("pk", "name")
    )
    lines += [("Hires", _hire_text(hire, units, scenario.plan)) for hire in a.get("hires", [])]
    if a.get("budget_moves"):
        names = dict(BudgetLine.objects.filter(plan=scenario.plan).values_list("pk", "name"))
        lines += [("Budget move", _move_text(move, names)) for move in a["budget_moves"]]
    return lines


def _number_text(key: str, value: Any) -> str:
    return formatting.money(value) if key == "quota_per_seller" else f"{value}%"


def _move_text(move: dict, names: dict) -> str:
    """A drafted move in words: "$12,000 from Events to Enablement" (a line gone from the plan by its id)."""
    source, target = (names.get(move[k], f"line {move[k]}") for k in ("source", "target"))
    return f"{formatting.money(move['amount'])} from {source} to {target}"


def _hire_text(hire: dict, units: dict, plan: Plan) -> str:
    quota = formatting.money(hire["monthly_quota"]) if "monthly_quota" in hire else "the quota per seller"
    ramp = "/".join(str(step) for step in hire.get("ramp", [0, 25, 50, 75, 100]))
    unit = units.get(hire.get("unit", plan.org_unit_id), plan.org_unit.name)
    return f"{hire['count']} from month {hire['start_month']} at {quota} a month, ramp {ramp}%, in {unit}"


# --- Pages ----------------------------------------------------------------------------------------------


def _tab_url(plan: Plan) -> str:
    return reverse("scenarios:plan", kwargs={"plan_id": plan.pk})


def _scenario_url(scenario: Scenario) -> str:
    return reverse("scenarios:detail", kwargs={"plan_id": scenario.plan_id, "scenario_id": scenario.pk})


def _scenario(request: HttpRequest, plan: Plan, scenario_id: int) -> Scenario:
    return get_object_or_404(selectors.scenario_list(user=request.user, plan=plan), pk=scenario_id)


def _may_delete(request: HttpRequest, plan: Plan) -> bool:
    return permissions.has_role(request.user, plan.org_unit, permissions.EDIT_PLAN)


@login_required
@require_safe
def tab(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    return _tab_page(request, plan, forms.ScenarioForm())


def _tab_page(request: HttpRequest, plan: Plan, form: forms.ScenarioForm, status: int = 200) -> HttpResponse:
    shared = basis(plan)  # the plan read once for every scenario on the page
    base = compute(shared, {})
    scenarios = selectors.scenario_list(user=request.user, plan=plan)
    rows = [(s, headline(figures(compute(shared, s.assumptions), base))) for s in scenarios]
    context = plan_context(request, plan, tab="scenarios") | {
        "rows": rows,
        "plan_figures": headline(figures(base, base)),
        "form": form,
        "max_compared": MAX_COMPARED,
    }
    return render(request, "scenarios/tab.html", context, status=status)


@login_required
@require_POST
def create(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    editing.permit(can_edit(request, plan), "Only the unit's sales leaders branch scenarios of a draft plan.")
    form = forms.ScenarioForm(request.POST, instance=Scenario(plan=plan))
    outcome = editing.submit(
        form,
        lambda: services.scenario_create(
            actor=request.user, plan=plan, name=form.cleaned_data["name"], notes=form.cleaned_data["notes"]
        ),
    )
    done = editing.page(
        request, outcome, done=lambda s: f"Scenario “{s}” branched from the plan.", to=_scenario_url
    )
    return done or _tab_page(request, plan, form, status=outcome.status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def detail(request: HttpRequest, plan_id: int, scenario_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    scenario = _scenario(request, plan, scenario_id)
    if request.method != "POST":
        return _detail_page(request, scenario, forms.AssumptionsForm(scenario=scenario))
    editing.permit(can_edit(request, plan), "Only the unit's sales leaders edit scenarios of a draft plan.")
    form = forms.AssumptionsForm(request.POST, scenario=scenario)
    outcome = editing.submit(form, lambda: _save(request, scenario, form.cleaned_data))
    done = editing.page(
        request, outcome, done="Scenario saved.", to=_scenario_url(scenario), stale_to=_scenario_url(scenario)
    )
    return done or _detail_page(request, scenario, form, status=outcome.status)


def _save(request: HttpRequest, scenario: Scenario, data: dict) -> Scenario:
    return services.scenario_update(
        actor=request.user,
        scenario=scenario,
        version=data["version"],
        name=data["name"],
        notes=data["notes"],
        assumptions=data["assumptions"],
    )


def _detail_page(
    request: HttpRequest, scenario: Scenario, form: forms.AssumptionsForm, status: int = 200
) -> HttpResponse:
    plan = scenario.plan
    shared = basis(plan)
    mine, base = compute(shared, scenario.assumptions), compute(shared, {})
    solver = forms.SolverForm(request.GET if "coverage" in request.GET else None)
    changes = services.promotion_changes(scenario)
    context = plan_context(request, plan, tab="scenarios") | {
        "scenario": scenario,
        "form": form,
        "outcomes": mine,
        "plan_outcomes": base,  # the budget card's plan column and value per unit of cost
        "figures": figures(mine, base),
        "split_label": dict(CascadeMethod.choices).get(mine.split_method, mine.split_method),
        "unit_rows": unit_rows(mine, base),
        "solver": solver,
        "solved": _solve(scenario, solver),
        "may_delete": _may_delete(request, plan),
        "assumption_lines": assumption_lines(scenario),
        "changes": changes,
        "mine_others": services.promotable(request.user, scenario, changes),
        "conflicts": services.promotion_conflicts(scenario, changes),
        "may_promote": services.may_promote(request.user, plan),
        "people_note": services.PEOPLE_NOTE if set(scenario.assumptions) & set(services.PEOPLE_KEYS) else "",
    }
    return render(request, "scenarios/detail.html", context, status=status)


def _solve(scenario: Scenario, solver: forms.SolverForm) -> dict | None:
    if not solver.is_bound or not solver.is_valid():
        return None
    data = solver.cleaned_data
    count = hires_needed(scenario, coverage=data["coverage"], start_month=data["start_month"])
    return {"coverage": data["coverage"], "start_month": data["start_month"], "count": count}


@login_required
@require_POST
def delete(request: HttpRequest, plan_id: int, scenario_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    scenario = _scenario(request, plan, scenario_id)
    editing.permit(_may_delete(request, plan), "Only the unit's sales leaders delete its scenarios.")
    outcome = editing.submit(
        None,
        lambda: services.scenario_delete(
            actor=request.user, scenario=scenario, version=_posted_version(request)
        ),
    )
    if not outcome.ok:
        return editing.action(request, outcome, done="", to=_scenario_url(scenario), failed="Not deleted: ")
    return editing.action(request, outcome, done=f"Scenario “{scenario.name}” deleted.", to=_tab_url(plan))


def _compared(request: HttpRequest, plan: Plan) -> list[Scenario] | None:
    """The scenarios ?s= names (each once), or None with a message saying why they cannot be compared;
    Http404 for an id that is no scenario of this plan the user may see."""
    raw = [i.strip() for i in request.GET.getlist("s") if i.strip()]
    bad = next((i for i in raw if not (i.isascii() and i.isdigit())), None)
    ids = list(dict.fromkeys(int(i) for i in raw)) if bad is None else []
    if bad is not None:
        messages.error(request, f"“{bad[:40]}” is not a scenario id: pick scenarios by ticking them.")
    elif len(ids) > MAX_COMPARED:
        messages.error(request, f"Compare at most {MAX_COMPARED} scenarios at once; you picked {len(ids)}.")
    elif not ids:
        messages.error(request, "Pick one to four scenarios to compare with the plan.")
    else:
        found = selectors.scenario_list(user=request.user, plan=plan).filter(pk__in=ids)
        chosen = list(found) if max(ids) <= MAX_ID else []
        if len(chosen) != len(ids):
            raise Http404("No such scenario of this plan.")
        return chosen
    return None


def _compare_table(plan: Plan, chosen: list[Scenario]) -> tuple[list, list[compare_rules.Walk]]:
    """Each figure of the plan beside the scenarios', and each scenario's walk of capacity from the plan."""
    shared = basis(plan)
    base = compute(shared, {})
    results = [compute(shared, s.assumptions) for s in chosen]
    columns = [figures(mine, base) for mine in results]
    lines = [
        (plan_figure, [column[i] for column in columns]) for i, plan_figure in enumerate(figures(base, base))
    ]
    walks = [
        compare_rules.capacity_walk(shared, s.assumptions, plan=base, scenario=mine)
        for s, mine in zip(chosen, results, strict=True)
    ]
    return lines, walks


@login_required
@require_safe
def compare(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    chosen = _compared(request, plan)
    if chosen is None:
        return redirect(_tab_url(plan))
    lines, walks = _compare_table(plan, chosen)
    charts = [
        (s, walk, compare_rules.waterfall(walk), compare_rules.walk_text(walk))
        for s, walk in zip(chosen, walks, strict=True)
    ]
    query = urlencode([("s", s.pk) for s in chosen])
    context = plan_context(request, plan, tab="scenarios") | {
        "scenarios": chosen,
        "lines": lines,
        "charts": charts,
        "broken": compare_rules.broken_rules(chosen, lines),
        "xlsx_url": reverse("scenarios:compare_xlsx", kwargs={"plan_id": plan.pk}) + "?" + query,
    }
    return render(request, "scenarios/compare.html", context)


@login_required
@require_safe
def compare_xlsx(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The compare page's table as a workbook, for the same ?s= and with the same refusals."""
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    chosen = _compared(request, plan)
    if chosen is None:
        return redirect(_tab_url(plan))
    with replica.reporting():
        lines, walks = _compare_table(plan, chosen)
    today = timezone.localdate()
    data = compare_rules.to_xlsx(plan, chosen, lines, walks, today)
    response = HttpResponse(data, content_type=XLSX_TYPE)
    name = f"{plan.org_unit.code}-FY{plan.fiscal_year}-scenarios-{today.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _posted_version(request: HttpRequest) -> int:
    version = request.POST.get("version", "")
    return int(version) if version.isdigit() else 0


@login_required
@require_POST
def promote(request: HttpRequest, plan_id: int, scenario_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    scenario = _scenario(request, plan, scenario_id)
    editing.permit(services.may_promote(request.user, plan), "Only the unit's leaders and sales ops promote.")
    outcome = editing.submit(
        None,
        lambda: services.scenario_promote(
            actor=request.user, scenario=scenario, version=_posted_version(request)
        ),
    )
    done = f"Scenario “{scenario.name}” promoted into the plan: its History shows each change."
    return editing.action(
        request, outcome, done=done, to=_scenario_url(scenario), failed="Not promoted, nothing changed: "
    )


@login_required
@require_POST
def refresh(request: HttpRequest, plan_id: int, scenario_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    scenario = _scenario(request, plan, scenario_id)
    editing.permit(services.may_promote(request.user, plan), "Only the unit's leaders and sales ops refresh.")
    outcome = editing.submit(
        None,
        lambda: services.scenario_refresh(
            actor=request.user, scenario=scenario, version=_posted_version(request)
        ),
    )
    done = f"Scenario “{scenario.name}” now branches from the plan as it is (version {plan.version})."
    return editing.action(request, outcome, done=done, to=_scenario_url(scenario), failed="Not refreshed: ")
