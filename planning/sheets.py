"""The cascade grid as a core.sheet.Sheet: a row per child unit or seller, its share of the split, the 12
fiscal months and the row's total. A row stores its months together, so its cells share its version.
Editing a row total spreads it over the months by the plan's seasonality ("breakback"), as the cascade
phased it in the first place."""

from decimal import Decimal

from django.template.loader import render_to_string
from django.urls import reverse

from core.sheet import Cell, Column, Refused, Row, Sheet, month_columns
from orgs.models import FiscalCalendar
from planning import calc
from planning import grid as target_grid
from planning.cascade import profile_weights
from planning.models import CascadeLevel, CascadeMethod, Plan, TargetAllocation

CHANGED = "Someone changed this row since you loaded the page: reload to see their values."


class CascadeSheet(Sheet):
    def __init__(self, plan: Plan, *, can_edit: bool, grid: target_grid.Grid | None = None):
        self.plan, self.can_edit, self._grid = plan, can_edit, grid
        self.corner = "Seller" if plan.cascade_level == CascadeLevel.SELLERS else "Unit"
        if plan.cascade_level == CascadeLevel.SELLERS:  # a seller's receipt lists each hand edit and why
            self.comment_note = "Each seller sees it on their receipt."
        self.rules = FiscalCalendar.current_rules()
        self.manual = plan.cascade_method == CascadeMethod.MANUAL
        self.url = reverse("planning:grid-cells", args=[plan.pk])
        self.caption = f"Targets of {plan.org_unit} by recipient and fiscal month"
        self.columns = [
            Column(
                "weight",
                "Weight" if self.manual else "Share",
                "Manual weight (the split is each row's weight ÷ all weights)"
                if self.manual
                else "Share of the split",
                editable=self.manual,
                kind="number" if self.manual else "percent",
                places=4,
            ),
            *month_columns(self.rules.periods(plan.fiscal_year)),
            Column("total", "Total", "Row total (spread over the months by seasonality)"),
        ]

    @property
    def grid(self) -> target_grid.Grid:
        if self._grid is None:
            self._grid = target_grid.grid(self.plan)
        return self._grid

    def rows(self) -> list[Row]:
        weights = sum((r.weight for r in self.grid.rows), Decimal(0))
        return [self._row(r, weights) for r in self.grid.rows]

    def _row(self, allocation: TargetAllocation, weights: Decimal) -> Row:
        version = allocation.version
        share = allocation.weight if self.manual else calc.ratio(allocation.weight, weights)
        cells = {"weight": Cell(share, version)}
        for period, amount in enumerate(allocation.month_amounts, start=1):
            cells[f"m{period}"] = Cell(amount, version)
        cells["total"] = Cell(allocation.amount, version)
        sub = str(allocation.seller.org_unit) if allocation.seller_id else allocation.org_unit.code
        return Row(str(allocation.pk), str(allocation.recipient), sub, cells)

    def footer(self) -> list[Row]:
        grid = self.grid
        cells = {f"m{i}": Cell(t, editable=False) for i, t in enumerate(grid.month_totals, start=1)}
        cells["total"] = Cell(grid.total, editable=False)
        return [Row("totals", "Assigned in all", cells=cells)] if grid.rows else []

    @property
    def total_note(self) -> str:
        return render_to_string("planning/partials/grid_check.html", {"grid": self.grid})

    def apply(self, actor, values: dict[tuple[str, str], tuple[Decimal, int]]) -> None:
        by_row: dict[str, dict[str, tuple[Decimal, int]]] = {}
        for (row, col), value in values.items():
            by_row.setdefault(row, {})[col] = value
        allocations = {str(r.pk): r for r in self.grid.rows}
        errors: dict[tuple[str, str], str] = {}
        writes = []
        for key, cells in by_row.items():
            allocation = allocations[key]
            stale = [col for col, (_, version) in cells.items() if version != allocation.version]
            if stale:
                errors.update({(key, col): f"{allocation.recipient}: {CHANGED}" for col in stale})
                continue
            if "total" in cells and any(col.startswith("m") for col in cells):
                errors[(key, "total")] = (
                    f"{allocation.recipient}: change the months or the row total, not both at once."
                )
                continue
            months = allocation.month_amounts
            if "total" in cells:
                months = calc.phase(cells["total"][0], profile_weights(self.plan), self.rules)
            for col, (amount, _) in cells.items():
                if col.startswith("m"):
                    months[int(col[1:]) - 1] = amount
            weight = cells["weight"][0] if "weight" in cells else allocation.weight
            writes.append((allocation, months, weight))
        if errors:
            raise Refused(errors, status=409 if all(CHANGED in e for e in errors.values()) else 422)
        for allocation, months, weight in writes:
            target_grid.allocation_update(
                actor=actor,
                allocation=allocation,
                version=allocation.version,
                months=months,
                weight=weight,
                comment=self.comment,
            )
        self._grid = None
