"""Writes shared by every app: audited create/update/delete with optimistic concurrency."""

import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from core.exceptions import StaleVersionError
from core.models import AuditEntry, VersionedModel

M = TypeVar("M", bound=VersionedModel)
Actor = AbstractBaseUser | AnonymousUser | None


def jsonable(value: Any) -> Any:
    """A value as it is stored in the history: JSON types kept, everything else as its text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


def audit_record(
    *,
    actor: Actor,
    action: str,
    instance: models.Model,
    changes: dict | None = None,
    comment: str = "",
) -> AuditEntry:
    """Append one entry to the history (on its plan's page when the instance belongs to a plan)."""
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=user.get_username() if user else "system",
        action=action,
        plan_id=getattr(instance, "audit_plan_id", None),
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes or {},
        comment=comment,
    )


def field_changes(instance: models.Model, values: dict[str, Any]) -> dict[str, list]:
    """{field: [before, after]} for the values that differ from the instance's."""
    return {
        name: [jsonable(getattr(instance, name)), jsonable(value)]
        for name, value in values.items()
        if getattr(instance, name) != value
    }


def _names(objects) -> list[str]:
    return sorted(str(o) for o in objects)


@transaction.atomic
def versioned_create(
    *,
    model: type[M],
    values: dict[str, Any],
    actor: Actor,
    m2m: dict[str, list] | None = None,
    comment: str = "",
) -> M:
    """Validate and insert a row (and its many-to-many links), recording every initial value (and why)."""
    instance = model(**values)
    instance.full_clean()
    instance.save()
    created = {name: [None, jsonable(value)] for name, value in values.items()}
    for name, related in (m2m or {}).items():
        getattr(instance, name).set(related)
        created[name] = [None, _names(related)]
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATED, instance=instance, changes=created, comment=comment
    )
    return instance


@transaction.atomic
def versioned_update(
    *,
    instance: M,
    version: int,
    values: dict[str, Any],
    actor: Actor,
    action: str = AuditEntry.Action.UPDATED,
    comment: str = "",
    m2m: dict[str, list] | None = None,
    extra_changes: dict[str, list] | None = None,
) -> M:
    """Apply `values` (and `m2m` links) only if the row is still at `version`; otherwise raise
    StaleVersionError. `extra_changes` records what else the caller changed under this row's version
    (its history entry, and a new version even when no field of the row changed).

    The row is locked (PostgreSQL) and the UPDATE is conditional on the version as well, so even
    on SQLite a write based on an old read can never overwrite a newer one.
    """
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    label = model._meta.verbose_name.capitalize()
    if current.version != version:
        raise StaleVersionError(current_version=current.version, label=label)
    changes = field_changes(current, values)
    for name, related in (m2m or {}).items():
        before = list(getattr(current, name).all())
        if {o.pk for o in before} != {o.pk for o in related}:
            changes[name] = [_names(before), _names(related)]
    changes |= extra_changes or {}
    if not changes:
        return current
    for name, value in values.items():
        setattr(current, name, value)
    current.full_clean()
    now = timezone.now()
    updated = model.objects.filter(pk=current.pk, version=version).update(
        **values, version=F("version") + 1, updated_at=now
    )
    if not updated:
        raise StaleVersionError(current_version=version + 1, label=label)
    current.version, current.updated_at = version + 1, now
    for name, related in (m2m or {}).items():
        if name in changes:
            getattr(current, name).set(related)
    audit_record(actor=actor, action=action, instance=current, changes=changes, comment=comment)
    return current


@transaction.atomic
def audited_delete(*, instance: VersionedModel, version: int, actor: Actor) -> None:
    """Delete a row if it is still at `version`, keeping its last values in the history."""
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    if current.version != version:
        raise StaleVersionError(current_version=current.version, label=model._meta.verbose_name.capitalize())
    audit_record(actor=actor, action=AuditEntry.Action.DELETED, instance=current)
    current.delete()
