"""What the one-page strategy shows, read from every step: the top items of each, with how many more
exist, so that a plan of any size fits one page. Also the fingerprint of everything it shows, so a
cached PDF is served only while nothing behind it has changed."""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max
from django.utils import timezone

from budgets import selectors as budget_selectors
from budgets.models import Budget
from capabilities import selectors as capability_selectors
from core import formatting
from core.models import AuditEntry
from metrics import engine
from metrics import selectors as metric_selectors
from metrics.models import ChurnPolicy, QuarterlyRollup
from onepager import svg
from orgs.models import FiscalCalendar
from planning import cascade
from planning import goals as long_term_goals
from planning.models import Initiative, Objective, Plan, Risk, SalesTarget

LIMITS = {"objectives": 6, "initiatives": 6, "gaps": 5, "risks": 4, "kpis": 8}
WATERMARK = {"draft": "DRAFT", "in_review": "IN REVIEW", "approved": "APPROVED"}


@dataclass
class Listed:
    """The top rows of a list and how many did not fit."""

    rows: list
    more: int = 0


def top(items: list, key: str) -> Listed:
    limit = LIMITS[key]
    return Listed(items[:limit], max(len(items) - limit, 0))


@dataclass
class OnePage:
    plan: Plan
    fy_label: str
    period: str
    watermark: str
    data_date: dt.date
    summary: str
    target: Decimal
    target_split: dict
    milestones: list
    objectives: Listed
    initiatives: Listed
    gaps: Listed
    unaddressed: int
    budget: dict | None
    kpis: Listed
    churn: dict | None
    risks: Listed
    charts: dict = field(default_factory=dict)


def fingerprint(plan: Plan) -> str:
    """Changes whenever anything the page shows changes: the plan row, any audited write to its
    content (every service write leaves one), the latest KPI rollup or actual behind it, and the
    company's display settings."""
    last_write = (
        AuditEntry.objects.filter(plan_id=plan.pk)
        .exclude(action=AuditEntry.Action.DOWNLOADED)
        .aggregate(last=Max("id"))["last"]
    )
    rolled = QuarterlyRollup.objects.filter(plan=plan).aggregate(last=Max("computed_at"))["last"]
    display = formatting.company_display()  # amounts read in the company's currency and precision
    parts = [plan.pk, plan.revision, plan.version, plan.status, last_write, rolled, data_date(plan), display]
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def data_date(plan: Plan) -> dt.date:
    """The day of the newest data on the page: the latest rollup or plan change."""
    rolled = QuarterlyRollup.objects.filter(plan=plan).aggregate(last=Max("computed_at"))["last"]
    moments = [m for m in (rolled, plan.updated_at) if m is not None]
    return timezone.localtime(max(moments)).date() if moments else timezone.localdate()


def build(plan: Plan) -> OnePage:
    rules = FiscalCalendar.load().rules
    start, end = rules.year_range(plan.fiscal_year)
    objectives = list(
        Objective.objects.filter(plan=plan)
        .select_related("long_term_goal")
        .annotate(initiative_count=Count("initiatives", distinct=True))
        .order_by("-weight", "pk")
    )
    initiatives = list(
        Initiative.objects.filter(plan=plan)
        .exclude(status=Initiative.Status.CANCELLED)
        .order_by("start_quarter", "pk")
    )
    sales = SalesTarget.objects.filter(plan=plan)
    split = {
        "New business": sum((t.new_business for t in sales), Decimal("0")),
        "Expansion": sum((t.expansion for t in sales), Decimal("0")),
        "Renewal": sum((t.renewal for t in sales), Decimal("0")),
    }
    assessed = capability_selectors.assessment_list(plan)
    ranked = capability_selectors.assessment_gaps_ranked(assessed)
    for gap in ranked:
        gap.flagged = capability_selectors.assessment_is_unaddressed(gap)
    risks = sorted(Risk.objects.filter(plan=plan), key=lambda r: (-r.score, r.pk))
    goals = long_term_goals.goal_list_for_plan(plan=plan)
    page = OnePage(
        plan=plan,
        fy_label=rules.label(plan.fiscal_year),
        period=f"{start:%b %Y} – {end:%b %Y}",
        watermark=WATERMARK[plan.status],
        data_date=data_date(plan),
        summary=plan.summary,
        target=cascade.target_total(plan),
        target_split=split,
        milestones=[(g, g.milestone_for(plan.fiscal_year)) for g in goals][:2],
        objectives=top(objectives, "objectives"),
        initiatives=top(initiatives, "initiatives"),
        gaps=top(ranked, "gaps"),
        unaddressed=sum(1 for g in ranked if g.flagged),
        budget=_budget(plan),
        kpis=top(_kpis(plan), "kpis"),
        churn=_churn(plan),
        risks=top(risks, "risks"),
    )
    page.charts = {
        "target": svg.stacked_bar(
            [(label, float(v)) for label, v in split.items()], colors=["#1d4ed8", "#60a5fa", "#bfdbfe"]
        ),
        "budget": svg.bars(
            [(c, float(now)) for c, (_, now) in (page.budget or {}).get("categories", {}).items()],
            currency=page.budget["currency"],
        )
        if page.budget
        else "",
        "kpis": svg.attainment([(k["kpi"].name, k["credited"] or k["attainment"]) for k in page.kpis.rows]),
    }
    return page


def _budget(plan: Plan) -> dict | None:
    budget = Budget.objects.filter(plan=plan).first()
    if budget is None:
        return None
    lines = budget_selectors.budget_lines_list(budget)
    report = budget_selectors.budget_report_get(budget, lines)
    moves = budget.moves.filter(status="posted").exclude(kind="opening").count()
    return {
        "total": budget.total,
        "currency": budget.currency,
        "unallocated": budget.unallocated,
        "categories": budget_selectors.budget_category_totals_get(lines),
        "moves": moves,
        "pending": budget.moves.filter(status="pending").count(),
        "growth_funded": report.growth_funded,
        "value_before": report.value_before,
        "value_after": report.value_after,
    }


def _kpis(plan: Plan) -> list[dict]:
    """The plan's KPIs year to date (the whole year's targets before it starts), from the KPI engine:
    target to date, actual, attainment, credited by the churn allowance, status."""
    today = timezone.localdate()
    window = engine.year_to_date(plan.fiscal_year, today) or engine.year(plan.fiscal_year)
    policy = ChurnPolicy.objects.filter(plan=plan).first()
    kpis = metric_selectors.plan_kpis_list(plan)
    results = engine.evaluate(
        kpis=kpis,
        windows=[window],
        units=[plan.org_unit],
        today=today,
        allowance=policy.allowance if policy else None,
    )
    rows = []
    for kpi in kpis:
        result = results.get(kpi, window, unit=plan.org_unit)
        rows.append(
            {
                "kpi": kpi,
                "target": result.target if result.status == "not_started" else result.expected,
                "actual": result.actual,
                "attainment": result.attainment,
                "credited": result.credited,
                "status": result.status,
                "partial": result.partial,
            }
        )
    order = {"off_track": 0, "stale": 1, "at_risk": 2, "on_track": 3}
    return sorted(rows, key=lambda r: (order.get(r["status"], 4), r["kpi"].name))


def _churn(plan: Plan) -> dict | None:
    policy = ChurnPolicy.objects.filter(plan=plan).first()
    if policy is None:
        return None
    figures = metric_selectors.churn_get(policy)
    return {
        "policy": policy,
        "annual": figures.annual,
        "needed": figures.new_business_needed,
        "warnings": figures.warnings,
    }
