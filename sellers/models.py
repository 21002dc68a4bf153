"""The seller seat's records: quotas published to sellers and their answers, and sales contests.

A publication is a leader's act on an approved plan: each seller row of the plan's cascade is sent to its
seller as it stood (`QuotaAcceptance.months`). The seller opens it, asks a question or accepts; what they
accepted is kept (`accepted_months`), so a later change of the row (a re-publication after the plan was
reopened and approved again) shows before → after and asks for acceptance again.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from core.models import VersionedModel
from metrics.models import KPI
from orgs.models import OrgUnit, ScopedQuerySet, Seller
from planning.models import Plan, TargetAllocation, validate_months


class QuotaPublication(VersionedModel):
    """A plan's seller quotas sent to its sellers: once per plan, re-sent (`sent_count`) after a change."""

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="quota_publication")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField()
    sent_count = models.PositiveIntegerField(default=1, help_text="How many times the quotas were sent.")
    message = models.TextField(blank=True, help_text="The leader's note to the sellers, in the e-mail.")

    def __str__(self) -> str:
        return f"Quotas of {self.plan}"

    @property
    def audit_plan_id(self) -> int:
        return self.plan_id


class QuotaAcceptance(VersionedModel):
    """One seller's published quota and their answer to it."""

    class Status(models.TextChoices):
        SENT = "sent", "Not opened"
        OPENED = "opened", "Opened"
        QUESTION = "question", "Question asked"
        ACCEPTED = "accepted", "Accepted"
        CHANGED = "changed", "Changed since accepted"
        WITHDRAWN = "withdrawn", "Withdrawn"  # re-published without a row for the seller

    publication = models.ForeignKey(QuotaPublication, on_delete=models.CASCADE, related_name="acceptances")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="quota_acceptances")
    allocation = models.ForeignKey(
        TargetAllocation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    months = models.JSONField(validators=[validate_months], help_text="The quota as published, by month.")
    accepted_months = models.JSONField(
        null=True, blank=True, validators=[validate_months], help_text="The quota as last accepted."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    sent_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True, help_text="Accepted or asked, the latest.")

    class Meta:
        ordering = ["seller__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "seller"], name="acceptance_unique_seller"),
        ]

    def __str__(self) -> str:
        return f"{self.seller}'s quota in {self.publication.plan}"

    @property
    def audit_plan_id(self) -> int:
        return self.publication.plan_id


class QuotaComment(models.Model):
    """One message of the thread under a published quota: the seller's question or the leader's answer."""

    acceptance = models.ForeignKey(QuotaAcceptance, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    by_seller = models.BooleanField(help_text="Written by the seller (a question), else by a leader.")
    body = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:40]}"


class Contest(VersionedModel):
    """A sales contest: sellers of a unit ranked on an activity KPI over a date range."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    kpi = models.ForeignKey(KPI, on_delete=models.PROTECT, related_name="contests")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="contests")
    start = models.DateField()
    end = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()  # visible_to(user): by the contest's unit

    class Meta:
        ordering = ["-start", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")),
                name="contest_end_after_start",
                violation_error_message="A contest ends on or after the day it starts.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "A contest ends on or after the day it starts."})
