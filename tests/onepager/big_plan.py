"""A plan far larger than a page: hundreds of objectives with strategies, initiatives, risks, KPIs with
targets and actuals, capability gaps, a budget with its year's moves. Texts vary in length as people
write them, a few long enough to need three lines at any size on the page."""

import datetime as dt
import random
from decimal import Decimal as D

from budgets import services as budget_services
from capabilities.models import Capability, CapabilityAssessment
from metrics.models import KPI, Actual, KPITarget
from orgs.models import FiscalCalendar
from planning.models import Initiative, Objective, Plan, Risk, SalesTarget, Strategy

VERBS = ["Win", "Grow", "Protect", "Expand", "Launch", "Shorten", "Raise", "Cut", "Build", "Double"]
THINGS = [
    "new logos in the core segments",
    "the top accounts through cross-sell of analytics",
    "the renewal base in the mid-market",
    "pipeline coverage for the second half",
    "partner-sourced revenue in the public sector",
    "the sales cycle for enterprise deals",
    "win rates against the two main competitors",
    "average contract value in financial services",
    "self-serve conversion for small teams",
]
TAILS = [
    "",
    " by focusing the account executives on the ten largest prospects per territory",
    " with a quarterly review of every deal above the approval threshold and a named executive sponsor",
]
OWNERS = [
    "Sales leader",
    "Alliances manager",
    "Marketing lead",
    "Sales ops",
    "Customer success",
    "CFO office",
]
LONG = (
    "A deliberately long objective that keeps going well past the width of its column, because some "
    "people write their objectives as whole paragraphs and the page must still fit on one sheet of paper"
)


def title(rng: random.Random, n: int) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(THINGS)}{rng.choice(TAILS)} ({n})"


def grow(plan: Plan, actor, *, objectives: int = 300, today: dt.date | None = None) -> None:
    rng = random.Random(objectives)
    made = Objective.objects.bulk_create(
        Objective(
            plan=plan,
            title=LONG if n % 37 == 5 else title(rng, n),
            description=f"Measured every quarter; owner reports in the QBR ({n}).",
            weight=D(rng.randint(1, 40)) / 10,
        )
        for n in range(objectives)
    )
    strategies = Strategy.objects.bulk_create(
        Strategy(plan=plan, title=f"Strategy {n}: {rng.choice(THINGS)}") for n in range(objectives // 2)
    )
    links = Strategy.objectives.through
    links.objects.bulk_create(
        links(strategy_id=s.pk, objective_id=made[(i * 2 + k) % len(made)].pk)
        for i, s in enumerate(strategies)
        for k in range(2)
    )
    initiatives = Initiative.objects.bulk_create(
        Initiative(
            plan=plan,
            title=f"{rng.choice(VERBS)} {rng.choice(THINGS)} (initiative {n})",
            description="Staffed and funded; milestones in the plan's tracker.",
            owner=rng.choice(OWNERS),
            start_quarter=(q := rng.randint(1, 4)),
            end_quarter=rng.randint(q, 4),
            status=rng.choice(["planned", "in_progress", "at_risk", "done"]),
        )
        for n in range(objectives // 3)
    )
    served = Initiative.objectives.through
    served.objects.bulk_create(
        served(initiative_id=i.pk, objective_id=made[n % len(made)].pk) for n, i in enumerate(initiatives)
    )
    Risk.objects.bulk_create(
        Risk(
            plan=plan,
            title=f"Risk {n}: {rng.choice(THINGS)} slips",
            likelihood=rng.randint(1, 5),
            impact=rng.randint(1, 5),
            mitigation="Weekly pipeline review; a contractor bench for open seats.",
            owner=rng.choice(OWNERS),
        )
        for n in range(objectives // 6)
    )
    SalesTarget.objects.create(
        plan=plan, new_business=D("4200000"), expansion=D("2100000"), renewal=D("1700000.50")
    )
    _kpis(plan, rng, count=max(objectives // 4, 4), today=today)
    CapabilityAssessment.objects.bulk_create(
        CapabilityAssessment(
            plan=plan, capability=c, maturity=1 + n % 3, target_maturity=4, criticality=1 + n % 4
        )
        for n, c in enumerate(Capability.objects.all())
    )
    _budget(plan, actor, rng)


def _kpis(plan: Plan, rng: random.Random, *, count: int, today: dt.date | None) -> None:
    rules = FiscalCalendar.load().rules
    kpis = KPI.objects.bulk_create(
        KPI(code=f"big-{plan.pk}-{n}", name=f"{rng.choice(THINGS).capitalize()} {n}", unit="count")
        for n in range(count)
    )
    periods = rules.periods(plan.fiscal_year)
    KPITarget.objects.bulk_create(
        KPITarget(kpi=k, org_unit=plan.org_unit, fiscal_year=plan.fiscal_year, period=p.period, value=D(100))
        for k in kpis
        for p in periods
    )
    if today:
        Actual.objects.bulk_create(
            Actual(kpi=k, org_unit=plan.org_unit, date=p.start, value=D(rng.randint(40, 130)))
            for k in kpis
            for p in periods
            if p.start <= today
        )


def _budget(plan: Plan, actor, rng: random.Random) -> None:
    budget = budget_services.budget_create(actor=actor, plan=plan, total=D("2500000"))
    lines = [
        budget_services.line_create(
            actor=actor,
            budget=budget,
            values={"name": f"{category.title()} line {n}", "category": category, "growth": n % 3 == 0},
            opening=D("150000"),
        )
        for n, category in enumerate(["headcount", "programs", "enablement", "technology", "other"] * 2)
    ]
    for n in range(12):
        source, target = rng.sample(lines, 2)
        budget_services.move_request(
            actor=actor,
            budget=budget,
            kind="reallocate",
            source=source,
            target=target,
            amount=D(rng.randint(1, 20) * 1000),
            reason=f"Shift {n}: fund what converts, from what did not.",
        )
