from django.contrib import admin

from core.admin import AuditedAdmin
from orgs import services
from orgs.models import FiscalCalendar, Membership, OrgUnit, Seller


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    list_display = ["name", "code", "kind", "parent", "path"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "version"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        services.org_unit_repath(unit=obj)


@admin.register(Seller)
class SellerAdmin(AuditedAdmin):
    list_display = ["name", "email", "org_unit", "start_date", "end_date", "monthly_quota"]
    list_filter = ["org_unit"]
    search_fields = ["name", "email"]
    readonly_fields = ["version"]
    autocomplete_fields = ["user"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "org_unit", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "org_unit__name"]
    autocomplete_fields = ["user", "org_unit"]


@admin.register(FiscalCalendar)
class FiscalCalendarAdmin(AuditedAdmin):
    list_display = ["start_month", "naming", "version"]
    readonly_fields = ["version"]

    def has_add_permission(self, request) -> bool:
        return not FiscalCalendar.objects.exists()
