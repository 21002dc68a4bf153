"""The top-down cascade: the plan's target, its buffer and phasing by month (selectors); cascade_preview,
what a cascade would change (read only); cascade_run, which splits the target over child units or sellers
(service), and cascade_undo, which puts back the grid a cascade replaced."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum

from core.services import Actor, jsonable, versioned_update
from core.undo import ChangedSince
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
    rules = FiscalCalendar.current_rules()
    return calc.phase(target_total(plan) if amount is None else amount, profile_weights(plan), rules)


def active_sellers(unit: OrgUnit, fiscal_year: int):
    start, end = FiscalCalendar.current_rules().year_range(fiscal_year)
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


def cascade_weights(
    plan: Plan, method: str, level: str, recipients: list, hires: dict[int, int] | None = None
) -> list[Decimal]:
    """Each recipient's weight. `hires` (org unit id → sellers) adds people who are not Sellers yet — a
    scenario's hires — to a headcount split over units; a hire in no recipient's subtree counts nowhere."""
    if method == CascadeMethod.EQUAL:
        return [Decimal(1)] * len(recipients)
    if method == CascadeMethod.HEADCOUNT:
        if level == CascadeLevel.SELLERS:
            return [Decimal(1)] * len(recipients)
        heads = [seller.org_unit for seller in active_sellers(plan.org_unit, plan.fiscal_year)]
        if hires:
            units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=hires)}
            heads += [units[pk] for pk, count in hires.items() if pk in units for _ in range(count)]
        counts: dict[int, int] = defaultdict(int)
        for head in heads:
            for unit in recipients:
                if head.path.startswith(unit.path):
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


def _key(row: TargetAllocation) -> tuple[str, int]:
    return ("unit", row.org_unit_id) if row.org_unit_id else ("seller", row.seller_id)


def grid_state(rows: list[TargetAllocation]) -> str:
    """The grid's rows and their versions in one string: what a confirmation or an undo saw."""
    return ",".join(f"{pk}.{version}" for pk, version in sorted((r.pk, r.version) for r in rows))


def edited_by_hand(row: TargetAllocation) -> bool:
    """True when someone changed the row after the cascade wrote it.

    The cascade writes every row at version 1 and every later write of the row (a cell typed in the grid,
    an import, its weight) raises its version, so version > 1 is exactly "written since the cascade" (an
    undo restores a row at its own version, flag included). Comparing the months with the phasing of
    their total is not: it misses an edit that keeps the profile's shape (12 × 50,000 on an even spread)
    and flags rows nobody touched once the plan's profile has changed.
    """
    return row.version > 1


@dataclass(frozen=True)
class PreviewLine:
    """One recipient of a cascade: its row's amount now (None: no row yet), after (None: its row goes),
    and whether that row was edited by hand since the last cascade."""

    recipient: OrgUnit | Seller
    now: Decimal | None
    after: Decimal | None
    edited: bool = False

    @property
    def change(self) -> Decimal:
        return (self.after or ZERO) - (self.now or ZERO)


@dataclass(frozen=True)
class CascadePreview:
    """What a cascade would write and what it would replace; nothing is written to make it."""

    method: str
    level: str
    buffer_percent: Decimal  # the one that applies (the company default when the plan sets none)
    target: Decimal
    assigned: Decimal  # target × (1 + buffer)
    lines: list[PreviewLine]
    new_rows: list[TargetAllocation]  # unsaved
    old_rows: list[TargetAllocation]
    grid: str  # grid_state(old_rows)

    @property
    def now_total(self) -> Decimal:
        return sum((line.now or ZERO for line in self.lines), ZERO)

    @property
    def after_total(self) -> Decimal:
        return sum((line.after or ZERO for line in self.lines), ZERO)

    @property
    def change(self) -> Decimal:
        return self.after_total - self.now_total

    @property
    def edited(self) -> list[PreviewLine]:
        return [line for line in self.lines if line.edited]

    @property
    def method_label(self) -> str:
        return CascadeMethod(self.method).label

    @property
    def level_label(self) -> str:
        return CascadeLevel(self.level).label


def cascade_preview(
    plan: Plan,
    method: str,
    level: str,
    buffer_percent: Decimal | None,
    hires: dict[int, int] | None = None,
) -> CascadePreview:
    """What cascading the plan's target this way would do to the grid, row by row; writes nothing.
    `hires`: cascade_weights'.

    ValidationError when the cascade cannot run (no target, nothing to split over, all weights 0)."""
    total, recipients, weights = _split_basis(plan, method, level, hires)
    buffer = effective_buffer(plan) if buffer_percent is None else buffer_percent
    assigned = calc.with_buffer(total, buffer)
    amounts = calc.split_cents(assigned, weights)
    rules = FiscalCalendar.current_rules()
    profile = profile_weights(plan)
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
    old_rows = list(
        TargetAllocation.objects.filter(plan=plan)
        .select_related("org_unit", "seller")
        .order_by("org_unit__path", "seller__name", "pk")
    )
    return CascadePreview(
        method,
        level,
        buffer,
        total,
        assigned,
        _lines(old_rows, new_rows),
        new_rows,
        old_rows,
        grid_state(old_rows),
    )


def _split_basis(
    plan: Plan, method: str, level: str, hires: dict[int, int] | None = None
) -> tuple[Decimal, list, list[Decimal]]:
    """The target, its recipients and their weights; ValidationError says why a cascade cannot run."""
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
    weights = cascade_weights(plan, method, level, recipients, hires)
    if not any(weights):
        reason = {
            CascadeMethod.HEADCOUNT: "none of the child units has an active seller",
            CascadeMethod.PRIOR_YEAR: f"there are no FY{plan.fiscal_year - 1} targets to take shares from",
            CascadeMethod.MANUAL: "every manual weight is 0; enter weights in the grid first",
        }.get(method, "all weights are 0")
        raise ValidationError(
            {"cascade_method": f"Cannot split by {CascadeMethod(method).label.lower()}: {reason}."}
        )
    return total, recipients, weights


def _lines(old_rows: list[TargetAllocation], new_rows: list[TargetAllocation]) -> list[PreviewLine]:
    """Each new row against the row its recipient has now, then the rows that go."""
    old = {_key(row): row for row in old_rows}
    lines = []
    for row in new_rows:
        was = old.pop(_key(row), None)
        now = None if was is None else was.amount
        lines.append(PreviewLine(row.recipient, now, row.amount, was is not None and edited_by_hand(was)))
    return lines + [PreviewLine(row.recipient, row.amount, None, edited_by_hand(row)) for row in old.values()]


def cascade_run(
    *,
    actor: Actor,
    plan: Plan,
    version: int,
    method: str,
    level: str,
    buffer_percent: Decimal | None,
    grid_seen: str | None = None,
    comment: str = "",
) -> list[TargetAllocation]:
    """Split the plan's target × (1 + buffer) over its child units or sellers, phased by month.

    Replaces the grid. With manual weights the grid's current weights are used, so edit them first.
    `grid_seen` (grid_state of the rows a confirmation showed): refused if the grid changed since.
    """
    return cascade_replace(
        actor=actor,
        plan=plan,
        version=version,
        method=method,
        level=level,
        buffer_percent=buffer_percent,
        grid_seen=grid_seen,
        comment=comment,
    ).rows


@dataclass(frozen=True)
class Cascaded:
    """A cascade's new rows and its undo point: the grid and settings it replaced (JSON types), with the
    plan version and grid state it left, which an undo must find unchanged."""

    rows: list[TargetAllocation]
    undo: dict


@transaction.atomic
def cascade_replace(
    *,
    actor: Actor,
    plan: Plan,
    version: int,
    method: str,
    level: str,
    buffer_percent: Decimal | None,
    grid_seen: str | None = None,
    comment: str = "",
) -> Cascaded:
    """cascade_run, returning what an undo needs as well (`comment` is added to the history entry's)."""
    ensure_plan_editable(plan=plan, actor=actor)
    preview = cascade_preview(plan, method, level, buffer_percent)
    if grid_seen is not None and grid_seen != preview.grid:
        raise ChangedSince("The grid changed since you looked at what the cascade would replace.")
    before = {
        "cascade_method": plan.cascade_method,
        "cascade_level": plan.cascade_level,
        "buffer_percent": jsonable(plan.buffer_percent),
    }
    TargetAllocation.objects.filter(plan=plan).delete()
    TargetAllocation.objects.bulk_create(preview.new_rows)
    saved = versioned_update(
        instance=plan,
        version=version,
        values={"cascade_method": method, "cascade_level": level, "buffer_percent": buffer_percent},
        actor=actor,
        extra_changes={"cascade": [_describe(preview.old_rows), _describe(preview.new_rows)]},
        comment=f"Cascaded {preview.target:,.2f} + {preview.buffer_percent:f}% buffer by "
        f"{CascadeMethod(method).label.lower()}." + (f" {comment}" if comment else ""),
    )
    rows = list(TargetAllocation.objects.filter(plan=plan))
    undo = {
        "plan": plan.pk,
        "version": saved.version,
        "grid": grid_state(rows),
        "settings": before,
        "rows": [_row_json(row) for row in preview.old_rows],
    }
    return Cascaded(preview.new_rows, undo)


def _row_json(row: TargetAllocation) -> dict:
    return {
        "org_unit": row.org_unit_id,
        "seller": row.seller_id,
        "weight": str(row.weight),
        "months": [str(m) for m in row.months],
        "version": row.version,
    }


UNDO_STALE = (
    "The grid or the plan changed since the cascade, so undoing it would overwrite that change: "
    "nothing was undone."
)


@transaction.atomic
def cascade_undo(*, actor: Actor, plan: Plan, undo: dict) -> list[TargetAllocation]:
    """Put back the grid and cascade settings a cascade replaced (`Cascaded.undo`), exactly, as one
    versioned write in the plan's history; refused (ChangedSince) if the plan or any row changed since."""
    ensure_plan_editable(plan=plan, actor=actor)
    current = Plan.objects.select_for_update().get(pk=plan.pk)
    rows = list(TargetAllocation.objects.filter(plan=plan).select_related("org_unit", "seller"))
    if undo.get("plan") != plan.pk or current.version != undo["version"] or grid_state(rows) != undo["grid"]:
        raise ChangedSince(UNDO_STALE)
    restored = [
        TargetAllocation(
            plan=plan,
            org_unit_id=r["org_unit"],
            seller_id=r["seller"],
            weight=Decimal(r["weight"]),
            months=r["months"],
            version=r["version"],
        )
        for r in undo["rows"]
    ]
    _ensure_recipients_exist(restored)
    TargetAllocation.objects.filter(plan=plan).delete()
    TargetAllocation.objects.bulk_create(restored)
    restored = list(TargetAllocation.objects.filter(plan=plan).select_related("org_unit", "seller"))
    settings = undo["settings"]
    buffer = settings["buffer_percent"]
    versioned_update(
        instance=current,
        version=undo["version"],
        values={
            "cascade_method": settings["cascade_method"],
            "cascade_level": settings["cascade_level"],
            "buffer_percent": None if buffer is None else Decimal(buffer),
        },
        actor=actor,
        extra_changes={"cascade": [_describe(rows), _describe(restored)]},
        comment="Undid the cascade: the grid is back as it was before it.",
    )
    return restored


def _ensure_recipients_exist(rows: list[TargetAllocation]) -> None:
    units = {r.org_unit_id for r in rows if r.org_unit_id}
    sellers = {r.seller_id for r in rows if r.seller_id}
    if OrgUnit.objects.filter(pk__in=units).count() != len(units) or Seller.objects.filter(
        pk__in=sellers
    ).count() != len(sellers):
        raise ValidationError("A unit or seller of the earlier grid no longer exists: nothing was undone.")
