"""Reads of plans, each with the joins it needs so a page costs a fixed number of queries."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from core.models import AuditEntry
from planning.models import Plan, PlanRevision


def plan_list(
    *, user, fiscal_year: int | None = None, status: str | None = None, search: str = ""
) -> QuerySet[Plan]:
    """Plans `user` may see, newest year first, then in tree order."""
    plans = Plan.objects.visible_to(user).select_related("org_unit", "approved_by")
    if fiscal_year:
        plans = plans.filter(fiscal_year=fiscal_year)
    if status:
        plans = plans.filter(status=status)
    if search:
        plans = plans.filter(org_unit__name__icontains=search)
    return plans.order_by("-fiscal_year", "org_unit__path")


def plan_get(*, user, plan_id: int) -> Plan:
    """The plan if `user` may see it; 404 otherwise, whether or not it exists."""
    return get_object_or_404(
        Plan.objects.visible_to(user).select_related("org_unit", "approved_by"), pk=plan_id
    )


def plan_history(*, plan: Plan) -> QuerySet[AuditEntry]:
    return (
        AuditEntry.objects.filter(plan_id=plan.pk)
        .select_related("content_type", "actor")
        .order_by("-at", "-id")
    )


def plan_revision_get(*, plan: Plan, number: int) -> PlanRevision:
    return get_object_or_404(PlanRevision.objects.select_related("approved_by"), plan=plan, number=number)


def plan_fiscal_years(*, user) -> list[int]:
    return list(
        Plan.objects.visible_to(user)
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .distinct()
    )
