"""Reads of the org tree and sellers."""

from django.db.models import Count, Q, QuerySet

from orgs.models import Membership, OrgUnit, Seller


def org_tree(*, user) -> QuerySet[OrgUnit]:
    """Visible units in tree order, with how many sellers and plans each has."""
    return (
        OrgUnit.objects.visible_to(user)
        .annotate(
            seller_count=Count("sellers", filter=Q(sellers__end_date__isnull=True), distinct=True),
            plan_count=Count("plans", distinct=True),
        )
        .order_by("path")
    )


def org_unit_get(*, user, unit_id: int) -> OrgUnit:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(OrgUnit.objects.visible_to(user).select_related("parent"), pk=unit_id)


def unit_sellers(*, unit: OrgUnit) -> QuerySet[Seller]:
    """Sellers of the unit and every unit below it."""
    return (
        Seller.objects.filter(org_unit__path__startswith=unit.path)
        .select_related("org_unit")
        .order_by("name", "id")
    )


def unit_members(*, unit: OrgUnit) -> QuerySet[Membership]:
    """Who holds which role here, directly or from a unit above."""
    ancestor_ids = [*unit.ancestor_ids, unit.pk]
    return Membership.objects.filter(org_unit_id__in=ancestor_ids).select_related("user", "org_unit")
