"""A scenario: a named what-if branch of a plan that overrides some of its assumptions, never the plan."""

from django.conf import settings
from django.db import models

from core.models import VersionedModel
from planning.models import Plan
from scenarios.schema import validate_assumptions


def no_assumptions() -> dict:
    return {}


class Scenario(VersionedModel):
    """What-if overrides of a plan (scenarios.schema lists them); what it leaves out is as the plan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=120)
    notes = models.TextField(blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    base_version = models.PositiveIntegerField(
        editable=False, help_text="The plan's version when the scenario was branched from it."
    )
    base_policy_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The version of the plan's churn policy at the branch (empty: it had none).",
    )
    assumptions = models.JSONField(
        default=no_assumptions,
        blank=True,
        validators=[validate_assumptions],
        help_text="Only what differs from the plan: growth, churn, buffer, seasonality, quota, split, "
        "hires, attrition and drafted budget moves.",
    )
    promoted_at = models.DateTimeField(null=True, blank=True, editable=False)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who last promoted the scenario into its plan.",
    )

    class Meta:
        ordering = ["plan", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "name"],
                name="scenario_unique_name",
                violation_error_message="This plan already has a scenario with that name.",
            )
        ]

    def __str__(self) -> str:
        return self.name
