"""A budget's actual spend as a core.sheet.Sheet: a row per budget line, its 12 fiscal months (each stored
on its own, with its own version), then what it has spent, what it is allocated and what remains."""

from decimal import Decimal

from django.urls import reverse

from budgets import selectors, services
from budgets.models import Budget
from core import formatting
from core.sheet import Cell, Column, Refused, Row, Sheet, month_columns
from orgs.models import FiscalCalendar

CHANGED = "Someone changed this month since you loaded the page: reload to see their value."


class SpendSheet(Sheet):
    corner = "Line"

    def __init__(self, budget: Budget, *, can_edit: bool, lines: list | None = None):
        self.budget, self.can_edit, self._lines = budget, can_edit, lines
        self.currency = budget.currency
        plan = budget.plan
        self.url = reverse("budgets:spend-cells", args=[plan.pk])
        self.caption = f"Actual spend of {plan.org_unit}'s budget by line and fiscal month"
        self.columns = [
            *month_columns(FiscalCalendar.current_rules().periods(plan.fiscal_year)),
            Column("spent", "Spent", "Spent in the year", editable=False),
            Column("allocated", "Allocated", "Allocated to the line now", editable=False),
            Column("remaining", "Remaining", "Allocated − spent", editable=False),
        ]

    @property
    def lines(self) -> list:
        if self._lines is None:
            self._lines = selectors.budget_lines_list(self.budget)
        return self._lines

    def rows(self) -> list[Row]:
        return [self._row(line) for line in self.lines]

    def _row(self, line) -> Row:
        cells = {
            f"m{period}": Cell(amount if version else None, version)  # blank: nothing recorded yet
            for period, (amount, version) in enumerate(zip(line.months, line.month_versions, strict=True), 1)
        }
        cells["spent"] = Cell(line.spent, editable=False)
        cells["allocated"] = Cell(line.amount, editable=False)
        used = f"{formatting.percent(line.used, 0)} used" if line.used is not None else ""
        cells["remaining"] = Cell(
            line.variance, editable=False, tone="neg" if line.variance < 0 else "", note=used
        )
        return Row(str(line.pk), line.name, line.get_category_display(), cells)

    def footer(self) -> list[Row]:
        if not self.lines:
            return []
        cells = {
            f"m{i}": Cell(sum((line.months[i - 1] for line in self.lines), Decimal(0)), editable=False)
            for i in range(1, 13)
        }
        spent = sum((line.spent for line in self.lines), Decimal(0))
        allocated = sum((line.amount for line in self.lines), Decimal(0))
        cells["spent"] = Cell(spent, editable=False)
        cells["allocated"] = Cell(allocated, editable=False)
        cells["remaining"] = Cell(allocated - spent, editable=False, tone="neg" if allocated < spent else "")
        return [Row("totals", "All lines", cells=cells)]

    def apply(self, actor, values: dict[tuple[str, str], tuple[Decimal, int]]) -> None:
        lines = {str(line.pk): line for line in self.lines}
        stale = {
            (row, col): f"{lines[row].name}, {self.column(col).long}: {CHANGED}"
            for (row, col), (_, version) in values.items()
            if lines[row].month_versions[int(col[1:]) - 1] != version
        }
        if stale:
            raise Refused(stale, status=409)
        writes = {(int(row), int(col[1:])): value for (row, col), value in values.items()}
        services.spend_months_write(actor=actor, budget=self.budget, values=writes, comment=self.comment)
        self._lines = None
