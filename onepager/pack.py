"""What a plan's quarterly review pack shows, read from the review page's own sources: the quarter's rollup
rows (the KPI engine's stored answers), the monthly trend and the budget quarter of metrics.qbr, the churn
figures of metrics.selectors, the target adjustments made at the review and the plan's risks. Nothing here
computes a figure: it picks the rows and orders them. Also the fingerprint a built pack is cached under.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.db.models import Max

from budgets import selectors as budget_selectors
from budgets.models import Budget, BudgetLine, Move
from metrics import engine, qbr
from metrics import selectors as metric_selectors
from metrics.models import KPI, Actual, ChurnPolicy, ImportBatch, QuarterlyRollup, RollupRun, TargetAdjustment
from onepager import content
from orgs.models import FiscalCalendar
from planning.models import Plan, Risk

LAYOUT = 1  # raised when the pack's layout changes, so that packs built before are built again
TRENDS = 4  # monthly trend charts in a pack; the review page shows any KPI's
STATUS_ORDER = {"off_track": 0, "stale": 1, "at_risk": 2, "on_track": 3}


@dataclass
class Trend:
    """Target and actual of one KPI by fiscal month, as the review page's trend chart draws them."""

    kpi: KPI
    months: list[str]
    targets: list[float | None]
    actuals: list[float | None]


@dataclass
class Pack:
    plan: Plan
    quarter: int
    fy_label: str
    period_label: str
    data_date: dt.date
    run: RollupRun | None
    top: list[QuarterlyRollup]  # every KPI of the plan's own unit
    units: list[QuarterlyRollup]  # every KPI of each unit below it
    sellers: list[QuarterlyRollup]  # money KPIs per seller, as the review page lists them
    flags: list[QuarterlyRollup]
    trends: list[Trend]
    more_trends: int
    policy: ChurnPolicy | None
    churn: metric_selectors.Churn | None
    budget: dict | None
    moves: list[Move]
    lines: list[BudgetLine]
    adjustments: list[TargetAdjustment]
    risks: list[Risk]
    credited_by_allowance: list[QuarterlyRollup] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Q{self.quarter} business review · {self.plan.org_unit.name} {self.fy_label}"


def fingerprint(plan: Plan, quarter: int) -> str:
    """Changes whenever anything the pack shows may have changed: everything behind the one-pager (the plan,
    every audited write to its content, the latest rollup, the display settings), the quarter, the newest
    actual and the latest import (files and the bulk API) behind the monthly trends, and the pack's layout.
    An actual edited one by one through the API shows in the trends from the next rollup (nightly)."""
    newest_actual = Actual.objects.aggregate(last=Max("id"))["last"]  # the primary key's index: no scan
    imported = ImportBatch.objects.aggregate(last=Max("finished_at"))["last"]
    parts = [content.fingerprint(plan), quarter, LAYOUT, newest_actual, imported]
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def build(plan: Plan, quarter: int) -> Pack:
    """The pack of `plan` at its Q`quarter` review."""
    rules = FiscalCalendar.current_rules()
    periods = engine.quarter(plan.fiscal_year, quarter, rules=rules).periods
    review = qbr.review_rows(plan, quarter)
    top, sellers = review.top, review.sellers
    trends = _trend_kpis(top)
    policy = ChurnPolicy.objects.filter(plan=plan).first()
    budget = Budget.objects.filter(plan=plan).first()
    return Pack(
        plan=plan,
        quarter=quarter,
        fy_label=rules.label(plan.fiscal_year),
        period_label=f"{periods[0].label} – {periods[-1].label}",
        data_date=content.data_date(plan),
        run=RollupRun.objects.filter(plan=plan, quarter=quarter).first(),
        top=sorted(top, key=_attention),
        units=review.units,
        sellers=sellers,
        flags=review.flags,
        trends=[_trend(plan, kpi) for kpi in trends[:TRENDS]],
        more_trends=max(len(trends) - TRENDS, 0),
        policy=policy,
        churn=metric_selectors.churn_get(policy) if policy else None,
        budget=qbr.budget_quarter(plan, periods),
        moves=_moves(budget, periods),
        lines=_lines(budget),
        adjustments=qbr.with_month_labels(
            TargetAdjustment.objects.filter(plan=plan, review_quarter=quarter).select_related("kpi", "actor"),
            rules.periods(plan.fiscal_year),
        ),
        risks=sorted(Risk.objects.filter(plan=plan), key=lambda r: (-r.score, r.pk)),
        credited_by_allowance=[
            r for r in sellers if r.attainment is not None and r.attainment < 1 <= (r.credited or 0)
        ],
    )


def _attention(row: QuarterlyRollup) -> tuple:
    """What a review discusses first: off track, stale, at risk, on track, then the rest; by name."""
    return STATUS_ORDER.get(row.status, 4), row.kpi.name


def _trend_kpis(top: list[QuarterlyRollup]) -> list[KPI]:
    """The unit's KPIs with a target this quarter: money first (revenue, pipeline), then by attention."""
    targeted = [r for r in top if r.target is not None]
    ordered = sorted(targeted, key=lambda r: (r.kpi.unit != KPI.Unit.CURRENCY, *_attention(r)))
    return [r.kpi for r in ordered]


def _trend(plan: Plan, kpi: KPI) -> Trend:
    """The review page's trend (metrics.qbr.trend), read back from its chart: the same numbers."""
    chart = qbr.trend(plan, kpi)
    target, actual = chart["data"]
    return Trend(kpi, list(target["x"]), list(target["y"]), list(actual["y"]))


def _moves(budget: Budget | None, periods) -> list[Move]:
    """The budget's moves requested in the quarter (the opening allocation is not a move)."""
    if budget is None:
        return []
    start, end = periods[0].start, periods[-1].end
    return list(
        budget_selectors.budget_ledger_list(budget)
        .exclude(kind=Move.Kind.OPENING)
        .filter(created_at__date__gte=start, created_at__date__lte=end)
    )


def _lines(budget: Budget | None) -> list[BudgetLine]:
    """The budget's lines, most value per unit of cost first (lines without a stated value last)."""
    if budget is None:
        return []
    rows = budget_selectors.budget_lines_list(budget)
    return sorted(rows, key=lambda r: (r.value_per_unit is None, -(r.value_per_unit or 0), r.name))
