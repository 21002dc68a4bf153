"""The capacity behind a target: ramped seller capacity per child unit against its target (selector).

The arithmetic is one pure function over seats (`seat_capacity`): a seat is a unit, a monthly quota and
12 monthly productivity factors. `capacity(plan)` feeds it the plan's active sellers; a scenario feeds it
the same sellers plus its hires, less its attrition — so both count capacity by the same rule.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from orgs.fiscal import FiscalYearRules
from orgs.models import FiscalCalendar, OrgUnit, Seller
from planning import calc
from planning.bottom_up import top_down_by_child
from planning.cascade import ZERO, active_sellers, target_total
from planning.models import Plan


@dataclass
class CapacityRow:
    unit: OrgUnit
    headcount: int = 0
    seller_months: Decimal = ZERO
    capacity: Decimal = ZERO
    target: Decimal | None = None

    @property
    def coverage(self) -> Decimal | None:
        return calc.ratio(self.capacity, self.target) if self.target else None

    @property
    def effective_headcount(self) -> Decimal:
        return (self.seller_months / 12).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Seat:
    """One seller's place in the year: where it sits, its full monthly quota, its productivity (0…1) in
    each fiscal period 1…12, and the ramp (in %, month 1 first) a replacement on it would go through."""

    unit: OrgUnit
    monthly_quota: Decimal
    factors: tuple[Decimal, ...]
    ramp: tuple[float, ...] = (0, 25, 50, 75, 100)

    @property
    def months(self) -> Decimal:
        return sum(self.factors, ZERO)


def seller_seat(seller: Seller, rules: FiscalYearRules, fiscal_year: int) -> Seat:
    """A seller (saved, or an unsaved one standing for a hire) as a seat, ramped by calc.ramp_by_period."""
    factors = tuple(calc.ramp_by_period(seller, rules, fiscal_year))
    return Seat(seller.org_unit, seller.monthly_quota, factors, tuple(seller.ramp))


def seat_capacity(
    seats: Iterable[Seat], units: Sequence[OrgUnit], whole: OrgUnit
) -> tuple[list[CapacityRow], CapacityRow]:
    """Headcount, seller-months and capacity (Σ months × monthly quota, each seat to the cent) for each
    of `units` (a seat counts in every unit its own unit lies under) and for `whole`. Targets unset."""
    rows = [CapacityRow(u) for u in units]
    total = CapacityRow(whole)
    counted: dict[tuple, tuple[Decimal, Decimal]] = {}  # (factors, quota) → (months, amount): seats repeat
    under: dict[str, list[CapacityRow]] = {}  # a unit's path → the rows it counts in
    for seat in seats:
        key = (seat.factors, seat.monthly_quota)
        if key not in counted:
            months = seat.months
            counted[key] = (months, (months * seat.monthly_quota).quantize(calc.CENT))
        months, amount = counted[key]
        path = seat.unit.path
        if path not in under:
            under[path] = [total, *(r for r in rows if path.startswith(r.unit.path))]
        for row in under[path]:  # one seat at a time, in order: the sums round as they always have
            row.headcount += 1
            row.seller_months += months
            row.capacity += amount
    return rows, total


def capacity_units(plan: Plan) -> list[OrgUnit]:
    """The units capacity is shown for: the plan's child units, or the plan's own unit if it has none."""
    return list(plan.org_unit.children.order_by("path")) or [plan.org_unit]


def plan_seats(plan: Plan, rules: FiscalYearRules, units: dict[int, OrgUnit] | None = None) -> list[Seat]:
    """The plan's active sellers as seats, as seller_seat makes them; sellers whose ramps run alike
    (calc.ramp_key) share one tuple of factors, worked out once. Given `units` (the plan's subtree by pk,
    read already), the sellers are read as plain rows and each seat sits on its unit from `units`."""
    sellers = active_sellers(plan.org_unit, plan.fiscal_year)
    if units is None:
        rows = [(s.org_unit, s.monthly_quota, s.start_date, s.end_date, s.ramp) for s in sellers]
    else:
        fields = ("org_unit_id", "monthly_quota", "start_date", "end_date", "ramp")
        rows = [
            (units.get(unit_id) or OrgUnit.objects.get(pk=unit_id), *rest)  # or a unit added since `units`
            for unit_id, *rest in sellers.values_list(*fields)
        ]
    factors: dict[tuple, tuple[Decimal, ...]] = {}
    seats = []
    for unit, quota, start, end, ramp in rows:
        key = calc.ramp_key(start, end, ramp)
        if key not in factors:
            seller = Seller(start_date=start, end_date=end, ramp=ramp)
            factors[key] = tuple(calc.ramp_by_period(seller, rules, plan.fiscal_year))
        seats.append(Seat(unit, quota, factors[key], tuple(ramp)))
    return seats


def with_targets(
    rows: list[CapacityRow], total: CapacityRow, by_unit: dict[int, Decimal], annual: Decimal
) -> None:
    """Set each row's target (None where a unit has none) and the total's; a plan without child units
    shows its one row against the whole target."""
    total.target = annual
    for row in rows:
        row.target = annual if row.unit == total.unit else by_unit.get(row.unit.pk)


def capacity(plan: Plan) -> tuple[list[CapacityRow], CapacityRow]:
    """Ramped seller capacity per child unit (or for the unit itself) against the targets."""
    rules = FiscalCalendar.current_rules()
    children = capacity_units(plan)
    top_down = top_down_by_child(plan, children) if children[0] != plan.org_unit else {}
    rows, total = seat_capacity(plan_seats(plan, rules), children, plan.org_unit)
    with_targets(rows, total, top_down, target_total(plan))
    return rows, total
