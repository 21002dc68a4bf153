"""Writes to the org tree, sellers and company settings."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from core.services import Actor, versioned_create, versioned_update
from orgs import permissions
from orgs.models import FiscalCalendar, Membership, OrgUnit, Role, Seller, forget_rules


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


@transaction.atomic
def org_unit_create(*, actor: Actor, name: str, code: str, kind: str, parent: OrgUnit | None) -> OrgUnit:
    """Add a unit under `parent` (or a new top-level company when there is none)."""
    if parent is None:
        _require(bool(actor and actor.is_superuser), "Only an administrator can add a top-level unit.")
    else:
        _require(
            permissions.has_role(actor, parent, permissions.MANAGE_ORG), "Only sales ops can add units here."
        )
    unit = versioned_create(
        model=OrgUnit, values={"name": name, "code": code, "kind": kind, "parent": parent}, actor=actor
    )
    org_unit_repath(unit=unit)
    return unit


@transaction.atomic
def org_unit_repath(*, unit: OrgUnit) -> None:
    """Set the unit's path from its parent's and carry a change down to every unit below it."""
    old = OrgUnit.objects.filter(pk=unit.pk).values_list("path", flat=True).get()
    new = f"{unit.parent.path if unit.parent_id else '/'}{unit.pk}/"
    if old == new:
        return
    if old:
        subtree = OrgUnit.objects.filter(path__startswith=old)
        subtree.update(path=Concat(Value(new), Substr("path", len(old) + 1)))
    else:
        OrgUnit.objects.filter(pk=unit.pk).update(path=new)
    unit.path = new


def org_unit_update(*, actor: Actor, unit: OrgUnit, version: int, values: dict[str, Any]) -> OrgUnit:
    """Rename or re-code a unit. Moving a unit in the tree is an administrator's job in the admin."""
    _require(
        permissions.has_role(actor, unit, permissions.MANAGE_ORG), "Only sales ops can change this unit."
    )
    allowed = {k: v for k, v in values.items() if k in ("name", "code", "kind")}
    return versioned_update(instance=unit, version=version, values=allowed, actor=actor)


def seller_create(*, actor: Actor, values: dict[str, Any]) -> Seller:
    unit = values["org_unit"]
    _require(
        permissions.has_role(actor, unit, permissions.EDIT_METRICS),
        "Only sales leaders and sales ops add sellers here.",
    )
    return versioned_create(model=Seller, values=values, actor=actor)


def seller_update(*, actor: Actor, seller: Seller, version: int, values: dict[str, Any]) -> Seller:
    _require(
        permissions.has_role(actor, seller.org_unit, permissions.EDIT_METRICS),
        "Only sales leaders and sales ops of this unit can change this seller.",
    )
    if "org_unit" in values:
        _require(
            permissions.has_role(actor, values["org_unit"], permissions.EDIT_METRICS),
            "You cannot move a seller to a unit you do not manage.",
        )
    return versioned_update(instance=seller, version=version, values=values, actor=actor)


def fiscal_calendar_update(*, actor: Actor, version: int, start_month: int, naming: str) -> FiscalCalendar:
    _require(
        permissions.is_company_ops(actor), "Only company-level sales ops can change the fiscal calendar."
    )
    calendar = FiscalCalendar.load()
    values = {"start_month": start_month, "naming": naming}
    updated = versioned_update(instance=calendar, version=version, values=values, actor=actor)
    forget_rules()  # a conditional UPDATE sends no post_save: the request's remembered rules go here
    return updated


def membership_grant(*, user, org_unit: OrgUnit, role: Role) -> Membership:
    """Grant a role (admin and demo data only; the admin site records its own changes)."""
    membership, _ = Membership.objects.get_or_create(user=user, org_unit=org_unit, role=role)
    permissions.forget(user)
    return membership
