"""The quarterly business review page of a plan: rollup by unit and seller, trends, flags, churn,
budget value, and the target adjustments made at the review."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from budgets import selectors as budget_selectors
from budgets.models import Budget, Spend
from capabilities.charts import FONT
from core import editing, formatting, paging
from core.queue import QueueUnavailable
from core.sheet import month_columns
from metrics import engine, pipeline, services, tasks
from metrics.models import KPI, ChurnPolicy, QuarterlyRollup, RollupRun, TargetAdjustment
from orgs import permissions
from orgs.models import FiscalCalendar
from planning import selectors as plan_selectors
from planning.views.plan import plan_context

QBR_PAGE = 50  # rows of the unit and seller tables per page: a team of a thousand sellers stays quick to read


def default_quarter(fiscal_year: int, today: dt.date | None = None) -> int:
    """The review a page opens on: the last finished quarter of the year (the one in progress has no
    like-for-like figures yet), Q1 while it is the first, Q4 once the year has ended."""
    rules = FiscalCalendar.current_rules()
    today = today or timezone.localdate()
    start, end = rules.year_range(fiscal_year)
    if today < start:
        return 1
    if today > end:
        return 4
    return max(rules.locate(today).quarter - 1, 1)


def running_quarter(fiscal_year: int, today: dt.date | None = None) -> int | None:
    """The year's quarter in progress, if one is."""
    rules = FiscalCalendar.current_rules()
    today = today or timezone.localdate()
    start, end = rules.year_range(fiscal_year)
    return rules.locate(today).quarter if start <= today <= end else None


def trend(plan, kpi: KPI) -> dict:
    """Target vs actual by fiscal month for the plan's unit: the seasonality shows in the targets. A money
    KPI's axis and hover carry the company's currency; numbers group as the reader's locale writes them."""
    monthly = engine.fiscal_months(plan.fiscal_year)
    results = engine.evaluate(kpis=[kpi], windows=monthly, units=[plan.org_unit])
    answers = [results.get(kpi, m, unit=plan.org_unit) for m in monthly]
    months = [m.label for m in monthly]
    targets = [a.target for a in answers]
    actuals = [a.actual for a in answers]
    target_trace = {
        "type": "bar",
        "name": "Target",
        "x": months,
        "y": _floats(targets),
        "marker": {"color": "#cbd5e1"},
    }
    actual_trace = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": "Actual",
        "x": months,
        "y": _floats(actuals),
        "line": {"color": "#1d4ed8", "width": 3},
    }
    yaxis = {"fixedrange": True, "tickformat": ",.0f" if kpi.aggregation != "ratio" else ".0%"}
    if kpi.unit == KPI.Unit.CURRENCY and kpi.aggregation != "ratio":
        yaxis |= formatting.chart_money_axis()
        for trace, values, label in ((target_trace, targets, "target"), (actual_trace, actuals, "actual")):
            trace["customdata"] = formatting.chart_money_text(values)
            trace["hovertemplate"] = f"%{{x}}<br>{label} %{{customdata}}<extra></extra>"
    layout = formatting.chart_layout() | {
        "font": FONT,
        "height": 280,
        "margin": {"l": 80, "r": 10, "t": 10, "b": 50},
        "legend": {"orientation": "h", "y": 1.15},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "yaxis": yaxis,
        "xaxis": {"fixedrange": True},
    }
    return {"data": [target_trace, actual_trace], "layout": layout}


def _floats(values: list) -> list[float | None]:
    return [float(v) if v is not None else None for v in values]


def budget_quarter(plan, periods) -> dict | None:
    budget = Budget.objects.filter(plan=plan).first()
    if budget is None:
        return None
    lines = budget_selectors.budget_lines_list(budget)
    report = budget_selectors.budget_report_get(budget, lines)
    spent = Spend.objects.filter(line__budget=budget, period__in=[p.period for p in periods]).values_list(
        "amount", flat=True
    )
    allocated = budget.total - budget.unallocated
    return {
        "value_before": report.value_before,
        "value_after": report.value_after,
        "spent": sum(spent, Decimal("0")),
        "quarter_allocation": (allocated / 4).quantize(Decimal("0.01")),
        "currency": budget.currency,
    }


@login_required
@require_safe
def qbr(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    q = request.GET.get("q", "")
    quarter = int(q) if q in ("1", "2", "3", "4") else default_quarter(plan.fiscal_year)
    if request.htmx and request.GET.get("part") == "run":
        return _run_status(request, plan, quarter)
    periods = FiscalCalendar.current_rules().periods(plan.fiscal_year)[(quarter - 1) * 3 : quarter * 3]
    top = top_rows(plan, quarter)
    kpis = sorted({r.kpi for r in top}, key=lambda k: k.name)
    targeted = [r.kpi for r in top if r.target is not None] or kpis  # a trend needs something to compare
    chosen = next((k for k in kpis if k.code == request.GET.get("kpi")), min(targeted, default=None, key=str))
    can_metrics = permissions.has_role(request.user, plan.org_unit, permissions.EDIT_METRICS)
    context = plan_context(request, plan, tab="metrics") | {
        "quarter": quarter,
        "quarters": [1, 2, 3, 4],
        "running_quarter": running_quarter(plan.fiscal_year),
        "period_label": f"{periods[0].label} – {periods[-1].label}",
        "run": RollupRun.objects.filter(plan=plan, quarter=quarter).select_related("requested_by").first(),
        "can_run": permissions.has_role(request.user, plan.org_unit, permissions.MANAGE_ORG),
        "top": top,
        "units": paging.paged(request, unit_rows(plan, quarter), "units_page", size=QBR_PAGE),
        "sellers": paging.paged(request, seller_rows(plan, quarter), "sellers_page", size=QBR_PAGE),
        "flags": flagged(top),
        "kpis": kpis,
        "chosen": chosen,
        "trend": trend(plan, chosen) if chosen else None,
        "policy": ChurnPolicy.objects.filter(plan=plan).first(),
        "budget": budget_quarter(plan, periods),
        "adjustments": with_month_labels(
            TargetAdjustment.objects.filter(plan=plan, review_quarter=quarter).select_related("kpi", "actor"),
            FiscalCalendar.current_rules().periods(plan.fiscal_year),
        ),
        "can_adjust": can_metrics and plan.is_editable,
        "can_metrics": can_metrics,
        "all_kpis": KPI.objects.filter(active=True).order_by("name"),
        "months": FiscalCalendar.current_rules().periods(plan.fiscal_year),
        "pipeline": pipeline.plan_pipeline(plan, quarter),
    }
    return render(request, "metrics/qbr.html", context)


def _run_status(request: HttpRequest, plan, quarter: int) -> HttpResponse:
    """What the page polls while a rollup runs: its status alone, or a reload of the page once it ended."""
    run = RollupRun.objects.filter(plan=plan, quarter=quarter).select_related("requested_by").first()
    if run is not None and run.status in (RollupRun.Status.DONE, RollupRun.Status.FAILED):
        # The page polled a run that has now ended: reload it whole, so the tables show the figures.
        finished = HttpResponse(status=204)
        finished["HX-Refresh"] = "true"
        return finished
    context = {"plan": plan, "quarter": quarter, "run": run, "top": top_rows(plan, quarter)}
    return render(request, "metrics/partials/run_status.html", context)


@dataclass
class ReviewRows:
    """A quarter's stored rollup rows as the review lists them."""

    top: list[QuarterlyRollup]  # every KPI of the plan's own unit
    units: list[QuarterlyRollup]  # every KPI of each unit below it
    sellers: list[QuarterlyRollup]  # money KPIs per seller
    flags: list[QuarterlyRollup]  # the plan unit's KPIs off track, stale or partly covered


def review_rows(plan, quarter: int) -> ReviewRows:
    """The rows the QBR pack shows, whole: one read of the rows it lists, split one way. The review page
    reads the same rows a table page at a time (top_rows, unit_rows, seller_rows)."""
    rows = list(
        _rollups(plan, quarter)
        .filter(Q(seller=None) | Q(kpi_id__in=_money_kpis()))  # sellers' other KPIs are not listed
        .select_related("kpi", "org_unit", "seller")
        .order_by("org_unit__path", "seller__name", "kpi__name", "pk")
    )
    unit_rows = [r for r in rows if r.seller_id is None]
    top = [r for r in unit_rows if r.org_unit_id == plan.org_unit_id]
    return ReviewRows(
        top=top,
        units=[r for r in unit_rows if r.org_unit_id != plan.org_unit_id],
        sellers=[r for r in rows if r.seller_id is not None],
        flags=flagged(top),
    )


def _rollups(plan, quarter: int) -> QuerySet[QuarterlyRollup]:
    return QuarterlyRollup.objects.filter(plan=plan, quarter=quarter)


def _money_kpis() -> list[int]:
    """The money KPIs' ids, read first: a filter on a list of ids uses the rollup's index whatever the
    planner guesses of a quarter just rolled up, where a join to the KPIs could scan every seller's row."""
    return list(KPI.objects.filter(unit=KPI.Unit.CURRENCY).values_list("pk", flat=True))


def top_rows(plan, quarter: int) -> list[QuarterlyRollup]:
    """Every KPI of the plan's own unit, by name."""
    rows = _rollups(plan, quarter).filter(seller=None, org_unit_id=plan.org_unit_id)
    return list(rows.select_related("kpi", "org_unit").order_by("kpi__name", "pk"))


def unit_rows(plan, quarter: int) -> QuerySet[QuarterlyRollup]:
    """Every KPI of each unit below the plan's, in the tree's order."""
    rows = _rollups(plan, quarter).filter(seller=None).exclude(org_unit_id=plan.org_unit_id)
    return rows.select_related("kpi", "org_unit").order_by("org_unit__path", "kpi__name", "pk")


def seller_rows(plan, quarter: int) -> QuerySet[QuarterlyRollup]:
    """The money KPIs of each seller, by unit and name."""
    rows = _rollups(plan, quarter).filter(seller__isnull=False, kpi_id__in=_money_kpis())
    return rows.select_related("kpi", "org_unit", "seller").order_by(
        "org_unit__path", "seller__name", "kpi__name", "pk"
    )


def flagged(top: list[QuarterlyRollup]) -> list[QuarterlyRollup]:
    """The plan unit's KPIs off track, stale or partly covered."""
    return [r for r in top if r.status in ("off_track", "stale") or r.partial]


def with_month_labels(adjustments, periods) -> list[TargetAdjustment]:
    """Each adjustment with `month`, its fiscal month as the grids name it: "Dec 2027 · P11"."""
    names = {c.key: c.long for c in month_columns(periods)}
    rows = list(adjustments)
    for a in rows:
        a.month = names.get(f"m{a.period}", f"P{a.period}")
    return rows


def _url(plan_id: int, quarter: int) -> str:
    return reverse("metrics:qbr", kwargs={"plan_id": plan_id}) + f"?q={quarter}"


def _back(plan_id: int, quarter: int) -> HttpResponse:
    return redirect(_url(plan_id, quarter))


@login_required
@require_POST
def qbr_run(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    if not permissions.has_role(request.user, plan.org_unit, permissions.MANAGE_ORG):
        raise PermissionDenied("Sales ops run rollups.")
    quarter = (
        int(request.POST.get("quarter", "0"))
        if request.POST.get("quarter", "") in ("1", "2", "3", "4")
        else 0
    )
    if not quarter:
        messages.error(request, "Pick a quarter to roll up.")
        return _back(plan.pk, 1)
    try:
        tasks.request_rollup(plan=plan, quarter=quarter, actor=request.user)
    except QueueUnavailable as exc:  # the run is recorded as failed with the same message
        messages.error(request, str(exc.detail))
        return _back(plan.pk, quarter)
    messages.success(request, f"Rollup of Q{quarter} queued; this page shows its progress.")
    return _back(plan.pk, quarter)


@login_required
@require_POST
def qbr_adjust(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    data = request.POST
    quarter = int(data.get("quarter", "1")) if data.get("quarter", "") in ("1", "2", "3", "4") else 1
    kpi = get_object_or_404(KPI, pk=data.get("kpi") if str(data.get("kpi", "")).isdigit() else 0)
    try:
        period = int(data.get("period", "0"))
    except ValueError:
        messages.error(request, "Pick the fiscal month to adjust.")
        return _back(plan.pk, quarter)
    outcome = editing.submit(
        None,
        lambda: services.target_adjust(
            actor=request.user, plan=plan, quarter=quarter, kpi=kpi, period=period,
            value=data.get("value", ""), reason=data.get("reason", ""),
        ),
    )  # fmt: skip
    names = [c.long for c in month_columns(FiscalCalendar.current_rules().periods(plan.fiscal_year))]
    month = names[period - 1] if 1 <= period <= 12 else f"P{period}"
    done = f"{kpi} target for {month} adjusted at the Q{quarter} review."
    return editing.action(request, outcome, done=done, to=_url(plan.pk, quarter))
