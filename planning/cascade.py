"""The top-down cascade: the plan's target, its buffer and phasing by month (selectors), and
cascade_run, which splits the target over child units or sellers (service)."""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum

from core.services import Actor, versioned_update
from orgs.models import FiscalCalendar, OrgUnit, Seller
from planning import calc
from planning.models import CascadeLevel, CascadeMethod, Plan, PlanningSettings, SalesTarget, TargetAllocation
from planning.services import ensure_plan_editable

ZERO = Decimal("0")
BUFFER_WARNING = Decimal("50")


def target_total(plan: Plan) -> Decimal:
    """The plan's annual target: every sales target's new business + expansion + renewal."""
    sums = SalesTarget.objects.filter(plan=plan).aggregate(
        n=Sum("new_business"), e=Sum("expansion"), r=Sum("renewal")
    )
    return sum((v or ZERO for v in sums.values()), ZERO)


def effective_buffer(plan: Plan) -> Decimal:
    if plan.buffer_percent is not None:
        return plan.buffer_percent
    return PlanningSettings.load().default_buffer_percent


def buffer_warning(buffer_percent: Decimal) -> str:
    if buffer_percent > BUFFER_WARNING:
        return (
            f"An over-assignment buffer of {buffer_percent:f}% is a red flag: above 50% the children's "
            "targets stop meaning anything. Typical buffers are 10–25%."
        )
    return ""


def profile_weights(plan: Plan) -> list[Decimal] | None:
    return plan.seasonality.weight_decimals if plan.seasonality_id else None


def phasing(plan: Plan, amount: Decimal | None = None) -> list[Decimal]:
    """The plan's target (or `amount`) over fiscal periods 1…12 by the plan's seasonality profile."""
    rules = FiscalCalendar.load().rules
    return calc.phase(target_total(plan) if amount is None else amount, profile_weights(plan), rules)


def active_sellers(unit: OrgUnit, fiscal_year: int):
    start, end = FiscalCalendar.load().rules.year_range(fiscal_year)
    return (
        Seller.objects.filter(org_unit__path__startswith=unit.path, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("org_unit")
        .order_by("org_unit__path", "name")
    )


def cascade_recipients(plan: Plan, level: str) -> list[OrgUnit | Seller]:
    if level == CascadeLevel.SELLERS:
        return list(active_sellers(plan.org_unit, plan.fiscal_year))
    return list(plan.org_unit.children.order_by("path"))


def _prior_year_amounts(plan: Plan, level: str, recipients: list) -> list[Decimal]:
    """What each recipient was given the year before: child units' prior-year plan targets, or the
    sellers' rows in this unit's prior-year cascade."""
    if level == CascadeLevel.SELLERS:
        rows = TargetAllocation.objects.filter(
            plan__org_unit=plan.org_unit, plan__fiscal_year=plan.fiscal_year - 1, seller__in=recipients
        )
        by_seller = {row.seller_id: row.amount for row in rows}
        return [by_seller.get(s.pk, ZERO) for s in recipients]
    sums = (
        SalesTarget.objects.filter(plan__org_unit__in=recipients, plan__fiscal_year=plan.fiscal_year - 1)
        .values("plan__org_unit")
        .annotate(n=Sum("new_business"), e=Sum("expansion"), r=Sum("renewal"))
    )
    by_unit = {row["plan__org_unit"]: row["n"] + row["e"] + row["r"] for row in sums}
    return [by_unit.get(u.pk, ZERO) for u in recipients]


def cascade_weights(plan: Plan, method: str, level: str, recipients: list) -> list[Decimal]:
    if method == CascadeMethod.EQUAL:
        return [Decimal(1)] * len(recipients)
    if method == CascadeMethod.HEADCOUNT:
        if level == CascadeLevel.SELLERS:
            return [Decimal(1)] * len(recipients)
        counts: dict[int, int] = defaultdict(int)
        for seller in active_sellers(plan.org_unit, plan.fiscal_year):
            for unit in recipients:
                if seller.org_unit.path.startswith(unit.path):
                    counts[unit.pk] += 1
        return [Decimal(counts[u.pk]) for u in recipients]
    if method == CascadeMethod.PRIOR_YEAR:
        return _prior_year_amounts(plan, level, recipients)
    current = {
        (row.org_unit_id or row.seller_id): row.weight
        for row in TargetAllocation.objects.filter(plan=plan)
        if (row.org_unit_id is not None) == (level == CascadeLevel.UNITS)
    }
    return [current.get(r.pk, ZERO) for r in recipients]


def _describe(rows: list[TargetAllocation]) -> list[str]:
    return [f"{row.recipient}: {row.amount:,.2f}" for row in rows]


@transaction.atomic
def cascade_run(
    *,
    actor: Actor,
    plan: Plan,
    version: int,
    method: str,
    level: str,
    buffer_percent: Decimal | None,
) -> list[TargetAllocation]:
    """Split the plan's target × (1 + buffer) over its child units or sellers, phased by month.

    Replaces the grid. With manual weights the grid's current weights are used, so edit them first.
    """
    ensure_plan_editable(plan=plan, actor=actor)
    if method not in CascadeMethod.values or level not in CascadeLevel.values:
        raise ValidationError("Pick a split method and what to split over.")
    total = target_total(plan)
    if not total:
        raise ValidationError("Set the plan's sales target before cascading it.")
    recipients = cascade_recipients(plan, level)
    if not recipients:
        raise ValidationError(
            {
                "cascade_level": f"{plan.org_unit} has no child units to split over."
                if level == CascadeLevel.UNITS
                else f"{plan.org_unit} has no sellers active in FY{plan.fiscal_year}."
            }
        )
    weights = cascade_weights(plan, method, level, recipients)
    if not any(weights):
        reason = {
            CascadeMethod.HEADCOUNT: "none of the child units has an active seller",
            CascadeMethod.PRIOR_YEAR: f"there are no FY{plan.fiscal_year - 1} targets to take shares from",
            CascadeMethod.MANUAL: "every manual weight is 0; enter weights in the grid first",
        }.get(method, "all weights are 0")
        raise ValidationError(
            {"cascade_method": f"Cannot split by {CascadeMethod(method).label.lower()}: {reason}."}
        )
    buffer = effective_buffer(plan) if buffer_percent is None else buffer_percent
    amounts = calc.split_cents(calc.with_buffer(total, buffer), weights)
    rules = FiscalCalendar.load().rules
    profile = profile_weights(plan)

    old_rows = list(TargetAllocation.objects.filter(plan=plan).select_related("org_unit", "seller"))
    TargetAllocation.objects.filter(plan=plan).delete()
    new_rows = [
        TargetAllocation(
            plan=plan,
            org_unit=r if level == CascadeLevel.UNITS else None,
            seller=r if level == CascadeLevel.SELLERS else None,
            weight=w,
            months=[str(m) for m in calc.phase(amount, profile, rules)],
        )
        for r, w, amount in zip(recipients, weights, amounts, strict=True)
    ]
    TargetAllocation.objects.bulk_create(new_rows)
    versioned_update(
        instance=plan,
        version=version,
        values={"cascade_method": method, "cascade_level": level, "buffer_percent": buffer_percent},
        actor=actor,
        extra_changes={"cascade": [_describe(old_rows), _describe(new_rows)]},
        comment=f"Cascaded {total:,.2f} + {buffer:f}% buffer by {CascadeMethod(method).label.lower()}.",
    )
    return new_rows
