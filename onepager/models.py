"""Rendered one-pagers, cached per plan, page size and fingerprint of everything they show."""

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
