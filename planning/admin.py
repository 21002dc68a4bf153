from django.contrib import admin

from core.admin import AuditedAdmin
from planning.models import Plan, PlanRevision


@admin.register(Plan)
class PlanAdmin(AuditedAdmin):
    list_display = ["org_unit", "fiscal_year", "status", "revision", "version", "updated_at"]
    list_filter = ["status", "fiscal_year"]
    search_fields = ["org_unit__name"]
    readonly_fields = ["version", "revision", "submitted_at", "approved_at", "approved_by"]


@admin.register(PlanRevision)
class PlanRevisionAdmin(admin.ModelAdmin):
    list_display = ["plan", "number", "approved_at", "approved_by"]
    readonly_fields = ["plan", "number", "snapshot", "approved_at", "approved_by"]

    def has_add_permission(self, request) -> bool:
        return False
