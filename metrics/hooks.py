"""Step 4's parts in the earlier steps: its tab and line on the overview, KPIs as funding of objectives,
its panels on the home page, the KPIs and churn policy in frozen revisions, KPIs without targets as what
is open on a plan, KPIs under their objectives in the strategy tree with this year's status."""

from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse
from django.utils import timezone

from core.registry import (
    AlertSource,
    DashboardPanel,
    FundingRule,
    OverviewSection,
    Registry,
    SnapshotSection,
    Tab,
    TreeBranch,
)
from metrics import dashboard, engine, snapshot_sections
from metrics.models import KPI, KPITarget
from orgs.models import FiscalCalendar
from planning import overview, tree
from planning.models import Objective, Plan

# The badge of each status, as metrics/partials/status.html shows it.
STATUSES = {
    "on_track": ("good", "On track"),
    "at_risk": ("warn", "At risk"),
    "off_track": ("bad", "Off track"),
    "stale": ("muted", "Stale"),
    "not_started": ("muted", "Not started"),
    "no_target": ("muted", "No target"),
}


def kpis_without_targets(plan: Plan):
    """The active KPIs measuring the plan's objectives with no target for its unit in its fiscal year."""
    targeted = KPITarget.objects.filter(
        kpi=OuterRef("pk"), org_unit=plan.org_unit, seller__isnull=True, fiscal_year=plan.fiscal_year
    )
    linked = KPI.objects.filter(objectives__plan=plan, active=True).values("pk")
    return KPI.objects.filter(pk__in=linked).exclude(Exists(targeted)).order_by("name")


def untargeted_alerts(plan: Plan) -> list[overview.Alert]:
    year = FiscalCalendar.current_rules().label(plan.fiscal_year)
    url = reverse("metrics:plan", kwargs={"plan_id": plan.pk})
    return [
        overview.Alert(
            "warn",
            "No target",
            f"KPI {kpi} has no {year} target for {plan.org_unit}",
            f"{url}?kpi={kpi.code}#targets",
        )
        for kpi in kpis_without_targets(plan)
    ]


def tree_kpis(plan: Plan) -> list[tree.Leaf]:
    """Each KPI under the objectives it measures, with its status over the plan's year to date."""
    mine = Prefetch("objectives", queryset=Objective.objects.filter(plan=plan), to_attr="plan_objectives")
    kpis = list(KPI.objects.filter(objectives__plan=plan).prefetch_related(mine).distinct().order_by("name"))
    today = timezone.localdate()
    window = engine.year_to_date(plan.fiscal_year, today) or engine.year(plan.fiscal_year)
    results = engine.evaluate(kpis=kpis, windows=[window], units=[plan.org_unit], today=today)
    url = reverse("metrics:plan", kwargs={"plan_id": plan.pk})
    leaves = []
    for kpi in kpis:
        result = results.get(kpi, window, unit=plan.org_unit)
        status = "no_target" if result.target is None else result.status
        tone, label = STATUSES.get(status, ("muted", "No data"))
        leaves.append(
            tree.Leaf(
                kpi.name,
                f"{url}?kpi={kpi.code}#attainment",
                objective_ids=tuple(o.pk for o in kpi.plan_objectives),
                detail=kpi.owner,
                tone=tone,
                status=label,
            )
        )
    return leaves


def register(registry: Registry) -> None:
    registry.add(
        Tab(key="metrics", label="Metrics", url_name="metrics:plan", step=4, order=40),
        OverviewSection(
            key="metrics",
            title="SMART metrics",
            url_name="metrics:plan",
            description="KPIs, targets, actuals and churn allowance.",
            order=40,
        ),
        FundingRule(funds="planning.Objective", related_name="kpis", label="KPI", order=40),
        DashboardPanel(key="metrics-by-role", build=dashboard.panels, order=40),
        SnapshotSection(title="KPIs", build=snapshot_sections.kpis, order=40),
        SnapshotSection(title="Churn policy", build=snapshot_sections.churn, order=41),
        AlertSource(
            key="kpis-without-targets", build=untargeted_alerts, checks="KPIs without targets", order=40
        ),
        TreeBranch(key="kpis", title="KPIs", build=tree_kpis, order=40),
    )
