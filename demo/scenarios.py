"""Three scenarios on North America's FY2028 draft plan, branched by its leader: hiring early against
attrition; a cautious year (lower growth, more churn, a bigger buffer, money moved to the line that returns
most); and one already promoted by the leader — its budget move is in the ledger, its growth goal left for
sales ops to promote."""

from decimal import Decimal

from budgets.models import BudgetLine
from orgs.models import OrgUnit
from planning.models import Plan
from scenarios import services


def seed(units: dict[str, OrgUnit], users: dict) -> None:
    plan = Plan.objects.get(org_unit=units["na"], fiscal_year=2028)
    leader = users["leader"]
    services.scenario_create(
        actor=leader,
        plan=plan,
        name="Hire early, plan for attrition",
        notes="Two Enterprise East AEs from month 3 and one Mid-Market rep from month 6; 10% of sellers "
        "leave a year, each seat backfilled after 2 months.",
        assumptions={
            "hires": [
                {"count": 2, "start_month": 3, "ramp": [0, 25, 50, 75, 100], "monthly_quota": 110000,
                 "unit": units["na-ent-east"].pk},
                {"count": 1, "start_month": 6, "monthly_quota": 55000, "unit": units["na-mid-market"].pk},
            ],
            "attrition": {"rate_percent": 10, "backfill_lag": 2},
        },
    )  # fmt: skip
    services.scenario_create(
        actor=leader,
        plan=plan,
        name="Cautious year",
        notes="Growth 15%, churn 9%, a 15% buffer split by headcount; a tenth of the line that returns least "
        "drafted to the one that returns most.",
        assumptions={
            "growth_goal_percent": 15,
            "churn_rate_percent": 9,
            "buffer_percent": 15,
            "split_method": "headcount",
            "budget_moves": _move(plan, 10),
        },
    )
    funded = services.scenario_create(
        actor=leader,
        plan=plan,
        name="Fund the best line",
        notes="A twentieth of the line that returns least moved to the one that returns most, and a 22% "
        "growth goal to go with it.",
        assumptions={"growth_goal_percent": 22, "budget_moves": _move(plan, 20)},
    )
    services.scenario_promote(actor=leader, scenario=funded, version=funded.version)


def _move(plan: Plan, parts: int) -> list[dict]:
    """1/parts of the line that returns least, drafted to the one that returns most (none: no move)."""
    lines = [line for line in BudgetLine.objects.filter(plan=plan) if line.value_per_unit and line.amount > 0]
    if len(lines) < 2:
        return []
    lines.sort(key=lambda line: line.value_per_unit)
    amount = (lines[0].amount / parts).quantize(Decimal("1"))
    return [{"source": lines[0].pk, "target": lines[-1].pk, "amount": str(amount)}]
