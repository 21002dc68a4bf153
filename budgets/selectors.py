"""Reads of Step 3: lines with their value and spend, the ledger, the checks and the report."""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from budgets.models import Budget, BudgetLine, Move, Spend

ZERO = Decimal("0")


def budget_lines_list(budget: Budget) -> list[BudgetLine]:
    """The budget's lines with their monthly spend attached as `months` (fiscal periods 1…12) and each
    month's version as `month_versions`."""
    rows = list(
        BudgetLine.objects.filter(budget=budget).select_related(
            "objective", "initiative", "improvement_action"
        )
    )
    spend: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO] * 12)
    versions: dict[int, list[int]] = defaultdict(lambda: [0] * 12)  # 0: no spend recorded that month yet
    for line_id, period, amount, version in Spend.objects.filter(line__budget=budget).values_list(
        "line", "period", "amount", "version"
    ):
        spend[line_id][period - 1] = amount
        versions[line_id][period - 1] = version
    opening = dict(
        Move.objects.filter(budget=budget, kind=Move.Kind.OPENING, status=Move.Status.POSTED)
        .values_list("target")
        .annotate(s=Sum("amount"))
    )
    for line in rows:
        line.opening = opening.get(line.pk, ZERO)
        line.months = spend[line.pk]
        line.month_versions = versions[line.pk]
        line.spent = sum(line.months, ZERO)
        line.variance = line.amount - line.spent
        line.used = (line.spent / line.amount) if line.amount else None
    return rows


def budget_ledger_list(budget: Budget):
    return (
        Move.objects.filter(budget=budget)
        .select_related("source", "target", "author", "decided_by", "reverses")
        .prefetch_related("reversed_by")
    )


def budget_check_list(budget: Budget) -> list[str]:
    """Every way the balances disagree with the total or with the ledger (empty when all is well)."""
    budget.refresh_from_db()
    problems = []
    rows = list(BudgetLine.objects.filter(budget=budget))
    allocated = sum((line.amount for line in rows), ZERO)
    if allocated + budget.unallocated != budget.total:
        problems.append(f"lines {allocated} + pool {budget.unallocated} ≠ total {budget.total}")
    posted = Move.objects.filter(budget=budget, status=Move.Status.POSTED)
    inflow = dict(posted.filter(target__isnull=False).values_list("target").annotate(s=Sum("amount")))
    outflow = dict(posted.filter(source__isnull=False).values_list("source").annotate(s=Sum("amount")))
    for line in rows:
        if line.amount < 0:
            problems.append(f"{line} is negative")
        from_ledger = inflow.get(line.pk, ZERO) - outflow.get(line.pk, ZERO)
        if from_ledger != line.amount:
            problems.append(f"{line}: balance {line.amount} but the ledger says {from_ledger}")
    if budget.unallocated < 0:
        problems.append("the pool is negative")
    return problems


@dataclass
class Report:
    total: Decimal
    moved: Decimal  # posted moves between lines and from the pool, after opening, net of reversals
    moved_to_high: Decimal
    growth_funded: Decimal
    value_before: Decimal | None
    value_after: Decimal | None
    high_potential: list[BudgetLine] = field(default_factory=list)
    suggestions: list[tuple[BudgetLine, BudgetLine]] = field(default_factory=list)

    @property
    def share_to_high(self) -> Decimal | None:
        return (self.moved_to_high / self.total).quantize(Decimal("0.0001")) if self.total else None


def budget_report_get(budget: Budget, rows: list[BudgetLine]) -> Report:
    """What the moves achieved, beyond savings."""
    valued = [line for line in rows if line.value_per_unit is not None]
    median = statistics.median([line.value_per_unit for line in valued]) if valued else None
    high = [
        line for line in rows if line.growth or (median is not None and (line.value_per_unit or 0) > median)
    ]
    high_ids = {line.pk for line in high}
    net_in: dict[int, Decimal] = defaultdict(lambda: ZERO)
    growth = moved = ZERO
    posted = Move.objects.filter(budget=budget, status=Move.Status.POSTED).exclude(kind=Move.Kind.OPENING)
    for move in posted.select_related("reverses"):
        sign = -1 if move.kind == Move.Kind.REVERSAL else 1
        original = move.reverses.kind if move.reverses_id else move.kind
        if original == Move.Kind.OPENING:
            continue
        if move.target_id:
            net_in[move.target_id] += move.amount
        if move.source_id:
            net_in[move.source_id] -= move.amount
        moved += sign * move.amount
        if original in (Move.Kind.FUND_GROWTH, Move.Kind.DEPLOY):
            growth += sign * move.amount
    to_high = sum((max(net_in[pk], ZERO) for pk in high_ids), ZERO)
    opened = [line for line in rows if line.opening > 0]
    opening = sum((line.opening for line in opened), ZERO)
    before = (sum((line.expected_value for line in opened), ZERO) / opening) if opening else None
    current = sum((line.amount for line in valued), ZERO)
    after = (sum((line.value_per_unit * line.amount for line in valued), ZERO) / current) if current else None
    ranked = sorted(valued, key=lambda line: line.value_per_unit)
    donors = [line for line in ranked if line.amount > 0]
    takers = list(reversed(ranked))
    suggestions = [
        (low, best)
        for low, best in zip(donors[:3], takers[:3], strict=False)
        if low.pk != best.pk and low.value_per_unit < best.value_per_unit
    ]
    quant = Decimal("0.01")
    return Report(
        total=budget.total,
        moved=moved,
        moved_to_high=to_high,
        growth_funded=growth,
        value_before=before.quantize(quant) if before is not None else None,
        value_after=after.quantize(quant) if after is not None else None,
        high_potential=high,
        suggestions=suggestions,
    )


def budget_category_totals_get(rows: list[BudgetLine]) -> dict[str, tuple[Decimal, Decimal]]:
    """(planned at opening, allocated now) per category."""
    result: dict[str, list[Decimal]] = {}
    for line in rows:
        planned, now = result.setdefault(line.get_category_display(), [ZERO, ZERO])
        result[line.get_category_display()] = [planned + line.opening, now + line.amount]
    return {k: (v[0], v[1]) for k, v in result.items()}
