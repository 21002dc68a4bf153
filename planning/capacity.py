"""The capacity behind a target: ramped seller capacity per child unit against its target (selector)."""

from dataclasses import dataclass
from decimal import Decimal

from orgs.models import FiscalCalendar, OrgUnit
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


def capacity(plan: Plan) -> tuple[list[CapacityRow], CapacityRow]:
    """Ramped seller capacity per child unit (or for the unit itself) against the targets."""
    rules = FiscalCalendar.load().rules
    children = list(plan.org_unit.children.order_by("path")) or [plan.org_unit]
    top_down = top_down_by_child(plan, children) if children[0] != plan.org_unit else {}
    rows = {u.pk: CapacityRow(u, target=top_down.get(u.pk)) for u in children}
    total = CapacityRow(plan.org_unit, target=target_total(plan))
    for seller in active_sellers(plan.org_unit, plan.fiscal_year):
        months = sum(calc.ramp_by_period(seller, rules, plan.fiscal_year), ZERO)
        amount = (months * seller.monthly_quota).quantize(calc.CENT)
        for row in [total, *(r for r in rows.values() if seller.org_unit.path.startswith(r.unit.path))]:
            row.headcount += 1
            row.seller_months += months
            row.capacity += amount
    if children == [plan.org_unit]:
        rows[plan.org_unit.pk].target = total.target
    return list(rows.values()), total
