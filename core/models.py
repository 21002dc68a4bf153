from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.formatting import display_forget


class VersionedModel(models.Model):
    """A row several people may edit: every write must name the version it was based on."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def audit_plan_id(self) -> int | None:
        """The plan whose history page lists this row's changes (None: not plan content)."""
        plan_id = getattr(self, "plan_id", None)
        return plan_id if isinstance(plan_id, int) else None


class AuditEntry(models.Model):
    """One change: who, when, what, and each changed field's value before and after.

    `plan_id` scopes an entry to a plan's history page. It is a plain indexed integer rather than a
    foreign key so that lower layers can write it and history outlives what it describes.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"
        SUBMITTED = "submitted", "Submitted for review"
        APPROVED = "approved", "Approved"
        SENT_BACK = "sent_back", "Sent back"
        REOPENED = "reopened", "Reopened"
        DOWNLOADED = "downloaded", "Downloaded"
        # A seller's quota (sellers.quotas): sent by a leader, then opened, asked about, answered, accepted.
        PUBLISHED = "published", "Published"
        OPENED = "opened", "Opened"
        ASKED = "asked", "Asked about"
        ANSWERED = "answered", "Answered"
        ACCEPTED = "accepted", "Accepted"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    plan_id = models.BigIntegerField(null=True, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["plan_id", "-at"], name="audit_plan_at"),
            models.Index(fields=["content_type", "object_id"], name="audit_object"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_name or 'system'} {self.get_action_display().lower()} {self.object_repr}"


class DisplaySettings(VersionedModel):
    """How the company's amounts read: its currency and display precision. One row, kept by sales ops at
    the top of the tree; core.formatting reads it through the cache."""

    class Currency(models.TextChoices):
        USD = "USD", "US dollar (USD, $)"
        EUR = "EUR", "Euro (EUR, €)"
        GBP = "GBP", "Pound sterling (GBP, £)"
        CHF = "CHF", "Swiss franc (CHF)"
        CAD = "CAD", "Canadian dollar (CAD)"
        AUD = "AUD", "Australian dollar (AUD)"
        JPY = "JPY", "Japanese yen (JPY)"
        SEK = "SEK", "Swedish krona (SEK)"

    class Places(models.IntegerChoices):
        WHOLE = 0, "Whole units from 1,000 up"
        CENTS = 2, "Always to the cent"

    currency = models.CharField(
        max_length=3,
        choices=Currency.choices,
        default=Currency.USD,
        help_text="The currency every amount is in (ISO 4217). Changing it relabels amounts; "
        "it converts nothing.",
    )
    money_places = models.PositiveSmallIntegerField(
        choices=Places.choices,
        default=Places.WHOLE,
        verbose_name="amounts shown",
        help_text="Whole units read faster; the exact amount shows on hover and in exports either way.",
    )

    class Meta:
        verbose_name = "display settings"
        verbose_name_plural = "display settings"

    def __str__(self) -> str:
        return "Display settings"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        display_forget()  # the service writes by a conditional UPDATE and forgets too

    @classmethod
    def load(cls) -> "DisplaySettings":
        return cls.objects.order_by("pk").first() or cls.objects.create()
