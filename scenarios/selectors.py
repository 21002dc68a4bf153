"""Reads of scenarios: the ones a user may see (those of the plans they may see)."""

from django.db.models import QuerySet

from planning.models import Plan
from scenarios.models import Scenario


def scenario_list(*, user, plan: Plan | None = None) -> QuerySet[Scenario]:
    """The scenarios of the plans `user` may read (the rest are not found), of one plan if given."""
    scenarios = Scenario.objects.filter(plan__in=Plan.objects.visible_to(user))
    scenarios = scenarios.select_related("plan__org_unit", "created_by", "promoted_by")
    scenarios = scenarios.order_by("plan", "name")
    return scenarios.filter(plan=plan) if plan is not None else scenarios
