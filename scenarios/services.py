"""Writes of scenarios: keyword-only, versioned, audited on the plan's history. A scenario is branched by
anyone who may edit the plan, from a plan that can be edited (a draft, or a reopened plan); none of these
writes touches the plan itself."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from budgets.models import BudgetLine
from core.services import Actor, audited_delete, versioned_create, versioned_update
from orgs import permissions
from orgs.models import OrgUnit
from planning.models import Plan, SeasonalityProfile
from planning.services import ensure_plan_editable
from scenarios.models import Scenario
from scenarios.schema import assumption_errors

FIELDS = {"name", "notes", "assumptions"}


def reference_errors(plan: Plan, assumptions: dict[str, Any]) -> list[str]:
    """What the assumptions name that the plan cannot use: a profile of another branch of the tree, a unit
    outside the plan's, a budget line of another budget. Each message names its field."""
    errors = []
    pk = assumptions.get("seasonality_profile")
    if pk is not None:
        profile = SeasonalityProfile.objects.filter(pk=pk).select_related("org_unit").first()
        if profile is None or not plan.org_unit.path.startswith(profile.org_unit.path):
            errors.append(f"seasonality_profile: no profile {pk} that {plan.org_unit} may use.")
    units = {h["unit"] for h in assumptions.get("hires", []) if "unit" in h}
    inside = set(
        OrgUnit.objects.filter(pk__in=units, path__startswith=plan.org_unit.path).values_list("pk", flat=True)
    )
    errors += [
        f"hires: unit {pk} is not {plan.org_unit} or a unit below it." for pk in sorted(units - inside)
    ]
    moves = assumptions.get("budget_moves", [])
    named = {m[k] for m in moves for k in ("source", "target")}
    lines = set(BudgetLine.objects.filter(plan=plan, pk__in=named).values_list("pk", flat=True))
    errors += [f"budget_moves: line {pk} is not in this plan's budget." for pk in sorted(named - lines)]
    return errors


def _check(plan: Plan, assumptions: Any) -> None:
    errors = assumption_errors(assumptions) or reference_errors(plan, assumptions)
    if errors:
        raise ValidationError({"assumptions": errors})


@transaction.atomic
def scenario_create(
    *, actor: Actor, plan: Plan, name: str, notes: str = "", assumptions: dict[str, Any] | None = None
) -> Scenario:
    """Branch a scenario from the plan as it is now (its version is kept as the base)."""
    ensure_plan_editable(plan=plan, actor=actor)
    assumptions = {} if assumptions is None else assumptions
    _check(plan, assumptions)
    values = {
        "plan": plan,
        "name": name,
        "notes": notes,
        "assumptions": assumptions,
        "created_by": actor if actor is not None and actor.is_authenticated else None,
        "base_version": plan.version,
    }
    return versioned_create(model=Scenario, values=values, actor=actor, comment=f"Scenario of {plan}.")


@transaction.atomic
def scenario_update(*, actor: Actor, scenario: Scenario, version: int, **values: Any) -> Scenario:
    """Rename the scenario, change its notes or replace its assumptions (refused if stale)."""
    ensure_plan_editable(plan=scenario.plan, actor=actor)
    unknown = set(values) - FIELDS
    if unknown:
        raise ValueError(f"Not scenario fields: {', '.join(sorted(unknown))}")
    if "assumptions" in values:
        _check(scenario.plan, values["assumptions"])
    return versioned_update(instance=scenario, version=version, values=values, actor=actor)


@transaction.atomic
def scenario_delete(*, actor: Actor, scenario: Scenario, version: int) -> None:
    """Delete a scenario (its last values stay in the plan's history); the plan need not be a draft."""
    if not permissions.has_role(actor, scenario.plan.org_unit, permissions.EDIT_PLAN):
        raise PermissionDenied("Only the unit's sales leaders can delete its scenarios.")
    audited_delete(instance=scenario, version=version, actor=actor)
