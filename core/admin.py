from django.contrib import admin
from django.http import HttpRequest

from core.models import AuditEntry
from core.services import audit_record, jsonable


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits land in the same history as every other change, and bump the row's version so
    that a browser or API client holding the old version is refused rather than overwriting them."""

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        changes = {
            name: [
                jsonable(form.initial.get(name)) if change else None,
                jsonable(form.cleaned_data.get(name)),
            ]
            for name in form.changed_data
        }
        if change and hasattr(obj, "version"):
            obj.version += 1
        super().save_model(request, obj, form, change)
        action = AuditEntry.Action.UPDATED if change else AuditEntry.Action.CREATED
        audit_record(
            actor=request.user, action=action, instance=obj, changes=changes, comment="In the admin site."
        )

    def delete_model(self, request: HttpRequest, obj) -> None:
        audit_record(
            actor=request.user, action=AuditEntry.Action.DELETED, instance=obj, comment="In the admin site."
        )
        super().delete_model(request, obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "action", "content_type", "object_repr", "plan_id"]
    list_filter = ["action", "content_type"]
    search_fields = ["actor_name", "object_repr", "comment"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
