"""Step 1 content (objectives, strategies, initiatives, risks, sales targets): create, edit and remove
a row of an editable plan, its links kept inside the plan. Later steps' plan content writes through here."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from core.services import Actor, audited_delete, versioned_create, versioned_update
from planning.models import Plan
from planning.services import ensure_plan_editable


def check_links(plan: Plan, values: dict, m2m: dict | None) -> None:
    """Links from plan content must stay inside the plan (and goals inside the unit's line)."""
    for name, value in values.items():
        if name == "long_term_goal" and value is not None:
            if not plan.org_unit.path.startswith(value.org_unit.path):
                raise ValidationError({name: "Pick a long-term goal of this unit or one above it."})
        elif hasattr(value, "plan_id") and value.plan_id != plan.pk:
            raise ValidationError({name: "Pick one from this plan."})
    for name, related in (m2m or {}).items():
        if any(obj.plan_id != plan.pk for obj in related):
            raise ValidationError({name: "Pick only ones from this plan."})


def content_create(*, actor: Actor, plan: Plan, model: type, values: dict, m2m: dict | None = None):
    ensure_plan_editable(plan=plan, actor=actor)
    check_links(plan, values, m2m)
    return versioned_create(model=model, values={"plan": plan, **values}, actor=actor, m2m=m2m)


def content_update(*, actor: Actor, instance, version: int, values: dict, m2m: dict | None = None):
    ensure_plan_editable(plan=instance.plan, actor=actor)
    check_links(instance.plan, values, m2m)
    return versioned_update(instance=instance, version=version, values=values, actor=actor, m2m=m2m)


def content_delete(*, actor: Actor, instance, version: int) -> None:
    ensure_plan_editable(plan=instance.plan, actor=actor)
    try:
        with transaction.atomic():
            audited_delete(instance=instance, version=version, actor=actor)
    except ProtectedError:
        raise ValidationError(
            f"“{instance}” has entries that refer to it (such as ledger moves) and cannot be removed."
        ) from None
