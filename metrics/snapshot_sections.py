"""What Step 4 contributes to a frozen revision: the plan's KPIs with their targets, and its churn policy."""

from metrics import engine
from metrics.models import KPI, ChurnPolicy
from planning.models import Plan


def kpis(plan: Plan) -> list[dict]:
    """The linked KPIs with the year's target as the engine reads it (a sum for summed KPIs, never a sum
    of percentages)."""
    linked = list(KPI.objects.filter(objectives__plan=plan).distinct().order_by("name"))
    year = engine.year(plan.fiscal_year)
    found = engine.evaluate(kpis=linked, windows=[year], units=[plan.org_unit])
    return [
        {
            "KPI": k.name,
            "Aggregation": k.get_aggregation_display(),
            "Annual target": found.get(k, year, unit=plan.org_unit).target,
        }
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
