"""Sales targets down and up the tree: the top-down cascade and its grid, bottom-up submissions and
their rollup, phasing by month, the capacity behind a target, and traceability to objectives."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from core import tabular
from core.exceptions import InvalidTransitionError, StaleVersionError
from core.models import AuditEntry
from core.registry import FundingRule, registry
from core.services import Actor, versioned_create, versioned_update
from orgs import permissions
from orgs.models import FiscalCalendar, OrgUnit, Seller
from planning import calc
from planning.models import (
    CascadeLevel,
    CascadeMethod,
    Objective,
    Plan,
    PlanningSettings,
    SalesTarget,
    TargetAllocation,
    TargetSubmission,
)
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


def _active_sellers(unit: OrgUnit, fiscal_year: int):
    start, end = FiscalCalendar.load().rules.year_range(fiscal_year)
    return (
        Seller.objects.filter(org_unit__path__startswith=unit.path, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("org_unit")
        .order_by("org_unit__path", "name")
    )


def cascade_recipients(plan: Plan, level: str) -> list[OrgUnit | Seller]:
    if level == CascadeLevel.SELLERS:
        return list(_active_sellers(plan.org_unit, plan.fiscal_year))
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
        for seller in _active_sellers(plan.org_unit, plan.fiscal_year):
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


def allocation_update(
    *, actor: Actor, allocation: TargetAllocation, version: int, months: list[Decimal], weight: Decimal
) -> TargetAllocation:
    """Edit one row of the cascade grid: its 12 monthly amounts and its manual weight."""
    ensure_plan_editable(plan=allocation.plan, actor=actor)
    values = {"months": [str(Decimal(m).quantize(calc.CENT)) for m in months], "weight": weight}
    return versioned_update(instance=allocation, version=version, values=values, actor=actor)


@dataclass
class GridRowError:
    line: int
    code: str
    message: str


class GridImportError(ValidationError):
    """A target grid file that cannot be applied; `errors` lists each bad row."""

    def __init__(self, errors: list[GridRowError]):
        self.errors = errors
        super().__init__([f"Row {e.line}{f' ({e.code})' if e.code else ''}: {e.message}" for e in errors])


@transaction.atomic
def grid_import(*, actor: Actor, plan: Plan, rows: list[tuple[int, str, list[str]]]) -> int:
    """Overwrite the grid's monthly amounts from (line, code, 12 cells) rows, all or nothing.

    Every row is checked before anything is written; one bad row and nothing changes.
    Returns the number of rows whose amounts changed.
    """
    ensure_plan_editable(plan=plan, actor=actor)
    grid = {row.code.lower(): row for row in allocation_rows(plan)}
    errors: list[GridRowError] = []
    seen: set[str] = set()
    parsed: list[tuple[TargetAllocation, list[Decimal]]] = []
    for line, code, cells in rows:
        key = code.strip().lstrip("'").lower()
        if not key:
            errors.append(GridRowError(line, "", "the code is empty."))
            continue
        if key in seen:
            errors.append(GridRowError(line, code, "this code appears twice in the file."))
            continue
        seen.add(key)
        if key not in grid:
            errors.append(GridRowError(line, code, "not a row of this plan's grid."))
            continue
        months, bad = [], []
        for index, cell in enumerate(cells, start=1):
            try:
                months.append(read_amount(cell))
            except ValueError as exc:
                bad.append(f"month {index} (column {index + 2}): {exc}")
        if len(cells) != 12:
            bad.append(f"expected 12 monthly amounts, found {len(cells)}")
        if bad:
            errors.append(GridRowError(line, code, "; ".join(bad) + "."))
            continue
        parsed.append((grid[key], months))
    if not rows:
        errors.append(GridRowError(1, "", "the file has no rows."))
    if errors:
        raise GridImportError(errors)
    changed = 0
    for row, months in parsed:
        if row.month_amounts != months:
            allocation_update(
                actor=actor, allocation=row, version=row.version, months=months, weight=row.weight
            )
            changed += 1
    return changed


def parse_amount(cell: object) -> Decimal | None:
    """read_amount's answer, or None when the cell is not an amount."""
    try:
        return read_amount(cell)
    except ValueError:
        return None


def read_amount(cell: object) -> Decimal:
    """An amount of 0 or more, below 10^14, with at most 2 decimals; empty is 0. Typed text is a plain
    number (core.tabular), a file's cell is what the file's number format reads; ValueError says why not.
    """
    if isinstance(cell, tabular.Unreadable):
        raise ValueError(cell.reason)
    if cell is None or str(cell).strip() == "":
        return ZERO
    amount = tabular.cell_number(cell)
    if amount < 0 or amount >= MAX_AMOUNT or amount != amount.quantize(calc.CENT):
        raise ValueError(f"{str(cell).strip()!r} is not an amount of 0 or more with at most 2 decimals")
    return amount.quantize(calc.CENT)


MAX_AMOUNT = Decimal("1e14")


def allocation_rows(plan: Plan) -> list[TargetAllocation]:
    return list(
        TargetAllocation.objects.filter(plan=plan)
        .select_related("org_unit", "seller", "seller__org_unit")
        .order_by("org_unit__path", "seller__name", "pk")
    )


@dataclass
class Grid:
    rows: list[TargetAllocation]
    month_totals: list[Decimal]
    total: Decimal
    target: Decimal
    buffer_percent: Decimal
    assigned: Decimal  # target × (1 + buffer): what the rows should add up to
    difference: Decimal  # rows − assigned

    @property
    def coverage(self) -> Decimal | None:
        return calc.ratio(self.total, self.target)


def grid(plan: Plan) -> Grid:
    rows = allocation_rows(plan)
    month_totals = [sum((r.month_amounts[i] for r in rows), ZERO) for i in range(12)]
    total = sum(month_totals, ZERO)
    target = target_total(plan)
    buffer = effective_buffer(plan)
    assigned = calc.with_buffer(target, buffer)
    return Grid(rows, month_totals, total, target, buffer, assigned, total - assigned)


# --- Bottom-up ------------------------------------------------------------------------------------


def _ensure_own_unit(actor: Actor, plan: Plan) -> None:
    if not permissions.has_role(actor, plan.org_unit, permissions.EDIT_PLAN):
        raise PermissionDenied("Only the unit's sales leaders can enter its bottom-up number.")


def submission_save(
    *, actor: Actor, plan: Plan, version: int | None, amount: Decimal, note: str = ""
) -> TargetSubmission:
    """Enter or change the unit's bottom-up number (back to draft if it had been decided)."""
    _ensure_own_unit(actor, plan)
    existing = TargetSubmission.objects.filter(plan=plan).first()
    if existing is None:
        return versioned_create(
            model=TargetSubmission, values={"plan": plan, "amount": amount, "note": note}, actor=actor
        )
    if version is None:
        raise StaleVersionError(current_version=existing.version, label="Bottom-up submission")
    if existing.status == TargetSubmission.Status.SUBMITTED:
        raise InvalidTransitionError(
            "The number is waiting for the parent unit's decision; it cannot change now."
        )
    values = {"amount": amount, "note": note, "status": TargetSubmission.Status.DRAFT}
    return versioned_update(instance=existing, version=version, values=values, actor=actor)


def submission_submit(*, actor: Actor, submission: TargetSubmission, version: int) -> TargetSubmission:
    plan = submission.plan
    _ensure_own_unit(actor, plan)
    if plan.org_unit.parent_id is None:
        raise InvalidTransitionError("The top of the tree has no parent unit to submit to.")
    if submission.status not in (TargetSubmission.Status.DRAFT, TargetSubmission.Status.SENT_BACK):
        raise InvalidTransitionError(f"This number is already {submission.get_status_display().lower()}.")
    values = {"status": TargetSubmission.Status.SUBMITTED, "submitted_at": timezone.now(), "comment": ""}
    return versioned_update(
        instance=submission, version=version, values=values, actor=actor, action=AuditEntry.Action.SUBMITTED
    )


def submission_decide(
    *, actor: Actor, submission: TargetSubmission, version: int, approve: bool, comment: str = ""
) -> TargetSubmission:
    """The parent unit's sales leader approves a submitted number (it rolls up) or sends it back."""
    parent = submission.plan.org_unit.parent
    if parent is None or not permissions.has_role(actor, parent, permissions.EDIT_PLAN):
        raise PermissionDenied("Only the parent unit's sales leaders decide on this number.")
    if submission.status != TargetSubmission.Status.SUBMITTED:
        raise InvalidTransitionError(
            f"Only a submitted number can be decided; this one is {submission.get_status_display().lower()}."
        )
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": "Say what needs to change before sending the number back."})
    values = {
        "status": TargetSubmission.Status.APPROVED if approve else TargetSubmission.Status.SENT_BACK,
        "decided_at": timezone.now(),
        "decided_by": actor,
        "comment": comment,
    }
    action = AuditEntry.Action.APPROVED if approve else AuditEntry.Action.SENT_BACK
    return versioned_update(
        instance=submission, version=version, values=values, actor=actor, action=action, comment=comment
    )


@dataclass
class ChildNumber:
    unit: OrgUnit
    plan: Plan | None
    submission: TargetSubmission | None
    top_down: Decimal | None

    @property
    def approved(self) -> Decimal:
        s = self.submission
        return s.amount if s and s.status == TargetSubmission.Status.APPROVED else ZERO

    @property
    def gap(self) -> Decimal | None:
        if self.submission is None or self.top_down is None:
            return None
        return self.submission.amount - self.top_down


@dataclass
class BottomUp:
    children: list[ChildNumber]
    top_down_total: Decimal
    approved_total: Decimal
    pending_total: Decimal
    target: Decimal
    own: TargetSubmission | None = None
    waiting: list[ChildNumber] = field(default_factory=list)

    @property
    def gap(self) -> Decimal:
        """Approved bottom-up minus what was assigned top-down to the children."""
        return self.approved_total - self.top_down_total

    @property
    def gap_to_target(self) -> Decimal:
        return self.approved_total - self.target


def top_down_by_child(plan: Plan, children: list[OrgUnit]) -> dict[int, Decimal]:
    """What the cascade assigned to each child unit (seller rows summed into their child unit)."""
    result: dict[int, Decimal] = {}
    for row in allocation_rows(plan):
        unit = row.org_unit or row.seller.org_unit
        for child in children:
            if unit.path.startswith(child.path):
                result[child.pk] = result.get(child.pk, ZERO) + row.amount
    return result


def bottom_up(plan: Plan) -> BottomUp:
    """The children's own numbers beside the top-down ones; approved numbers roll up into the total."""
    children = list(plan.org_unit.children.order_by("path"))
    plans = {
        p.org_unit_id: p
        for p in Plan.objects.filter(org_unit__in=children, fiscal_year=plan.fiscal_year).select_related(
            "submission__decided_by"
        )
    }
    top_down = top_down_by_child(plan, children)
    rows = []
    for child in children:
        child_plan = plans.get(child.pk)
        submission = getattr(child_plan, "submission", None) if child_plan else None
        rows.append(ChildNumber(child, child_plan, submission, top_down.get(child.pk)))
    pending = [r for r in rows if r.submission and r.submission.status == TargetSubmission.Status.SUBMITTED]
    return BottomUp(
        children=rows,
        top_down_total=sum(top_down.values(), ZERO),
        approved_total=sum((r.approved for r in rows), ZERO),
        pending_total=sum((r.submission.amount for r in pending), ZERO),
        target=target_total(plan),
        own=TargetSubmission.objects.filter(plan=plan).first(),
        waiting=pending,
    )


# --- Capacity -------------------------------------------------------------------------------------


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
    for seller in _active_sellers(plan.org_unit, plan.fiscal_year):
        months = sum(calc.ramp_by_period(seller, rules, plan.fiscal_year), ZERO)
        amount = (months * seller.monthly_quota).quantize(calc.CENT)
        for row in [total, *(r for r in rows.values() if seller.org_unit.path.startswith(r.unit.path))]:
            row.headcount += 1
            row.seller_months += months
            row.capacity += amount
    if children == [plan.org_unit]:
        rows[plan.org_unit.pk].target = total.target
    return list(rows.values()), total


# --- Traceability ---------------------------------------------------------------------------------


def objective_funding() -> list[FundingRule]:
    """What counts as funding an objective: its initiatives (planning.hooks) and the records later steps
    register (budget lines, KPIs), so planning never imports them."""
    return registry.funding(Objective._meta.label)


def orphan_targets(plan: Plan):
    return SalesTarget.objects.filter(plan=plan).exclude(
        Exists(SalesTarget.objects.filter(pk=OuterRef("pk"), objectives__isnull=False))
    )


def unfunded_objectives(plan: Plan):
    objectives = Objective.objects.filter(plan=plan)
    for rule in objective_funding():
        linked = Objective.objects.filter(pk=OuterRef("pk"), **{f"{rule.related_name}__isnull": False})
        objectives = objectives.exclude(Exists(linked))
    return objectives.order_by("pk")
