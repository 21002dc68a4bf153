from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import VersionedModel
from orgs.models import OrgUnit, ScopedQuerySet


class Plan(VersionedModel):
    """One org unit's annual plan for one fiscal year."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="plans")
    fiscal_year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(default=1)
    summary = models.TextField(
        blank=True,
        max_length=2000,
        help_text="The plan in a few sentences: where the unit is going this year.",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-fiscal_year", "org_unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "fiscal_year"],
                name="plan_one_per_unit_year",
                violation_error_message="This unit already has a plan for that fiscal year.",
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=2000, fiscal_year__lte=2100),
                name="plan_fiscal_year_range",
                violation_error_message="The fiscal year must be between 2000 and 2100.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit.name} FY{self.fiscal_year}"

    @property
    def audit_plan_id(self) -> int | None:
        return self.pk

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class PlanRevision(models.Model):
    """A plan as it stood when a revision was approved: frozen, readable and comparable later."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    approved_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="plan_revision_unique",
                violation_error_message="That revision of the plan is already frozen.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} rev {self.number}"
