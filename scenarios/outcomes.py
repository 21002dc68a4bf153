"""A scenario's outcomes, computed by the plan's own functions — and the plan's, by the very same path.

`plan_outcomes(plan)` is `outcomes` of a scenario that overrides nothing, so a scenario and its plan can
only differ where the scenario says so. The rules come from where the plan's pages take them:

- target and split: `planning.cascade` (target_total, effective_buffer, cascade_preview — which splits
  T × (1 + buffer) with `calc.split_cents` by `cascade_weights`) and `calc.phase` for seasonality. With no
  split override (buffer, method, seasonality) the split is the plan's cascade grid as it stands.
- capacity: `planning.capacity.seat_capacity` over seats, each ramped by `calc.ramp_by_period` (a hire is an
  unsaved Seller starting on the 1st of its fiscal start month, with its ramp).
- new business needed: `metrics.calc.new_business_needed` (ARR_start × (growth + annual churn)).
- budget: the plan's lines with drafted moves applied to copies of their amounts (nothing is written);
  value per unit of cost as the budget report's: Σ value-per-unit × amount ÷ Σ amount over valued lines.

Attrition: scenarios.seats.with_attrition (with_attrition_all for many seats at once), whose docstring
works the arithmetic.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from budgets.models import BudgetLine
from metrics import calc as metrics_calc
from metrics.models import ChurnPolicy
from orgs.fiscal import FiscalYearRules
from orgs.models import FiscalCalendar, OrgUnit, Seller
from planning import calc
from planning.bottom_up import sum_by_child, top_down_by_child
from planning.capacity import (
    CapacityRow,
    Seat,
    capacity_units,
    plan_seats,
    seat_capacity,
    with_targets,
)
from planning.cascade import ZERO, cascade_preview, effective_buffer, profile_weights, target_total
from planning.grid import allocation_rows
from planning.models import CascadeMethod, Plan, SeasonalityProfile
from scenarios.models import Scenario
from scenarios.schema import number
from scenarios.seats import hire_seat, with_attrition_all

SPLIT_KEYS = ("buffer_percent", "split_method", "seasonality_profile")


@dataclass(frozen=True)
class SplitLine:
    """One recipient's share of the target, by fiscal month."""

    recipient: OrgUnit | Seller
    amount: Decimal
    months: list[Decimal]


@dataclass(frozen=True)
class LineOutcome:
    """A budget line's amount after the drafted moves, beside the plan's."""

    line_id: int
    name: str
    category: str
    plan_amount: Decimal
    amount: Decimal
    value_per_unit: Decimal | None

    @property
    def change(self) -> Decimal:
        return self.amount - self.plan_amount


@dataclass
class Outcomes:
    """What a plan, or a scenario of it, comes to."""

    annual_target: Decimal
    buffer_percent: Decimal
    assigned: Decimal  # annual target × (1 + buffer), what the split hands out
    split_method: str
    split_level: str
    split_recomputed: bool  # False: the plan's cascade grid as it stands
    split: list[SplitLine]
    phasing: list[Decimal]  # the annual target over fiscal months 1…12
    new_business_needed: Decimal | None
    churn_allowance: Decimal | None
    capacity_rows: list[CapacityRow]
    capacity_total: CapacityRow
    budget_lines: list[LineOutcome]
    value_per_cost: Decimal | None
    warnings: list[str] = field(default_factory=list)

    @property
    def seller_months(self) -> Decimal:
        return self.capacity_total.seller_months

    @property
    def capacity(self) -> Decimal:
        return self.capacity_total.capacity

    @property
    def coverage(self) -> Decimal | None:
        return self.capacity_total.coverage

    @property
    def budget_total(self) -> Decimal:
        return sum((line.amount for line in self.budget_lines), ZERO)


@dataclass
class Basis:
    """What the outcomes are computed from, read from the database once."""

    plan: Plan
    rules: FiscalYearRules
    units: list[OrgUnit]
    subtree: dict[int, OrgUnit]
    seats: list[Seat]
    target: Decimal
    policy: ChurnPolicy | None
    lines: list[BudgetLine]
    buffer: Decimal  # the plan's own (effective_buffer)
    grid: tuple[list[SplitLine], dict[int, Decimal]] | None = field(default=None, repr=False)  # _grid's


def basis(plan: Plan) -> Basis:
    rules = FiscalCalendar.current_rules()
    subtree = {u.pk: u for u in OrgUnit.objects.filter(path__startswith=plan.org_unit.path)}
    return Basis(
        plan,
        rules,
        capacity_units(plan),
        subtree,
        plan_seats(plan, rules, subtree),
        target_total(plan),
        ChurnPolicy.objects.filter(plan=plan).first(),
        list(BudgetLine.objects.filter(plan=plan).order_by("category", "name")),
        effective_buffer(plan),
    )


def outcomes(scenario: Scenario) -> Outcomes:
    """The scenario's outcomes; reads the plan, writes nothing."""
    return compute(basis(scenario.plan), scenario.assumptions)


def plan_outcomes(plan: Plan) -> Outcomes:
    """The plan's own outcomes: a scenario that overrides nothing."""
    return compute(basis(plan), {})


def compute(base: Basis, assumptions: dict[str, Any]) -> Outcomes:
    warnings: list[str] = []
    split = _split(base, assumptions, warnings)
    rows, total = seat_capacity(scenario_seats(base, assumptions, warnings), base.units, base.plan.org_unit)
    with_targets(rows, total, split.by_unit, base.target)
    lines = _budget(base, assumptions.get("budget_moves", []), warnings)
    return Outcomes(
        annual_target=base.target,
        buffer_percent=split.buffer,
        assigned=calc.with_buffer(base.target, split.buffer),
        split_method=split.method,
        split_level=base.plan.cascade_level,
        split_recomputed=split.recomputed,
        split=split.lines,
        phasing=calc.phase(base.target, split.weights, base.rules),
        new_business_needed=_need(base, assumptions, warnings),
        churn_allowance=_allowance(base, assumptions),
        capacity_rows=rows,
        capacity_total=total,
        budget_lines=lines,
        value_per_cost=value_per_cost(lines),
        warnings=warnings,
    )


# The split ---------------------------------------------------------------------------------------------


@dataclass
class _Split:
    buffer: Decimal
    method: str
    weights: list[Decimal] | None
    recomputed: bool
    lines: list[SplitLine]
    by_unit: dict[int, Decimal]


def _split(base: Basis, assumptions: dict, warnings: list[str]) -> _Split:
    plan = base.plan
    buffer = _decimal(assumptions, "buffer_percent", base.buffer)
    method = assumptions.get("split_method", plan.cascade_method)
    weights = _profile(base, assumptions, warnings)
    hires = _hire_heads(base, assumptions)
    if not any(k in assumptions for k in SPLIT_KEYS) and not (hires and method == CascadeMethod.HEADCOUNT):
        lines, by_unit = _grid(base)
        return _Split(buffer, method, weights, False, list(lines), dict(by_unit))
    try:
        preview = cascade_preview(plan, method, plan.cascade_level, buffer, hires)
    except ValidationError as error:
        warnings += [f"The target cannot be split this way: {m}" for m in error.messages]
        return _Split(buffer, method, weights, True, [], {})
    lines = [  # calc.phase remembers its answers: a split's amounts mostly repeat
        SplitLine(r.recipient, r.amount, calc.phase(r.amount, weights, base.rules)) for r in preview.new_rows
    ]
    return _Split(buffer, method, weights, True, lines, _by_child(lines, base))


def _grid(base: Basis) -> tuple[list[SplitLine], dict[int, Decimal]]:
    """The plan's cascade grid as it stands, as split lines and summed by child unit (as
    top_down_by_child sums it): read once for all the outcomes computed from `base`."""
    if base.grid is None:
        rows = allocation_rows(base.plan)
        lines = [SplitLine(r.recipient, r.amount, r.month_amounts) for r in rows]
        below = base.units[0] != base.plan.org_unit
        by_unit = top_down_by_child(base.plan, base.units, rows) if below else {}
        base.grid = (lines, by_unit)
    return base.grid


def _hire_heads(base: Basis, assumptions: dict) -> dict[int, int]:
    """The scenario's hires by org unit, for a headcount split (those at the plan's own unit count in no
    child's share)."""
    heads: dict[int, int] = {}
    for hire in assumptions.get("hires", []):
        unit = hire.get("unit", base.plan.org_unit.pk)
        heads[unit] = heads.get(unit, 0) + hire["count"]
    return heads


def _by_child(lines: list[SplitLine], base: Basis) -> dict[int, Decimal]:
    """Split amounts summed into the child units they fall under (a seller's into its unit's child)."""
    if base.units[0] == base.plan.org_unit:
        return {}
    return sum_by_child(
        (
            (line.recipient if isinstance(line.recipient, OrgUnit) else line.recipient.org_unit, line.amount)
            for line in lines
        ),
        base.units,
    )


def _profile(base: Basis, assumptions: dict, warnings: list[str]) -> list[Decimal] | None:
    """The seasonality weights: the scenario's profile (null: an even spread) or the plan's."""
    if "seasonality_profile" not in assumptions:
        return profile_weights(base.plan)
    pk = assumptions["seasonality_profile"]
    if pk is None:
        return None
    profile = SeasonalityProfile.objects.filter(pk=pk).first()
    if profile is None:
        warnings.append("The scenario's seasonality profile no longer exists: the plan's is used.")
        return profile_weights(base.plan)
    return profile.weight_decimals


# Capacity ----------------------------------------------------------------------------------------------


def scenario_seats(base: Basis, assumptions: dict, warnings: list[str]) -> list[Seat]:
    """The plan's sellers (at the scenario's quota, less its attrition) and the scenario's hires."""
    quota = _decimal(assumptions, "quota_per_seller", None)
    seats = (
        list(base.seats) if quota is None else [Seat(s.unit, quota, s.factors, s.ramp) for s in base.seats]
    )
    attrition = assumptions.get("attrition")
    if attrition:
        rate = Decimal(str(attrition["rate_percent"]))
        lag = attrition.get("backfill_lag", 0)
        seats = with_attrition_all(seats, rate, lag, base.rules, base.plan.fiscal_year)
    for i, hire in enumerate(assumptions.get("hires", [])):
        unit = base.subtree.get(hire.get("unit", base.plan.org_unit.pk))
        if unit is None:
            warnings.append(f"hires[{i}]: its unit is not in {base.plan.org_unit}; counted at the top.")
            unit = base.plan.org_unit
        hire_quota = _decimal(hire, "monthly_quota", quota if quota is not None else ZERO)
        seat = hire_seat(
            base.rules, base.plan.fiscal_year, unit, hire["start_month"], hire.get("ramp"), hire_quota
        )
        seats += [seat] * hire["count"]
    return seats


# Churn and budget --------------------------------------------------------------------------------------


def _need(base: Basis, assumptions: dict, warnings: list[str]) -> Decimal | None:
    """ARR_start × (growth + annual churn): the plan's churn policy, with the scenario's overrides."""
    policy = base.policy
    if policy is None:
        if "growth_goal_percent" in assumptions or "churn_rate_percent" in assumptions:
            warnings.append("The plan has no churn policy (no starting ARR): new business needed is unknown.")
        return None
    growth = metrics_calc.pct(_decimal(assumptions, "growth_goal_percent", policy.net_growth_goal))
    if "churn_rate_percent" in assumptions:
        annual = metrics_calc.pct(_decimal(assumptions, "churn_rate_percent", ZERO))
    else:
        annual = metrics_calc.to_annual(metrics_calc.pct(policy.expected_churn), policy.measurement_period)
    return metrics_calc.new_business_needed(policy.starting_arr, growth, annual)


def _allowance(base: Basis, assumptions: dict) -> Decimal | None:
    plan_value = base.policy.allowance if base.policy else None
    return _decimal(assumptions, "churn_allowance_percent", plan_value)


def _budget(base: Basis, moves: list[dict], warnings: list[str]) -> list[LineOutcome]:
    """The plan's budget lines with the drafted moves applied to copies of their amounts."""
    amounts = {line.pk: line.amount for line in base.lines}
    for i, move in enumerate(moves):
        source, target = move["source"], move["target"]
        if source not in amounts or target not in amounts:
            warnings.append(f"budget_moves[{i}]: a line it names is not in this plan's budget; skipped.")
            continue
        amount = Decimal(str(move["amount"]))
        amounts[source] -= amount
        amounts[target] += amount
    lines = [
        LineOutcome(line.pk, line.name, line.category, line.amount, amounts[line.pk], line.value_per_unit)
        for line in base.lines
    ]
    warnings += [f"Budget line {line.name} would go below zero." for line in lines if line.amount < 0]
    return lines


def value_per_cost(lines: list[LineOutcome]) -> Decimal | None:
    """Σ value per unit × amount ÷ Σ amount over the lines with a value (the budget report's rule)."""
    valued = [line for line in lines if line.value_per_unit is not None]
    spent = sum((line.amount for line in valued), ZERO)
    if not spent:
        return None
    return (sum((line.value_per_unit * line.amount for line in valued), ZERO) / spent).quantize(calc.CENT)


def _decimal(values: dict, key: str, default: Decimal | None) -> Decimal | None:
    return number(values[key]) if key in values else default


# The hires solver --------------------------------------------------------------------------------------


def hires_needed(
    subject: Scenario | Plan,
    *,
    coverage: Decimal,
    start_month: int,
    ramp: list | None = None,
    monthly_quota: Decimal | None = None,
    unit: OrgUnit | None = None,
    limit: int = 10_000,
) -> int | None:
    """The smallest number of hires (starting in fiscal month `start_month` with `ramp`) on top of the
    plan's or the scenario's seats that brings total capacity ÷ annual target to `coverage`.

    Their quota: `monthly_quota`, else the scenario's quota per seller, else the sellers' average. None when
    no count up to `limit` reaches it (no target, or a hire adds nothing). Bisection over the count, each
    step counted by seat_capacity.
    """
    coverage = Decimal(str(coverage))
    scenario = subject if isinstance(subject, Scenario) else None
    base = basis(subject.plan if scenario else subject)
    assumptions = scenario.assumptions if scenario else {}
    seats = scenario_seats(base, assumptions, [])
    quota = monthly_quota if monthly_quota is not None else _decimal(assumptions, "quota_per_seller", None)
    if quota is None:
        quota = _average_quota(base.seats)
    seat = hire_seat(base.rules, base.plan.fiscal_year, unit or base.plan.org_unit, start_month, ramp, quota)

    def reaches(count: int) -> bool:
        _, total = seat_capacity(seats + [seat] * count, [], base.plan.org_unit)
        total.target = base.target
        return total.coverage is not None and total.coverage >= coverage

    return smallest(reaches, limit)


def smallest(reaches: Any, limit: int) -> int | None:
    """The smallest n in 0…limit with reaches(n), for a reaches that never turns false as n grows."""
    if reaches(0):
        return 0
    high = 1
    while not reaches(high):
        if high >= limit:
            return None
        high = min(high * 2, limit)
    low = high // 2  # reaches(low) is false (low = 0 or an earlier high)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reaches(middle) else (middle, high)
    return high


def _average_quota(seats: list[Seat]) -> Decimal:
    if not seats:
        return ZERO
    return (sum((s.monthly_quota for s in seats), ZERO) / len(seats)).quantize(calc.CENT)
