"""Writes to plans: create, edit and the review workflow."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.exceptions import InvalidTransitionError
from core.models import AuditEntry
from core.services import Actor, versioned_create, versioned_update
from orgs import permissions
from orgs.models import OrgUnit
from planning.models import Plan, PlanRevision
from planning.snapshot import plan_snapshot

S = Plan.Status


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    source: str
    target: str
    roles: frozenset[str]
    action: str
    done: str
    needs_comment: bool = False


TRANSITIONS = {
    t.name: t
    for t in (
        Transition(
            "submit",
            "Submit for review",
            S.DRAFT,
            S.IN_REVIEW,
            permissions.EDIT_PLAN,
            AuditEntry.Action.SUBMITTED,
            "submitted",
        ),
        Transition(
            "approve",
            "Approve",
            S.IN_REVIEW,
            S.APPROVED,
            permissions.APPROVE,
            AuditEntry.Action.APPROVED,
            "approved",
        ),
        Transition(
            "send_back",
            "Send back",
            S.IN_REVIEW,
            S.DRAFT,
            permissions.APPROVE,
            AuditEntry.Action.SENT_BACK,
            "sent back",
            needs_comment=True,
        ),
        Transition(
            "reopen",
            "Reopen as a new revision",
            S.APPROVED,
            S.DRAFT,
            permissions.REOPEN,
            AuditEntry.Action.REOPENED,
            "reopened",
        ),
    )
}


def available_transitions(*, plan: Plan, user) -> list[Transition]:
    """The workflow actions `user` may take on `plan` in its current status."""
    return [
        t
        for t in TRANSITIONS.values()
        if t.source == plan.status and permissions.has_role(user, plan.org_unit, t.roles)
    ]


def plan_create(*, actor: Actor, org_unit: OrgUnit, fiscal_year: int, summary: str = "") -> Plan:
    if not permissions.has_role(actor, org_unit, permissions.CREATE_PLAN):
        raise PermissionDenied("Only sales leaders and sales ops of this unit can start its plan.")
    values = {"org_unit": org_unit, "fiscal_year": fiscal_year, "summary": summary}
    return versioned_create(model=Plan, values=values, actor=actor)


def ensure_plan_editable(*, plan: Plan, actor: Actor) -> None:
    """Refuse any content write to a plan the actor may not edit or that is not a draft."""
    if not permissions.has_role(actor, plan.org_unit, permissions.EDIT_PLAN):
        raise PermissionDenied("Only the unit's sales leaders can edit this plan.")
    if not plan.is_editable:
        raise InvalidTransitionError(
            f"This plan is {plan.get_status_display().lower()} and read-only. "
            + (
                "Reopen it to start a new revision."
                if plan.status == S.APPROVED
                else "Send it back to edit it."
            )
        )


PLAN_FIELDS = {"summary", "cascade_method", "cascade_level", "buffer_percent", "seasonality"}


def plan_update(*, actor: Actor, plan: Plan, version: int, comment: str = "", **values) -> Plan:
    """Edit the plan's own fields: its summary and how its target cascades and phases (`comment` goes
    to the history entry)."""
    ensure_plan_editable(plan=plan, actor=actor)
    unknown = set(values) - PLAN_FIELDS
    if unknown:
        raise ValueError(f"Not plan fields: {', '.join(sorted(unknown))}")
    profile = values.get("seasonality")
    if profile is not None and not plan.org_unit.path.startswith(profile.org_unit.path):
        raise ValidationError({"seasonality": "Pick a seasonality profile of this unit or one above it."})
    return versioned_update(instance=plan, version=version, values=values, actor=actor, comment=comment)


@transaction.atomic
def plan_transition(*, actor: Actor, plan: Plan, name: str, version: int, comment: str = "") -> Plan:
    """Move a plan through draft → in review → approved (→ reopened as a new revision)."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise InvalidTransitionError(f"Unknown action {name!r}.")
    if not permissions.has_role(actor, plan.org_unit, transition.roles):
        raise PermissionDenied(f"You may not {transition.label.lower()} this plan.")
    if plan.status != transition.source:
        raise InvalidTransitionError(
            f"Only a plan that is {S(transition.source).label.lower()} can be {transition.done}; "
            f"this one is {plan.get_status_display().lower()}."
        )
    comment = comment.strip()
    if transition.needs_comment and not comment:
        raise ValidationError({"comment": "Say what needs to change before sending the plan back."})
    now = timezone.now()
    values: dict = {"status": transition.target}
    if name == "submit":
        values["submitted_at"] = now
    elif name == "approve":
        values |= {"approved_at": now, "approved_by": actor}
    elif name == "reopen":
        values |= {
            "revision": plan.revision + 1,
            "approved_at": None,
            "approved_by": None,
            "submitted_at": None,
        }
    plan = versioned_update(
        instance=plan, version=version, values=values, actor=actor, action=transition.action, comment=comment
    )
    if name == "approve":
        PlanRevision.objects.create(
            plan=plan, number=plan.revision, snapshot=plan_snapshot(plan), approved_at=now, approved_by=actor
        )
    return plan
