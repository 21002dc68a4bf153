"""The home page by role, around numbers and decisions (DashboardPanel entries in core.registry).

- Sales leaders: what waits for them (child units' numbers to decide, plans and numbers sent back, budget
  moves waiting for an executive), then per unit of the fiscal year in progress the target, ramped capacity
  and coverage, revenue attainment to date against the phased target (the KPI engine), a trend of the last
  months and how far each step of the plan has got.
- Viewers: the same units, read only.
- Sales ops: data freshness (late sources first), failed and stuck jobs, Day-1 readiness gaps of next year,
  plans that have no target yet.
- Executives: the approval queue with each plan's headline figures and what is open on it, revenue
  attainment by region, the top risks and the unaddressed capability gaps.

Every figure comes from the function that computes it elsewhere (engine, capacity, alerts, readiness).
The panels are short lists; each links to the full list."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Sum
from django.urls import reverse
from django.utils import timezone

from budgets.models import Budget, BudgetLine, Move
from capabilities.models import CapabilityAssessment
from capabilities.selectors import assessment_unaddressed_list
from core import formatting
from core.models import AuditEntry
from metrics import calc, engine, jobs, pull_views, selectors
from metrics.models import KPI, ActualMonth, ChurnPolicy, KPITarget
from metrics.pipeline import leader_panel
from orgs import permissions
from orgs.models import FiscalCalendar, OrgUnit, Role
from planning.capacity import capacity
from planning.dashboard import Panel
from planning.models import Objective, Plan, Risk, SalesTarget, TargetAllocation, TargetSubmission
from planning.overview import alerts

REVENUE = "revenue"
SHOWN = 8  # rows a panel lists before "all …"
TREND_MONTHS = 6


def panels(user) -> list[Panel]:
    if not user.is_authenticated:
        return []
    roles = permissions.roles_of(user)
    today = timezone.localdate()
    year = FiscalCalendar.current_rules().fiscal_year_of(today)
    result: list[Panel] = []
    if Role.SALES_LEADER in roles:
        result.append(_waiting_for_leader(user))
        plans = Plan.objects.with_role(user, permissions.EDIT_PLAN)
        result.append(_units(plans, year, today, title=f"Your units · FY{year}"))
        result.reverse()  # the figures first, full width; what waits beside the next panels
        result.append(leader_panel(plans, year, today))
    elif Role.VIEWER in roles:
        result.append(_units(Plan.objects.visible_to(user), year, today, title=f"Your units · FY{year}"))
    if Role.SALES_OPS in roles:
        result += _ops(user, year, today)
    if Role.EXECUTIVE in roles:
        result += _executive(user, year, today)
    return result


# --- Leaders and viewers ------------------------------------------------------------------------------------


@dataclass
class UnitRow:
    plan: Plan
    target: Decimal
    capacity: Decimal
    coverage: Decimal | None
    revenue: engine.Result | None
    trend: list[tuple[str, Decimal | None]]  # (month label, attainment) for the last finished months
    steps: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def steps_done(self) -> int:
        return sum(done for _, done in self.steps)

    @property
    def spark(self) -> str:
        """The trend as SVG polyline points in a 100 × 24 box, scaled to the months' range with 100% inside
        it (target_y gives that line)."""
        values = [(i, float(v)) for i, (_, v) in enumerate(self.trend) if v is not None]
        if len(values) < 2:
            return ""
        step = 100 / max(1, len(self.trend) - 1)
        return " ".join(f"{i * step:.1f},{self._y(v):.1f}" for i, v in values)

    @property
    def target_y(self) -> str:
        return f"{self._y(1.0):.1f}"

    def _y(self, value: float) -> float:
        shown = [float(v) for _, v in self.trend if v is not None] + [1.0]
        low, high = min(shown) - 0.05, max(shown) + 0.05
        return 22 - (value - low) / (high - low) * 20


def _units(plans, year: int, today: dt.date, *, title: str) -> Panel:
    chosen = list(
        plans.filter(fiscal_year=year).select_related("org_unit").order_by("org_unit__path")[:SHOWN]
    )
    total = plans.filter(fiscal_year=year).count()
    rows = unit_rows(chosen, today)
    data = {"rows": rows, "total": total, "year": year, "all_url": reverse("planning:home") + f"?year={year}"}
    return Panel(title, "metrics/panels/units.html", data, wide=True)


def unit_rows(plans: list[Plan], today: dt.date) -> list[UnitRow]:
    """Each plan's headline figures: target, capacity, revenue to date against the phased target, trend and
    steps. Queries do not grow with the units below the plans."""
    if not plans:
        return []
    revenue = KPI.objects.filter(code=REVENUE, active=True).first()
    by_year: dict[int, engine.Results] = {}
    windows: dict[int, tuple] = {}
    for year in {p.fiscal_year for p in plans}:
        ytd = engine.year_to_date(year, today)
        months = [m for m in engine.fiscal_months(year) if m.end < today][-TREND_MONTHS:]
        windows[year] = (ytd, months)
        units = [p.org_unit for p in plans if p.fiscal_year == year]
        if revenue is not None and (ytd or months):
            by_year[year] = engine.evaluate(
                kpis=[revenue], windows=[w for w in [ytd, *months] if w], units=units, today=today
            )
    steps = plan_steps(plans)
    rows = []
    for plan in plans:
        _, total = capacity(plan)
        ytd, months = windows[plan.fiscal_year]
        found = by_year.get(plan.fiscal_year)
        result = found.get(revenue, ytd, unit=plan.org_unit) if found and ytd else None
        trend = [
            (m.label, found.get(revenue, m, unit=plan.org_unit).attainment if found else None) for m in months
        ]
        rows.append(
            UnitRow(plan, total.target, total.capacity, total.coverage, result, trend, steps[plan.pk])
        )
    return rows


def plan_steps(plans: list[Plan]) -> dict[int, list[tuple[str, bool]]]:
    """Per plan, steps 1–4 done or not: 1 objectives, a sales target and a cascade; 2 capabilities assessed;
    3 a budget with lines; 4 a churn policy and targets for every KPI linked to an objective. A handful of
    grouped queries, whatever the number of plans."""
    ids = [p.pk for p in plans]

    def having(model, **extra) -> set[int]:
        return set(model.objects.filter(plan__in=ids, **extra).values_list("plan", flat=True).distinct())

    objectives, targets, cascaded = having(Objective), having(SalesTarget), having(TargetAllocation)
    assessed = having(CapabilityAssessment)
    budgeted = set(
        BudgetLine.objects.filter(budget__plan__in=ids).values_list("budget__plan", flat=True).distinct()
    )
    policies = having(ChurnPolicy)
    linked = Objective.objects.filter(plan__in=ids).values_list("plan", "kpis")
    wanted: dict[int, set[int]] = {}
    for plan_id, kpi_id in linked:
        if kpi_id:
            wanted.setdefault(plan_id, set()).add(kpi_id)
    have = set(
        KPITarget.objects.filter(
            seller=None,
            org_unit__in=[p.org_unit_id for p in plans],
            fiscal_year__in={p.fiscal_year for p in plans},
        )
        .values_list("org_unit", "fiscal_year", "kpi")
        .distinct()
    )
    result = {}
    for p in plans:
        kpis_set = all((p.org_unit_id, p.fiscal_year, k) in have for k in wanted.get(p.pk, set()))
        result[p.pk] = [
            ("Alignment", p.pk in objectives and p.pk in targets and p.pk in cascaded),
            ("Capabilities", p.pk in assessed),
            ("Budget", p.pk in budgeted),
            ("Metrics", p.pk in policies and bool(wanted.get(p.pk)) and kpis_set),
        ]
    return result


@dataclass
class Waiting:
    text: str
    url: str
    tone: str  # a status_badge tone
    label: str


def _waiting_for_leader(user) -> Panel:
    units = OrgUnit.objects.with_role(user, permissions.EDIT_PLAN)
    items: list[Waiting] = []
    to_decide = TargetSubmission.objects.filter(
        status=TargetSubmission.Status.SUBMITTED, plan__org_unit__parent__in=units
    ).select_related("plan__org_unit", "plan__org_unit__parent")
    for s in to_decide:
        parent = Plan.objects.filter(org_unit=s.plan.org_unit.parent, fiscal_year=s.plan.fiscal_year).first()
        url = reverse("planning:targets", args=[parent.pk]) + "#bottom-up" if parent else ""
        items.append(
            Waiting(
                f"{s.plan.org_unit} submitted its number for FY{s.plan.fiscal_year}", url, "info", "Decide"
            )
        )
    own = Plan.objects.with_role(user, permissions.EDIT_PLAN)
    for s in TargetSubmission.objects.filter(
        status=TargetSubmission.Status.SENT_BACK, plan__in=own
    ).select_related("plan__org_unit"):
        url = reverse("planning:targets", args=[s.plan_id]) + "#bottom-up"
        items.append(Waiting(f"{s.plan} — your number was sent back", url, "warn", "Sent back"))
    drafts = {p.pk: p for p in own.filter(status=Plan.Status.DRAFT).select_related("org_unit")}
    transitions = AuditEntry.objects.filter(
        plan_id__in=list(drafts), content_type__model="plan", object_id__in=[str(pk) for pk in drafts]
    )
    latest = dict(transitions.values_list("plan_id").annotate(at=Max("at")))
    sent_back = transitions.filter(action=AuditEntry.Action.SENT_BACK).values_list("plan_id", "at")
    for plan_id, at in sent_back:
        if latest.get(plan_id) == at:
            url = reverse("planning:plan", args=[plan_id])
            items.append(Waiting(f"{drafts[plan_id]} was sent back for changes", url, "warn", "Sent back"))
    pending = Move.objects.filter(status=Move.Status.PENDING, budget__plan__in=own).select_related(
        "budget__plan__org_unit"
    )
    for move in pending.order_by("created_at")[:SHOWN]:
        url = reverse("budgets:plan", args=[move.budget.plan_id]) + "#ledger"
        amount = formatting.money(move.amount, currency=move.budget.currency)
        items.append(
            Waiting(f"{move.budget.plan}: a move of {amount} waits for an executive", url, "muted", "Pending")
        )
    return Panel("Waiting for you", "metrics/panels/waiting.html", {"items": items})


# --- Sales ops ----------------------------------------------------------------------------------------------


def _ops(user, year: int, today: dt.date) -> list[Panel]:
    # Each KPI's latest data date, from the monthly sums (a few rows a month) rather than every day's row.
    last = dict(ActualMonth.objects.values_list("kpi").annotate(last=Max("last_date")).order_by())
    freshness = []
    for kpi in KPI.objects.filter(active=True).exclude(aggregation=KPI.Aggregation.RATIO).order_by("name"):
        seen = last.get(kpi.pk)
        stale = calc.is_stale(seen, kpi.review_cadence, today) if kpi.review_cadence else seen is None
        freshness.append({"kpi": kpi, "last": seen, "stale": stale})
    freshness.sort(key=lambda r: (not r["stale"], r["kpi"].name))
    fresh = {"rows": freshness[:SHOWN], "stale": sum(r["stale"] for r in freshness), "total": len(freshness)}
    attention = {"jobs": jobs.attention(user), "days": jobs.RETRY_DAYS}
    gaps = [r for r in selectors.kpi_readiness_list(fiscal_year=year + 1, today=today) if not r.ready]
    readiness = {"rows": gaps[:SHOWN], "total": len(gaps), "year": year + 1}
    plans = (
        Plan.objects.visible_to(user)
        .filter(fiscal_year__in=[year, year + 1])
        .annotate(targets=Count("sales_targets"))
        .filter(targets=0)
        .select_related("org_unit")
        .order_by("fiscal_year", "org_unit__path")
    )
    missing = {"rows": list(plans[:SHOWN]), "total": plans.count()}
    pulled = pull_views.rows()  # each source's freshness from metrics.pulls, failed and overdue first
    pulls = {"rows": pulled[:SHOWN], "total": len(pulled), "attention": sum(r.attention for r in pulled)}
    return [
        Panel("Data freshness", "metrics/panels/freshness.html", fresh),
        Panel("Pull sources", "metrics/pulls/panel.html", pulls),
        Panel("Failed and stuck jobs", "metrics/panels/jobs.html", attention),
        Panel(f"Day-1 readiness gaps · FY{year + 1}", "metrics/panels/readiness.html", readiness),
        Panel("Plans with no target yet", "metrics/panels/missing.html", missing),
    ]


# --- Executives ---------------------------------------------------------------------------------------------


@dataclass
class QueueRow:
    plan: Plan
    target: Decimal
    budget: Decimal | None
    revenue: engine.Result | None
    open_items: list


def _executive(user, year: int, today: dt.date) -> list[Panel]:
    visible = Plan.objects.visible_to(user)
    in_review = list(
        visible.filter(status=Plan.Status.IN_REVIEW)
        .select_related("org_unit")
        .order_by("fiscal_year", "org_unit__path")
    )
    queue_plans = in_review[:SHOWN]
    targets = dict(
        SalesTarget.objects.filter(plan__in=queue_plans)
        .values_list("plan")
        .annotate(t=Sum("new_business") + Sum("expansion") + Sum("renewal"))
    )
    budgets = dict(Budget.objects.filter(plan__in=queue_plans).values_list("plan", "total"))
    headline = {r.plan.pk: r for r in unit_rows(queue_plans, today)}
    queue = [
        QueueRow(
            p,
            targets.get(p.pk) or Decimal(0),
            budgets.get(p.pk),
            headline[p.pk].revenue if p.pk in headline else None,
            _grouped(alerts(p)),
        )
        for p in queue_plans
    ]
    moves = Move.objects.filter(status=Move.Status.PENDING, budget__plan__in=visible).count()
    approvals = {"rows": queue, "total": len(in_review), "moves": moves}

    regions = list(OrgUnit.objects.visible_to(user).filter(kind=OrgUnit.Kind.REGION).order_by("path"))
    bars = _region_bars(regions, year, today)

    current = visible.filter(fiscal_year=year)
    risks = list(
        Risk.objects.filter(plan__in=current)
        .select_related("plan__org_unit")
        .order_by("-likelihood", "-impact", "pk")
    )
    risks.sort(key=lambda r: -r.score)
    gaps = []
    open_plans = (
        visible.filter(fiscal_year__in=[year, year + 1])
        .exclude(status=Plan.Status.APPROVED)
        .select_related("org_unit")
        .order_by("-status", "fiscal_year", "org_unit__path")  # in review first
    )
    for plan in open_plans[:SHOWN]:
        gaps += [(plan, a) for a in assessment_unaddressed_list(plan)]
    return [
        Panel("Waiting for your approval", "metrics/panels/approvals.html", approvals, wide=True),
        Panel(
            f"Revenue attainment by region · FY{year} to date", "metrics/panels/regions.html", {"bars": bars}
        ),
        Panel(
            f"Top risks · FY{year}", "metrics/panels/risks.html", {"rows": risks[:SHOWN], "total": len(risks)}
        ),
        Panel(
            "Unaddressed capability gaps",
            "metrics/panels/gaps.html",
            {"rows": gaps[:SHOWN], "total": len(gaps)},
        ),
    ]


def _grouped(found: list) -> list[dict]:
    """A plan's alerts as one line per kind: {'label', 'tone', 'count', 'url'} (the first alert's link)."""
    kinds: dict[str, dict] = {}
    for a in found:
        kind = kinds.setdefault(a.label, {"label": a.label, "tone": a.tone, "count": 0, "url": a.url})
        kind["count"] += a.count
    return list(kinds.values())


def _region_bars(regions: list[OrgUnit], year: int, today: dt.date) -> list[dict]:
    """Per region, its plans' revenue added up: the engine's actual and target due to date for each plan
    at the bottom of the region's plan tree (a plan with no plan below it), summed — revenue adds up, so
    Σ actual ÷ Σ due is the region's attainment, judged by the KPI's own status rule (calc.status)."""
    revenue = KPI.objects.filter(code=REVENUE, active=True).first()
    ytd = engine.year_to_date(year, today)
    if revenue is None or ytd is None or not regions:
        return []
    units = list(OrgUnit.objects.filter(plans__fiscal_year=year).distinct())
    paths = [u.path for u in units]
    leaves = [u for u in units if not any(p != u.path and p.startswith(u.path) for p in paths)]
    found = engine.evaluate(kpis=[revenue], windows=[ytd], units=leaves, today=today)
    bars = []
    for region in regions:
        inside = [found.get(revenue, ytd, unit=u) for u in leaves if u.path.startswith(region.path)]
        actual = sum((r.actual for r in inside if r.actual is not None), Decimal(0))
        due = sum((r.expected for r in inside if r.expected is not None), Decimal(0))
        attainment = actual / due if due else None
        status = calc.status(attainment, revenue.alert_threshold, has_target=bool(due))
        width = min(float(attainment or 0), 1.5) / 1.5 * 100
        bars.append(
            {
                "unit": region,
                "attainment": attainment,
                "status": status,
                "plans": len(inside),
                "width": f"{width:.1f}",
            }
        )
    return bars
