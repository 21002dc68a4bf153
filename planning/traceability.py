"""Traceability: what funds an objective (the registered funding rules), the sales targets no objective
links and the objectives nothing funds (selectors)."""

from django.db.models import Exists, OuterRef

from core.registry import FundingRule, registry
from planning.models import Objective, Plan, SalesTarget


def objective_funding() -> list[FundingRule]:
    """What counts as funding an objective: its initiatives (planning.hooks) and the records later steps
    register (budget lines, KPIs), so planning never imports them."""
    return registry.funding(Objective._meta.label)


def orphan_targets(plan: Plan):
    return SalesTarget.objects.filter(plan=plan).exclude(
        Exists(SalesTarget.objects.filter(pk=OuterRef("pk"), objectives__isnull=False))
    )


def unfunded_objectives(plan: Plan):
    objectives = Objective.objects.filter(plan=plan)
    for rule in objective_funding():
        linked = Objective.objects.filter(pk=OuterRef("pk"), **{f"{rule.related_name}__isnull": False})
        objectives = objectives.exclude(Exists(linked))
    return objectives.order_by("pk")
