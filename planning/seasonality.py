"""Seasonality profiles of a unit and the company's planning defaults: create, edit, remove, derive a
profile from prior-year actuals (services)."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from core.services import Actor, audited_delete, versioned_create, versioned_update
from orgs import permissions
from orgs.models import OrgUnit
from planning import calc
from planning.models import PlanningSettings, SeasonalityProfile


def _ensure_ops(actor: Actor, unit: OrgUnit) -> None:
    if not permissions.has_role(actor, unit, permissions.MANAGE_ORG):
        raise PermissionDenied("Only sales ops of this unit can manage its seasonality profiles.")


def profile_create(*, actor: Actor, org_unit: OrgUnit, values: dict) -> SeasonalityProfile:
    _ensure_ops(actor, org_unit)
    return versioned_create(model=SeasonalityProfile, values={"org_unit": org_unit, **values}, actor=actor)


def profile_update(*, actor: Actor, profile: SeasonalityProfile, version: int, values: dict):
    _ensure_ops(actor, profile.org_unit)
    return versioned_update(instance=profile, version=version, values=values, actor=actor)


def profile_delete(*, actor: Actor, profile: SeasonalityProfile, version: int) -> None:
    _ensure_ops(actor, profile.org_unit)
    audited_delete(instance=profile, version=version, actor=actor)


def profile_values_from_actuals(amounts_by_month: list[Decimal], note: str = "") -> dict:
    """The weights and source of a profile derived from 12 prior-year monthly actuals (Jan … Dec)."""
    if len(amounts_by_month) != 12:
        raise ValidationError({"weights": "Give 12 monthly actuals, January to December."})
    if any(a < 0 for a in amounts_by_month) or not any(amounts_by_month):
        raise ValidationError({"weights": "Actuals must be 0 or more, and at least one month above 0."})
    return {
        "weights": [str(w) for w in calc.weights_from_amounts(amounts_by_month)],
        "source": SeasonalityProfile.Source.DERIVED,
        "note": note or "Derived from prior-year monthly actuals.",
    }


def settings_update(*, actor: Actor, version: int, values: dict) -> PlanningSettings:
    if not permissions.is_company_ops(actor):
        raise PermissionDenied("Only company-level sales ops can change the planning defaults.")
    return versioned_update(instance=PlanningSettings.load(), version=version, values=values, actor=actor)
