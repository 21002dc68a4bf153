"""Rendered one-pagers and quarterly review packs, cached per plan, page size and fingerprint of everything
they show; and the background builds of the packs."""

from django.conf import settings
from django.db import models

from planning.models import Plan


class RenderedPage(models.Model):
    class Size(models.TextChoices):
        A4 = "a4", "A4"
        LETTER = "letter", "Letter"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rendered_pages")
    size = models.CharField(max_length=6, choices=Size.choices)
    fingerprint = models.CharField(max_length=64)
    revision = models.PositiveIntegerField()
    pdf = models.BinaryField()
    rendered_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0, help_text="How long the render took.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "size", "fingerprint"], name="rendered_page_unique")
        ]

    def __str__(self) -> str:
        return f"One-pager of {self.plan} ({self.get_size_display()})"


class RenderedPack(models.Model):
    """A built quarterly review pack (the PDF in one page size, or the PowerPoint deck), kept under the
    fingerprint of everything it shows: a download serves it only while that fingerprint is current."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        PPTX = "pptx", "PowerPoint"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rendered_packs")
    quarter = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=4, choices=Kind.choices)
    size = models.CharField(
        max_length=6, blank=True, help_text="a4 or letter for the PDF; empty for the deck (16:9)."
    )
    fingerprint = models.CharField(max_length=64)
    revision = models.PositiveIntegerField()
    body = models.BinaryField()
    pages = models.PositiveSmallIntegerField(help_text="Pages of the PDF, slides of the deck.")
    rendered_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0, help_text="How long the build took.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "quarter", "kind", "size", "fingerprint"], name="rendered_pack_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Q{self.quarter} review pack of {self.plan} ({self.get_kind_display()} {self.size})".strip()


class PackBuild(models.Model):
    """A request to build a quarter's review pack in the background, for the review page to follow."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Building"
        DONE = "done", "Built"
        FAILED = "failed", "Failed"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="pack_builds")
    quarter = models.PositiveSmallIntegerField()
    size = models.CharField(max_length=6, choices=RenderedPage.Size.choices, default=RenderedPage.Size.A4)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["plan", "quarter"], name="pack_build_plan_quarter")]

    def __str__(self) -> str:
        return f"Build of the Q{self.quarter} review pack of {self.plan}"
