"""Long-term goals of a unit: the goals a plan sees (selector); create, edit and remove (services)."""

from django.core.exceptions import PermissionDenied

from core.services import Actor, audited_delete, versioned_create, versioned_update
from orgs import permissions
from orgs.models import OrgUnit
from planning.models import LongTermGoal, Plan


def goal_list_for_plan(*, plan: Plan) -> list[LongTermGoal]:
    """Long-term goals of the plan's unit and the units above it that span the plan's fiscal year."""
    return list(
        LongTermGoal.objects.filter(
            org_unit__in=[*plan.org_unit.ancestor_ids, plan.org_unit_id],
            start_year__lte=plan.fiscal_year,
            end_year__gte=plan.fiscal_year,
        )
        .select_related("org_unit")
        .order_by("org_unit__path", "start_year")
    )


def goal_create(*, actor: Actor, org_unit: OrgUnit, values: dict) -> LongTermGoal:
    if not permissions.has_role(actor, org_unit, permissions.CREATE_PLAN):
        raise PermissionDenied("Only sales leaders and sales ops of this unit can set its long-term goals.")
    return versioned_create(model=LongTermGoal, values={"org_unit": org_unit, **values}, actor=actor)


def goal_update(*, actor: Actor, goal: LongTermGoal, version: int, values: dict) -> LongTermGoal:
    if not permissions.has_role(actor, goal.org_unit, permissions.CREATE_PLAN):
        raise PermissionDenied(
            "Only sales leaders and sales ops of this unit can change its long-term goals."
        )
    values = dict(values)
    if "milestones" in values:
        values["milestones"] = {str(k): v for k, v in values["milestones"].items() if v}
    return versioned_update(instance=goal, version=version, values=values, actor=actor)


def goal_delete(*, actor: Actor, goal: LongTermGoal, version: int) -> None:
    if not permissions.has_role(actor, goal.org_unit, permissions.CREATE_PLAN):
        raise PermissionDenied(
            "Only sales leaders and sales ops of this unit can remove its long-term goals."
        )
    audited_delete(instance=goal, version=version, actor=actor)
