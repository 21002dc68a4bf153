"""The cascade grid: its rows and totals (selectors), a row's edit and the all-or-nothing import of a
file (services), and how a cell is read as an amount."""

from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from core import tabular
from core.services import Actor, versioned_update
from core.sheet import month_columns
from core.undo import ChangedSince, RowChange
from orgs.models import FiscalCalendar
from planning import calc
from planning.cascade import ZERO, effective_buffer, target_total
from planning.models import Plan, TargetAllocation
from planning.services import ensure_plan_editable

T = TypeVar("T")


def allocation_update(
    *,
    actor: Actor,
    allocation: TargetAllocation,
    version: int,
    months: list[Decimal],
    weight: Decimal,
    comment: str = "",
) -> TargetAllocation:
    """Edit one row of the cascade grid: its 12 monthly amounts and its manual weight (`comment`: why,
    kept in the history and shown on a seller's receipt)."""
    ensure_plan_editable(plan=allocation.plan, actor=actor)
    values = {"months": [str(Decimal(m).quantize(calc.CENT)) for m in months], "weight": weight}
    return versioned_update(instance=allocation, version=version, values=values, actor=actor, comment=comment)


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
    Returns the number of rows whose amounts changed. (The page asks first: grid_import_preview, then
    grid_rows_set with what it confirmed.)
    """
    ensure_plan_editable(plan=plan, actor=actor)
    changes = [c for c in grid_import_preview(plan=plan, rows=rows) if c.changed]
    return len(grid_rows_set(actor=actor, plan=plan, changes=changes))


def grid_import_preview(*, plan: Plan, rows: list[tuple[int, str, list[str]]]) -> list[RowChange]:
    """Each row of the file against the grid row it names: months now and from the file, and the version
    read (GridImportError lists every bad row). Writes nothing."""
    grid = {row.code.lower(): row for row in allocation_rows(plan)}
    parsed = month_rows(
        rows, grid, thing="code", unknown="not a row of this plan's grid.", fiscal_year=plan.fiscal_year
    )
    return [
        RowChange(row.pk, str(row.recipient), row.version, tuple(row.month_amounts), tuple(months))
        for row, months in parsed
    ]


@transaction.atomic
def grid_rows_set(
    *, actor: Actor, plan: Plan, changes: list[RowChange], comment: str = ""
) -> list[RowChange]:
    """Write the changes' months over the grid rows they name, each only if still at the version read:
    a stale row or one gone and nothing changes (StaleVersionError). Returns the changes that undo it."""
    ensure_plan_editable(plan=plan, actor=actor)
    rows = {row.pk: row for row in allocation_rows(plan)}
    undo = []
    for change in changes:
        row = rows.get(change.pk)
        if row is None:
            raise ChangedSince(f"{change.name} is no longer a row of the grid.")
        saved = allocation_update(
            actor=actor,
            allocation=row,
            version=change.seen,
            months=list(change.after),
            weight=row.weight,
            comment=comment,
        )
        undo.append(change.undone(saved.version))
    return undo


def month_rows(
    rows: list[tuple[int, str, list[object]]],
    known: dict[str, T],
    *,
    thing: str,
    unknown: str,
    fiscal_year: int,
) -> list[tuple[T, list[Decimal]]]:
    """(line, key, 12 cells) rows of a grid file matched to `known` by key (case aside) and read as twelve
    amounts, all or nothing: GridImportError lists every bad row with its line, key and cells, each bad
    cell named by its fiscal month and column ("Mar 2028 · P3 (column 5)")."""
    months_named = [c.long for c in month_columns(FiscalCalendar.current_rules().periods(fiscal_year))]
    errors: list[GridRowError] = []
    seen: set[str] = set()
    parsed: list[tuple[T, list[Decimal]]] = []
    for line, code, cells in rows:
        key = code.strip().lstrip("'").lower()
        if not key:
            errors.append(GridRowError(line, "", f"the {thing} is empty."))
            continue
        if key in seen:
            errors.append(GridRowError(line, code, f"this {thing} appears twice in the file."))
            continue
        seen.add(key)
        if key not in known:
            errors.append(GridRowError(line, code, unknown))
            continue
        months, bad = [], []
        for index, cell in enumerate(cells, start=1):
            try:
                months.append(read_amount(cell))
            except ValueError as exc:
                name = months_named[index - 1] if index <= 12 else f"month {index}"
                bad.append(f"{name} (column {index + 2}): {exc}")
        if len(cells) != 12:
            bad.append(f"expected 12 monthly amounts, found {len(cells)}")
        if bad:
            errors.append(GridRowError(line, code, "; ".join(bad) + "."))
            continue
        parsed.append((known[key], months))
    if not rows:
        errors.append(GridRowError(1, "", "the file has no rows."))
    if errors:
        raise GridImportError(errors)
    return parsed


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
