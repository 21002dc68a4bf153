"""Step 3 of the demo plans: budgets with lines tied to objectives, moves in every state, and spend
for the months of the current fiscal year that have passed."""

import random
from decimal import Decimal

from budgets import services
from budgets.models import BudgetLine
from capabilities.models import ImprovementAction
from orgs.models import OrgUnit
from planning import cascade
from planning.models import Initiative, Objective, Plan

LINES = [  # name, category, share of the budget, value per $ as planned, growth line, objective index
    ("Account executives", "headcount", Decimal("0.52"), Decimal("3.2"), False, 0),
    ("Sales tools", "technology", Decimal("0.12"), Decimal("1.4"), False, 2),
    ("Pipeline programs", "programs", Decimal("0.14"), Decimal("4.1"), True, 0),
    ("Enablement", "enablement", Decimal("0.08"), Decimal("2.2"), False, 1),
    ("Travel and events", "other", Decimal("0.06"), Decimal("0.9"), False, 1),
]


def seed(units: dict[str, OrgUnit], users: dict, plans: dict[str, Plan], last_year: dict[str, Plan]) -> None:
    rng = random.Random(11)
    leader_of = {"na": users["leader"], "emea": users["emea.leader"], "apac": users["apac.leader"]}

    def leader(unit: OrgUnit):
        return leader_of.get(unit.code) or leader_of.get(
            unit.parent.code if unit.parent else "", users["admin"]
        )

    for code, plan in last_year.items():  # the current year: spend for the months gone by
        budget = _budget(plan, leader(units[code]))
        for line in BudgetLine.objects.filter(budget=budget):
            monthly = line.amount / 12
            months = [(monthly * Decimal(rng.uniform(0.8, 1.15))).quantize(Decimal("1")) for _ in range(9)]
            services.spend_set(actor=users["ops"], line=line, months=months + [Decimal("0")] * 3)
    for code, plan in plans.items():
        actor = leader(units[code])
        budget = _budget(plan, actor)
        if units[code].kind != OrgUnit.Kind.TEAM:
            continue  # regions and the company: their own lines, no moves yet
        line = {row.name: row for row in BudgetLine.objects.filter(budget=budget)}
        services.move_request(
            actor=actor,
            budget=budget,
            kind="reallocate",
            source=line["Travel and events"],
            target=line["Enablement"],
            amount=(line["Travel and events"].amount * Decimal("0.3")).quantize(Decimal("100")),
            reason="Virtual kick-off instead of a second offsite.",
        )
        growth = services.move_request(
            actor=actor,
            budget=budget,
            kind="fund_growth",
            source=line["Sales tools"],
            target=line["Pipeline programs"],
            amount=(line["Sales tools"].amount * Decimal("0.25")).quantize(Decimal("100")),
            reason="Two prospecting tools consolidated into one.",
        )
        if code in ("na-ent-east", "emea-ukie"):
            services.move_reverse(actor=actor, move=growth, reason="Consolidation slips to next year.")
        budget.refresh_from_db()
        pilot = (budget.unallocated * Decimal("0.6")).quantize(Decimal("100"))
        services.move_request(
            actor=actor,
            budget=budget,
            kind="deploy",
            source=None,
            target=None,
            amount=pilot,
            reason="Pilot a partner-sourced pipeline motion.",
            new_line={"name": "Partner pilot", "category": "programs", "expected_value": pilot * 5},
        )
        big = services.move_request(  # above the approval threshold: waits for an executive
            actor=actor,
            budget=budget,
            kind="reallocate",
            source=line["Account executives"],
            target=line["Enablement"],
            amount=Decimal("60000"),
            reason="Trade one open AE seat for a sales engineer and onboarding.",
        )
        if code == "na-mid-market":  # the executive's two answers; the other teams' moves still wait
            services.move_approve(
                actor=users["exec"], move=big, comment="Agreed: onboarding is the bottleneck."
            )
        elif code == "apac-japan":
            services.move_reject(
                actor=users["exec"], move=big, comment="Keep the seat: Japan is under capacity for FY2028."
            )


def _budget(plan: Plan, actor):
    total = (cascade.target_total(plan) * Decimal("0.06")).quantize(Decimal("1000"))
    budget = services.budget_create(actor=actor, plan=plan, total=total)
    objectives = list(Objective.objects.filter(plan=plan))
    initiative = Initiative.objects.filter(plan=plan).first()
    action = ImprovementAction.objects.filter(plan=plan, assessment__capability__name="Enablement").first()
    for name, category, share, value, growth, objective in LINES:
        opening = (total * share).quantize(Decimal("1000"))
        services.line_create(
            actor=actor,
            budget=budget,
            values={
                "name": name,
                "category": category,
                "growth": growth,
                "expected_value": opening * value,
                "objective": objectives[objective] if len(objectives) > objective else None,
                "initiative": initiative if name == "Account executives" else None,
                "improvement_action": action if name == "Enablement" else None,
            },
            opening=opening,
        )
    budget.refresh_from_db()
    return budget
