"""What Step 4 contributes to a frozen revision: the plan's KPIs with their targets, and its churn policy."""

from django.db.models import Sum

from metrics.models import KPI, ChurnPolicy, KPITarget
from planning.models import Plan


def kpis(plan: Plan) -> list[dict]:
    totals = dict(
        KPITarget.objects.filter(org_unit=plan.org_unit, seller=None, fiscal_year=plan.fiscal_year)
        .values_list("kpi")
        .annotate(total=Sum("value"))
    )
    linked = KPI.objects.filter(objectives__plan=plan).distinct().order_by("name")
    return [
        {"KPI": k.name, "Aggregation": k.get_aggregation_display(), "Annual target": totals.get(k.pk)}
        for k in linked
    ]


def churn(plan: Plan) -> list[dict]:
    policy = ChurnPolicy.objects.filter(plan=plan).first()
    if policy is None:
        return []
    return [
        {
            "Allowance %": policy.allowance,
            "Expected churn %": policy.expected_churn,
            "Measured": policy.get_measurement_period_display(),
            "Net growth goal %": policy.net_growth_goal,
            "Starting ARR": policy.starting_arr,
        }
    ]
