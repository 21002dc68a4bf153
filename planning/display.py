"""The company's display settings (core.models.DisplaySettings: currency, display precision), kept by
company-level sales ops on the Settings page beside the planning defaults (services)."""

from django.core.exceptions import PermissionDenied

from core import formatting
from core.models import DisplaySettings
from core.services import Actor, versioned_update
from orgs import permissions


def display_settings_update(*, actor: Actor, version: int, values: dict) -> DisplaySettings:
    """Change how amounts read everywhere; versioned and audited like every setting, and the cached
    copy core.formatting reads is dropped."""
    if not permissions.is_company_ops(actor):
        raise PermissionDenied("Only company-level sales ops can change how amounts are shown.")
    updated = versioned_update(instance=DisplaySettings.load(), version=version, values=values, actor=actor)
    formatting.display_forget()
    return updated
