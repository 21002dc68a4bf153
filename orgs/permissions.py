"""The one place that decides who may see and do what.

A role granted on an org unit reaches that unit and everything below it. Views, API endpoints,
services and tasks all ask here; what a user may not see answers 404, not 403.
"""

from functools import cache, reduce
from operator import or_

from django.db import router
from django.db.models import Model, Q, QuerySet

from core.prepared import Prepared
from orgs.models import Membership, OrgUnit, Role, Seller

READ = frozenset(Role.values)
EDIT_PLAN = frozenset({Role.SALES_LEADER})
EDIT_METRICS = frozenset({Role.SALES_LEADER, Role.SALES_OPS})
CREATE_PLAN = frozenset({Role.SALES_LEADER, Role.SALES_OPS})
MANAGE_ORG = frozenset({Role.SALES_OPS})
APPROVE = frozenset({Role.EXECUTIVE})
REOPEN = frozenset({Role.SALES_LEADER, Role.EXECUTIVE})


def _memberships(user) -> list[tuple[str, str]]:
    """(role, unit path) for each of the user's memberships, read once per user object."""
    cached = getattr(user, "_aop_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).values_list("role", "org_unit__path"))
        user._aop_memberships = cached
    return cached


def remember(user, memberships: list[tuple[str, str]]) -> None:
    """Give `user` the memberships read with it in the same query (the API's token lookup), so that this
    request's checks need no query of their own. Never carried from one request to the next."""
    user._aop_memberships = memberships


def forget(user) -> None:
    """Drop the cached memberships (after granting or revoking a role)."""
    user.__dict__.pop("_aop_memberships", None)


def _paths(user, roles: frozenset[str]) -> list[str]:
    paths = sorted({path for role, path in _memberships(user) if role in roles})
    # A path under another one adds nothing: keep the tops only.
    return [p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])]


def restrict(
    qs: QuerySet, user, roles: frozenset[str], unit_field: str = "org_unit", *, ancestors: bool = False
) -> QuerySet:
    """`qs` narrowed to rows whose org unit lies in a subtree where `user` holds one of `roles`; with
    `ancestors`, also rows of the units above those subtrees (what a team heads for: its company's goals)."""
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    paths = _paths(user, roles)
    if not paths:
        return qs.none()
    prefix = f"{unit_field}__" if unit_field else ""
    allowed = reduce(or_, (Q(**{f"{prefix}path__startswith": p}) for p in paths))
    if ancestors:
        above = {int(part) for p in paths for part in p.strip("/").split("/")[:-1]}
        allowed |= Q(**{f"{prefix}pk__in": above})
    return qs.filter(allowed)


@cache
def _row_query(model: type[Model], alias: str) -> tuple[Prepared, list[str]]:
    """The query of row `pk` of `model` with the path of its org unit, and the model's fields."""
    fields = [f.attname for f in model._meta.concrete_fields]
    unit_field = model._default_manager.all().unit_field
    path = f"{unit_field}__path" if unit_field else "path"
    return Prepared.of(model._default_manager.using(alias).filter(pk=0).values_list(*fields, path)), fields


def visible_row(model: type[Model], user, pk, roles: frozenset[str] = READ) -> Model | None:
    """Row `pk` of `model` (a model of `ScopedQuerySet`) if `user` holds one of `roles` on its org unit or
    above, else None (an id that is not a number too): `restrict`'s rule, decided on the row's unit path in
    one query of a fixed shape. What an API retrieve, update or delete reads its object with."""
    if not user.is_authenticated or not user.is_active or not str(pk).isdigit() or int(pk) >= 2**63:
        return None
    alias = router.db_for_read(model)
    query, fields = _row_query(model, alias)
    rows = query.rows([int(pk)])
    if not rows:
        return None
    *values, path = rows[0]
    if not (user.is_superuser or any(path.startswith(p) for p in _paths(user, roles))):
        return None
    return model.from_db(alias, fields, values)


def has_role(user, unit: OrgUnit, roles: frozenset[str]) -> bool:
    """Whether `user` holds one of `roles` on `unit` or one of its ancestors."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(unit.path.startswith(p) for p in _paths(user, roles))


def holds_any(user, roles: frozenset[str]) -> bool:
    """Whether `user` holds one of `roles` anywhere in the tree (may they try such a write at all)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or any(role in roles for role, _ in _memberships(user))


def is_company_ops(user) -> bool:
    """Company-wide settings (fiscal calendar) belong to sales ops at the top of the tree."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or any(
        role in MANAGE_ORG and path.count("/") == 2 for role, path in _memberships(user)
    )


def roles_of(user) -> set[str]:
    """Every role `user` holds on some unit of the tree (a superuser: every role; an anonymous or inactive
    user: none). What a home page or menu shows by role; whether a role reaches a given unit is
    `has_role`'s or `roles_on`'s to say."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return set(Role.values)
    return {role for role, _ in _memberships(user)}


def roles_on(user, unit: OrgUnit) -> set[str]:
    """Every role `user` holds on `unit`, directly or inherited."""
    if user.is_superuser:
        return set(Role.values)
    return {role for role, path in _memberships(user) if unit.path.startswith(path)}


def seller_of(user) -> Seller | None:
    """The seller `user` signs in as (the seller seat: their own figures only, on their own page), or None.
    The seat grants nothing else: without a membership every plan, unit and other seller stays 404."""
    if not user.is_authenticated or not user.is_active:
        return None
    return Seller.objects.filter(user=user).select_related("org_unit").first()
