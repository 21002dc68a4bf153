"""Step 1 of the demo plans: goals, objectives … risks, targets sized from capacity, a seasonality
profile, cascades and bottom-up numbers in every state. Everything goes through the services."""

from decimal import Decimal

from orgs.models import FiscalCalendar, OrgUnit
from planning import bottom_up, capacity, cascade, content, goals, grid, seasonality, services
from planning.models import (
    Initiative,
    LongTermGoal,
    Objective,
    Plan,
    Risk,
    SalesTarget,
    Strategy,
)

# Prior-year revenue by calendar month (January … December): the fiscal year ends in January, so
# December and January carry the year-end push.
PRIOR_YEAR_ACTUALS = [
    Decimal(n) for n in (7_400, 3_100, 3_900, 4_600, 5_200, 5_400, 4_800, 4_500, 5_600, 5_900, 6_400, 8_900)
]
MILESTONES = {
    "2027": "ARR $140M; two new regions profitable",
    "2028": "ARR $175M; net revenue retention 112%",
    "2029": "ARR $210M; self-serve tier launched",
    "2030": "ARR $245M",
    "2031": "ARR $280M; top-3 vendor in every core region",
}
OBJECTIVES = [
    (
        "Win new logos in the core segments",
        Decimal("45"),
        "Land 40 new logos with an average first-year ACV above $90k.",
    ),
    (
        "Expand the top accounts",
        Decimal("35"),
        "Grow the top 50 accounts by 20% through cross-sell of analytics.",
    ),
    (
        "Protect the renewal base",
        Decimal("20"),
        "Gross retention of 93% or better; no surprise churn above $100k.",
    ),
]
STRATEGIES = [
    (
        "Vertical plays for finance and healthcare",
        "Reference customers, vertical demo flows, partner events.",
        [0],
    ),
    ("Account plans for the top 50", "Quarterly executive business reviews and a mapped whitespace.", [1, 2]),
]
INITIATIVES = [
    ("Hire and ramp four account executives", "Sales leader", 1, 2, Initiative.Status.IN_PROGRESS, [0]),
    ("Analytics cross-sell campaign", "Marketing lead", 2, 3, Initiative.Status.PLANNED, [1]),
    ("Partner co-selling with two SIs", "Alliances manager", 1, 4, Initiative.Status.AT_RISK, [0, 1]),
]
RISKS = [
    (
        "Slow hiring delays ramped capacity",
        3,
        4,
        "Start recruiting in Q4 of last year; use a contractor bench.",
    ),
    ("A top-10 customer consolidates vendors", 2, 5, "Executive sponsor and a renewal plan 9 months out."),
    (
        "Longer enterprise sales cycles",
        4,
        3,
        "Pipeline coverage of 3.5× and earlier procurement involvement.",
    ),
]


def seed(units: dict[str, OrgUnit], users: dict, plans: dict[str, Plan], last_year: dict[str, Plan]) -> None:
    admin, ops = users["admin"], users["ops"]
    leader_of = {"na": users["leader"], "emea": users["emea.leader"], "apac": users["apac.leader"]}
    company = units["northwind"]

    goal = goals.goal_create(
        actor=admin,
        org_unit=company,
        values={
            "title": "Reach $280M ARR by FY2031",
            "description": "Five-year plan approved by the board in 2026.",
            "start_year": 2027,
            "end_year": 2031,
            "milestones": MILESTONES,
        },
    )
    profile = seasonality.profile_create(
        actor=ops,
        org_unit=company,
        values=seasonality.profile_values_from_actuals(PRIOR_YEAR_ACTUALS, "FY2026 bookings by month")
        | {"name": "Northwind bookings"},
    )

    def leader(unit: OrgUnit):
        return leader_of.get(unit.code) or leader_of.get(unit.parent.code if unit.parent else "", admin)

    # Last year's team plans, aligned as this year's are, with targets this year's regions can cascade
    # by prior-year share.
    for code, plan in last_year.items():
        amount = _round(capacity.capacity(plan)[1].capacity * Decimal("0.8"))
        _target(plan, admin, amount, _alignment(plan, leader(units[code]), goal, full=True))

    # This year's targets, bottom-up from capacity: a team aims at 85% of its ramped capacity; a parent's
    # target is what its children carry divided by the 10% buffer.
    totals: dict[str, Decimal] = {}
    for code in reversed(list(plans)):
        plan, unit = plans[code], units[code]
        if unit.kind == OrgUnit.Kind.TEAM:
            totals[code] = _round(capacity.capacity(plan)[1].capacity * Decimal("0.85"))
        else:
            carried = sum(totals[c.code] for c in unit.children.all())
            totals[code] = _round(carried / Decimal("1.1"))
        objectives = _alignment(plan, leader(unit), goal, full=code != "apac-japan")
        linked = objectives if code != "na-mid-market" else []  # one orphan target to trace
        _target(plan, leader(unit), totals[code], linked)
        if unit.kind == OrgUnit.Kind.COMPANY:
            _target(plan, admin, Decimal("1200000"), [], name="Professional services")

    for code, plan in [*plans.items(), *last_year.items()]:
        plan, unit = Plan.objects.get(pk=plan.pk), units[code]
        services.plan_update(actor=leader(unit), plan=plan, version=plan.version, seasonality=profile)
        plan.refresh_from_db()
        method, level = {
            OrgUnit.Kind.COMPANY: ("headcount", "units"),
            OrgUnit.Kind.REGION: ("prior_year", "units"),
        }.get(unit.kind, ("equal", "sellers"))
        cascade.cascade_run(
            actor=leader(unit),
            plan=plan,
            version=plan.version,
            method=method,
            level=level,
            buffer_percent=None,
        )

    # Bottom-up: the teams' own numbers in every state.
    states = {
        "na-ent-east": "approved",
        "na-ent-west": "approved",
        "na-mid-market": "submitted",
        "emea-ukie": "sent_back",
        "emea-dach": "approved",
        "emea-nordics": "draft",
        "apac-anz": "submitted",
    }
    for code, state in states.items():
        plan, unit = plans[code], units[code]
        own = bottom_up.submission_save(
            actor=leader(unit),
            plan=plan,
            version=None,
            amount=_round(totals[code] * Decimal("0.97")),
            note="Sized from named pipeline and the ramp of this year's hires.",
        )
        if state == "draft":
            continue
        own = bottom_up.submission_submit(actor=leader(unit), submission=own, version=own.version)
        if state == "submitted":
            continue
        bottom_up.submission_decide(
            actor=leader(unit.parent),
            submission=own,
            version=own.version,
            approve=state == "approved",
            comment="" if state == "approved" else "Below the pipeline we see; revisit the Q3 ramp.",
        )
    _second_thoughts(plans["na-mid-market"], users["leader"])
    _hand_edit(plans["na-mid-market"], users["leader"])


def _hand_edit(plan: Plan, actor) -> None:
    """The leader moves a fifth of one seller's first month to the year end by hand (the total stays), and
    says why: re-running the cascade then asks first and flags that row as edited by hand, and the seller's
    receipt shows the edit with its reason."""
    row = grid.allocation_rows(plan)[0]
    months = row.month_amounts
    moved = (months[0] / 5).quantize(Decimal("0.01"))
    months[0], months[11] = months[0] - moved, months[11] + moved
    first, *_, last = FiscalCalendar.current_rules().periods(plan.fiscal_year)
    why = f"Moved {moved:,} from {first.label} to {last.label}, when the Contoso renewal signs."
    grid.allocation_update(
        actor=actor, allocation=row, version=row.version, months=months, weight=row.weight, comment=why
    )


def _second_thoughts(plan: Plan, actor) -> None:
    """Edits after the first draft, for the History tab: a risk added then removed, a strategy that now
    serves a second objective (a link added), a risk re-rated."""
    dropped = content.content_create(
        actor=actor,
        plan=plan,
        model=Risk,
        values={"title": "List-price change confuses renewals", "likelihood": 2, "impact": 2},
    )
    content.content_delete(actor=actor, instance=dropped, version=dropped.version)
    objectives = list(Objective.objects.filter(plan=plan).order_by("pk"))
    strategy = Strategy.objects.filter(plan=plan).order_by("pk").first()
    content.content_update(
        actor=actor,
        instance=strategy,
        version=strategy.version,
        values={"description": strategy.description + " Finance first, healthcare from Q3."},
        m2m={"objectives": objectives[:2]},
    )
    risk = Risk.objects.filter(plan=plan).order_by("pk").first()
    content.content_update(
        actor=actor,
        instance=risk,
        version=risk.version,
        values={"likelihood": 4, "mitigation": risk.mitigation + " Two offers out already."},
    )


def _round(amount: Decimal) -> Decimal:
    return (amount / 1000).quantize(Decimal("1")) * 1000


def _alignment(plan: Plan, actor, goal: LongTermGoal, *, full: bool) -> list[Objective]:
    def add(model, values, m2m=None):
        return content.content_create(actor=actor, plan=plan, model=model, values=values, m2m=m2m)

    objectives = [
        add(Objective, {"title": t, "weight": w, "description": d, "long_term_goal": goal})
        for t, w, d in OBJECTIVES
    ]
    if not full:
        return objectives[:1]
    strategies = [
        add(Strategy, {"title": t, "description": d}, {"objectives": [objectives[i] for i in links]})
        for t, d, links in STRATEGIES
    ]
    for title, owner, start, end, status, links in INITIATIVES:
        add(
            Initiative,
            {
                "title": title,
                "owner": owner,
                "start_quarter": start,
                "end_quarter": end,
                "status": status,
                "strategy": strategies[0] if 0 in links else strategies[1],
            },
            {"objectives": [objectives[i] for i in links]},
        )  # "Protect the renewal base" has no initiative: the traceability panel shows it
    for title, likelihood, impact, mitigation in RISKS:
        add(Risk, {"title": title, "likelihood": likelihood, "impact": impact, "mitigation": mitigation})
    return objectives


def _target(
    plan: Plan, actor, total: Decimal, objectives: list[Objective], name: str = "Revenue"
) -> SalesTarget:
    new_business = _round(total * Decimal("0.45"))
    expansion = _round(total * Decimal("0.30"))
    return content.content_create(
        actor=actor,
        plan=plan,
        model=SalesTarget,
        values={
            "name": name,
            "new_business": new_business,
            "expansion": expansion,
            "renewal": total - new_business - expansion,
        },
        m2m={"objectives": objectives},
    )
