"""Bottom-up numbers: a unit enters and submits its own number, the parent approves or sends it back
(services); the children's numbers beside the top-down ones (selectors)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.exceptions import InvalidTransitionError, StaleVersionError
from core.models import AuditEntry
from core.services import Actor, versioned_create, versioned_update
from orgs import permissions
from orgs.models import OrgUnit
from planning.cascade import ZERO, target_total
from planning.grid import allocation_rows
from planning.models import Plan, TargetSubmission


def _ensure_own_unit(actor: Actor, plan: Plan) -> None:
    if not permissions.has_role(actor, plan.org_unit, permissions.EDIT_PLAN):
        raise PermissionDenied("Only the unit's sales leaders can enter its bottom-up number.")


def submission_save(
    *, actor: Actor, plan: Plan, version: int | None, amount: Decimal, note: str = ""
) -> TargetSubmission:
    """Enter or change the unit's bottom-up number (back to draft if it had been decided)."""
    _ensure_own_unit(actor, plan)
    existing = TargetSubmission.objects.filter(plan=plan).first()
    if existing is None:
        return versioned_create(
            model=TargetSubmission, values={"plan": plan, "amount": amount, "note": note}, actor=actor
        )
    if version is None:
        raise StaleVersionError(current_version=existing.version, label="Bottom-up submission")
    if existing.status == TargetSubmission.Status.SUBMITTED:
        raise InvalidTransitionError(
            "The number is waiting for the parent unit's decision; it cannot change now."
        )
    values = {"amount": amount, "note": note, "status": TargetSubmission.Status.DRAFT}
    return versioned_update(instance=existing, version=version, values=values, actor=actor)


def submission_submit(*, actor: Actor, submission: TargetSubmission, version: int) -> TargetSubmission:
    plan = submission.plan
    _ensure_own_unit(actor, plan)
    if plan.org_unit.parent_id is None:
        raise InvalidTransitionError("The top of the tree has no parent unit to submit to.")
    if submission.status not in (TargetSubmission.Status.DRAFT, TargetSubmission.Status.SENT_BACK):
        raise InvalidTransitionError(f"This number is already {submission.get_status_display().lower()}.")
    values = {"status": TargetSubmission.Status.SUBMITTED, "submitted_at": timezone.now(), "comment": ""}
    return versioned_update(
        instance=submission, version=version, values=values, actor=actor, action=AuditEntry.Action.SUBMITTED
    )


def submission_decide(
    *, actor: Actor, submission: TargetSubmission, version: int, approve: bool, comment: str = ""
) -> TargetSubmission:
    """The parent unit's sales leader approves a submitted number (it rolls up) or sends it back."""
    parent = submission.plan.org_unit.parent
    if parent is None or not permissions.has_role(actor, parent, permissions.EDIT_PLAN):
        raise PermissionDenied("Only the parent unit's sales leaders decide on this number.")
    if submission.status != TargetSubmission.Status.SUBMITTED:
        raise InvalidTransitionError(
            f"Only a submitted number can be decided; this one is {submission.get_status_display().lower()}."
        )
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": "Say what needs to change before sending the number back."})
    values = {
        "status": TargetSubmission.Status.APPROVED if approve else TargetSubmission.Status.SENT_BACK,
        "decided_at": timezone.now(),
        "decided_by": actor,
        "comment": comment,
    }
    action = AuditEntry.Action.APPROVED if approve else AuditEntry.Action.SENT_BACK
    return versioned_update(
        instance=submission, version=version, values=values, actor=actor, action=action, comment=comment
    )


@dataclass
class ChildNumber:
    unit: OrgUnit
    plan: Plan | None
    submission: TargetSubmission | None
    top_down: Decimal | None

    @property
    def approved(self) -> Decimal:
        s = self.submission
        return s.amount if s and s.status == TargetSubmission.Status.APPROVED else ZERO

    @property
    def gap(self) -> Decimal | None:
        if self.submission is None or self.top_down is None:
            return None
        return self.submission.amount - self.top_down


@dataclass
class BottomUp:
    children: list[ChildNumber]
    top_down_total: Decimal
    approved_total: Decimal
    pending_total: Decimal
    target: Decimal
    own: TargetSubmission | None = None
    waiting: list[ChildNumber] = field(default_factory=list)

    @property
    def gap(self) -> Decimal:
        """Approved bottom-up minus what was assigned top-down to the children."""
        return self.approved_total - self.top_down_total

    @property
    def gap_to_target(self) -> Decimal:
        return self.approved_total - self.target


def top_down_by_child(plan: Plan, children: list[OrgUnit], rows=None) -> dict[int, Decimal]:
    """What the cascade assigned to each child unit (seller rows summed into their child unit); `rows`:
    the plan's allocation rows when the caller has read them already."""
    rows = allocation_rows(plan) if rows is None else rows
    return sum_by_child(((row.org_unit or row.seller.org_unit, row.amount) for row in rows), children)


def sum_by_child(amounts, children: list[OrgUnit]) -> dict[int, Decimal]:
    """(unit, amount) pairs summed into the child unit each unit lies under (a scenario's split too)."""
    result: dict[int, Decimal] = {}
    for unit, amount in amounts:
        for child in children:
            if unit.path.startswith(child.path):
                result[child.pk] = result.get(child.pk, ZERO) + amount
    return result


def bottom_up(plan: Plan) -> BottomUp:
    """The children's own numbers beside the top-down ones; approved numbers roll up into the total."""
    children = list(plan.org_unit.children.order_by("path"))
    plans = {
        p.org_unit_id: p
        for p in Plan.objects.filter(org_unit__in=children, fiscal_year=plan.fiscal_year).select_related(
            "submission__decided_by"
        )
    }
    top_down = top_down_by_child(plan, children)
    rows = []
    for child in children:
        child_plan = plans.get(child.pk)
        submission = getattr(child_plan, "submission", None) if child_plan else None
        rows.append(ChildNumber(child, child_plan, submission, top_down.get(child.pk)))
    pending = [r for r in rows if r.submission and r.submission.status == TargetSubmission.Status.SUBMITTED]
    return BottomUp(
        children=rows,
        top_down_total=sum(top_down.values(), ZERO),
        approved_total=sum((r.approved for r in rows), ZERO),
        pending_total=sum((r.submission.amount for r in pending), ZERO),
        target=target_total(plan),
        own=TargetSubmission.objects.filter(plan=plan).first(),
        waiting=pending,
    )
