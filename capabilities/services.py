"""Writes of Step 2: the catalogue (sales ops) and each plan's assessment (the unit's sales leaders).
Improvement actions are plan content, written through planning.content.content_*."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from capabilities.models import Capability, CapabilityAssessment
from core.services import Actor, versioned_create, versioned_update
from orgs import permissions
from planning.content import content_create, content_update
from planning.models import Plan


def _ensure_catalogue_owner(actor: Actor) -> None:
    if not permissions.is_company_ops(actor):
        raise PermissionDenied("Only company-level sales ops keep the capability catalogue.")


def capability_create(*, actor: Actor, values: dict) -> Capability:
    _ensure_catalogue_owner(actor)
    return versioned_create(model=Capability, values=values, actor=actor)


def capability_update(*, actor: Actor, capability: Capability, version: int, values: dict) -> Capability:
    _ensure_catalogue_owner(actor)
    return versioned_update(instance=capability, version=version, values=values, actor=actor)


def assessment_save(
    *, actor: Actor, plan: Plan, capability: Capability, version: int | None, values: dict
) -> CapabilityAssessment:
    """Assess a capability in a plan, or change its assessment; the assessor and date are the writer's."""
    values = values | {"assessor": actor, "assessed_on": timezone.localdate()}
    existing = CapabilityAssessment.objects.filter(plan=plan, capability=capability).first()
    if existing is None:
        return content_create(
            actor=actor, plan=plan, model=CapabilityAssessment, values={"capability": capability, **values}
        )
    return content_update(actor=actor, instance=existing, version=version or 0, values=values)
