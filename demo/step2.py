"""Step 2 of the demo plans: every capability assessed this year and last, and a roadmap that leaves a
few high or critical gaps unaddressed for the overview to flag."""

import random
from decimal import Decimal

from capabilities.models import Capability, ImprovementAction
from capabilities.services import assessment_save
from orgs.models import OrgUnit
from planning.content import content_create
from planning.models import Initiative, Plan

EVIDENCE = {
    "Forecasting": "Forecast accuracy 82% last year; commit calls drift in the last month of a quarter.",
    "CRM hygiene": "31% of open opportunities miss a next step; close dates slip twice on average.",
    "Discovery": "Win rate 19% on deals without a mapped decision process vs 34% with one.",
    "Pipeline generation": "Pipeline coverage 2.4× against a 3× goal; SDR-sourced share fell to 28%.",
    "Enablement": "New hires reach first deal in 5.5 months against a 4-month ramp.",
}
ACTIONS = {
    "Forecasting": ("Weekly forecast cadence with deal inspection", "RevOps lead", 1, Decimal("25000")),
    "Discovery": ("MEDDICC certification for every AE", "Enablement manager", 1, Decimal("60000")),
    "Pipeline generation": ("Two more SDRs and an outbound playbook", "Sales leader", 2, Decimal("180000")),
    "CRM hygiene": ("Opportunity field audit and required stages", "Sales ops", 1, Decimal("0")),
}


def seed(units: dict[str, OrgUnit], users: dict, plans: dict[str, Plan], last_year: dict[str, Plan]) -> None:
    rng = random.Random(7)
    leader_of = {"na": users["leader"], "emea": users["emea.leader"], "apac": users["apac.leader"]}
    catalogue = list(Capability.objects.filter(active=True).order_by("category", "name"))

    def leader(unit: OrgUnit):
        return leader_of.get(unit.code) or leader_of.get(
            unit.parent.code if unit.parent else "", users["admin"]
        )

    for code, plan in last_year.items():  # last year's roadmap, most of it done
        saved = {c.name: _assess(plan, leader(units[code]), c, rng.randint(1, 3), rng) for c in catalogue}
        _roadmap(plan, leader(units[code]), saved, status=ImprovementAction.Status.DONE)
    for code, plan in plans.items():
        actor = leader(units[code])
        if units[code].kind != OrgUnit.Kind.TEAM:  # regions and the company assess themselves, no roadmap
            for capability in catalogue:
                _assess(plan, actor, capability, rng.randint(2, 3), rng)
            continue
        prior = dict(
            plan.org_unit.plans.get(fiscal_year=plan.fiscal_year - 1).capability_assessments.values_list(
                "capability__name", "maturity"
            )
        )
        saved = {
            c.name: _assess(plan, actor, c, min(5, prior.get(c.name, 2) + rng.choice([0, 0, 1])), rng)
            for c in catalogue
        }
        # na-mid-market leaves "Pipeline generation" open: the overview flags it.
        _roadmap(plan, actor, saved, skip="Pipeline generation" if code == "na-mid-market" else "")


def _roadmap(plan: Plan, actor, saved: dict, *, status: str = "planned", skip: str = "") -> None:
    initiative = Initiative.objects.filter(plan=plan).first()
    for name, (title, owner, quarter, budget) in ACTIONS.items():
        if name == skip:
            continue
        content_create(
            actor=actor,
            plan=plan,
            model=ImprovementAction,
            values={
                "assessment": saved[name],
                "title": title,
                "owner": owner,
                "quarter": quarter,
                "budget": budget,
                "status": status,
                "initiative": initiative if name == "Pipeline generation" else None,
            },
        )


def _assess(plan: Plan, actor, capability: Capability, maturity: int, rng: random.Random):
    critical = capability.name in EVIDENCE
    return assessment_save(
        actor=actor,
        plan=plan,
        capability=capability,
        version=None,
        values={
            "maturity": maturity,
            "target_maturity": min(5, maturity + (2 if critical else rng.choice([0, 1, 1]))),
            "benchmark_maturity": rng.choice([3, 3, 4]),
            "criticality": 4 if critical else rng.choice([1, 2, 2, 3]),
            "evidence": EVIDENCE.get(capability.name, ""),
            "performance": "",
        },
    )
