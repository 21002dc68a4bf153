"""Home page panels by role: leaders see their units' status, sales ops data freshness and failed or
stuck jobs, executives every plan's attainment and approval status."""

from django.db.models import Max
from django.utils import timezone

from metrics import calc, jobs
from metrics.models import KPI, Actual, QuarterlyRollup
from orgs import permissions
from orgs.models import FiscalCalendar, Role
from planning.dashboard import Panel
from planning.models import Plan

STATUSES = ("on_track", "at_risk", "off_track", "stale")


def _plan_status(plans: list[Plan]) -> list[dict]:
    """Each plan with the status counts of its latest computed quarter, at its own unit."""
    latest: dict[int, int] = dict(
        QuarterlyRollup.objects.filter(plan__in=plans).values_list("plan").annotate(q=Max("quarter"))
    )
    rows = (
        QuarterlyRollup.objects.filter(plan__in=plans, seller=None)
        .select_related("kpi")
        .only("plan_id", "quarter", "org_unit_id", "status", "attainment", "kpi__code")
    )
    counts: dict[int, dict] = {p.pk: {s: 0 for s in STATUSES} for p in plans}
    revenue: dict[int, object] = {}
    units = {p.pk: p.org_unit_id for p in plans}
    for r in rows:
        if r.quarter == latest.get(r.plan_id) and r.org_unit_id == units[r.plan_id]:
            if r.status in counts[r.plan_id]:
                counts[r.plan_id][r.status] += 1
            if r.kpi.code == "revenue":
                revenue[r.plan_id] = r.attainment
    return [
        {"plan": p, "quarter": latest.get(p.pk), "counts": counts[p.pk], "revenue": revenue.get(p.pk)}
        for p in plans
    ]


def _current_years() -> list[int]:
    year = FiscalCalendar.load().rules.fiscal_year_of(timezone.localdate())
    return [year, year + 1]


def panels(user) -> list[Panel]:
    if not user.is_authenticated:
        return []
    roles = permissions.roles_of(user)
    result = []
    years = _current_years()
    if Role.SALES_LEADER in roles:
        plans = list(
            Plan.objects.with_role(user, permissions.EDIT_PLAN)
            .filter(fiscal_year__in=years)
            .select_related("org_unit")
            .order_by("fiscal_year", "org_unit__path")[:12]
        )
        result.append(Panel("Your units", "metrics/panels/units.html", {"rows": _plan_status(plans)}))
    if Role.SALES_OPS in roles:
        today = timezone.localdate()
        last = dict(Actual.objects.values_list("kpi").annotate(last=Max("date")))
        freshness = []
        for kpi in (
            KPI.objects.filter(active=True).exclude(aggregation=KPI.Aggregation.RATIO).order_by("name")
        ):
            seen = last.get(kpi.pk)
            stale = calc.is_stale(seen, kpi.review_cadence, today) if kpi.review_cadence else seen is None
            freshness.append({"kpi": kpi, "last": seen, "stale": stale})
        result.append(Panel("Data freshness", "metrics/panels/freshness.html", {"rows": freshness}))
        attention = {"jobs": jobs.attention(user), "days": jobs.RETRY_DAYS}
        result.append(Panel("Failed and stuck jobs", "metrics/panels/jobs.html", attention))
    if Role.EXECUTIVE in roles:
        plans = list(
            Plan.objects.visible_to(user)
            .filter(fiscal_year__in=years)
            .select_related("org_unit")
            .order_by("fiscal_year", "org_unit__path")[:30]
        )
        result.append(Panel("Every plan", "metrics/panels/plans.html", {"rows": _plan_status(plans)}))
    return result
