from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import VersionedModel
from orgs.models import FIRST_YEAR, LAST_YEAR, YEAR_MESSAGE, OrgUnit, ScopedQuerySet, Seller, year_validators


class CascadeMethod(models.TextChoices):
    EQUAL = "equal", "Equal split"
    HEADCOUNT = "headcount", "Headcount"
    PRIOR_YEAR = "prior_year", "Prior-year share"
    MANUAL = "manual", "Manual weights"


class CascadeLevel(models.TextChoices):
    UNITS = "units", "Child units"
    SELLERS = "sellers", "Sellers"


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
    # How the plan's target cascades to the level below (Step 1).
    cascade_method = models.CharField(
        max_length=12, choices=CascadeMethod.choices, default=CascadeMethod.EQUAL, verbose_name="split by"
    )
    cascade_level = models.CharField(
        max_length=8, choices=CascadeLevel.choices, default=CascadeLevel.UNITS, verbose_name="split over"
    )
    buffer_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("200"))],
        verbose_name="over-assignment buffer (%)",
        help_text="Leave empty to use the company default.",
    )
    seasonality = models.ForeignKey(
        "SeasonalityProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="seasonality profile",
        help_text="Phases the target over the fiscal months; empty means an even spread.",
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


# --- Step 1: strategic alignment -------------------------------------------------------------------

MONEY = {"max_digits": 16, "decimal_places": 2}
CENT = Decimal("0.01")


def money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(
        **MONEY, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))], **kwargs
    )


class PlanningSettings(VersionedModel):
    """Company-wide planning defaults: one row, kept by sales ops at the top of the tree."""

    default_buffer_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("200"))],
        verbose_name="default over-assignment buffer (%)",
        help_text="Children's targets sum to the parent's target × (1 + buffer). Typical: 10–25%.",
    )
    move_approval_threshold = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("50000"),
        validators=[MinValueValidator(Decimal("0"))],
        verbose_name="budget moves above this amount need an executive",
        help_text="A budget move of more than this waits as pending until an executive approves it.",
    )

    healthy_pipeline_coverage = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("3"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("50"))],
        verbose_name="healthy pipeline coverage (×)",
        help_text="Open pipeline closing in a quarter ÷ what is left of its target: at or above this is "
        "healthy. Typical: 3×.",
    )

    class Meta:
        verbose_name = "planning settings"
        verbose_name_plural = "planning settings"

    def __str__(self) -> str:
        return "Planning settings"

    @classmethod
    def load(cls) -> "PlanningSettings":
        return cls.objects.order_by("pk").first() or cls.objects.create()


def validate_profile_weights(value: object) -> None:
    """Twelve percentages, one per calendar month January → December, summing to exactly 100."""
    if not isinstance(value, list) or len(value) != 12:
        raise ValidationError("A seasonality profile has 12 monthly weights, January to December.")
    try:
        weights = [Decimal(str(w)) for w in value]
    except (InvalidOperation, ValueError):
        raise ValidationError("Each monthly weight must be a number.") from None
    if any(not w.is_finite() or w < 0 or w.as_tuple().exponent < -2 for w in weights):
        raise ValidationError("Each monthly weight is a percentage from 0 with at most 2 decimals.")
    total = sum(weights)
    if total != 100:
        raise ValidationError(f"The monthly weights must sum to 100%; they sum to {total:f}%.")


def even_weights() -> list[str]:
    return ["8.34"] * 4 + ["8.33"] * 8


class SeasonalityProfile(VersionedModel):
    """How a year's revenue falls over the calendar months; phases an annual target into 12 months."""

    class Source(models.TextChoices):
        ENTERED = "entered", "Entered"
        DERIVED = "derived", "Derived from prior-year actuals"

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="seasonality_profiles")
    name = models.CharField(max_length=120)
    weights = models.JSONField(
        default=even_weights,
        validators=[validate_profile_weights],
        help_text="12 percentages for January … December, summing to 100.",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENTERED)
    note = models.CharField(max_length=200, blank=True, help_text="Where the weights come from.")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "name"],
                name="profile_unique_name",
                violation_error_message="This unit already has a seasonality profile with that name.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def weight_decimals(self) -> list[Decimal]:
        return [Decimal(str(w)) for w in self.weights]


class LongTermGoal(VersionedModel):
    """A 3–10 year goal of an org unit, with a milestone per fiscal year on the way."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="long_term_goals")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    start_year = models.PositiveSmallIntegerField(
        verbose_name="first fiscal year", validators=year_validators()
    )
    end_year = models.PositiveSmallIntegerField(verbose_name="last fiscal year", validators=year_validators())
    milestones = models.JSONField(
        default=dict, blank=True, help_text='Milestone text by fiscal year, e.g. {"2028": "ARR $60M"}.'
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["start_year", "title"]
        verbose_name = "long-term goal"
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__gte=FIRST_YEAR, start_year__lte=LAST_YEAR)
                & Q(end_year__gte=FIRST_YEAR, end_year__lte=LAST_YEAR),
                name="goal_years_in_range",
                violation_error_message=YEAR_MESSAGE,
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.start_year and self.end_year:
            span = self.end_year - self.start_year + 1
            if not 3 <= span <= 10:
                raise ValidationError(
                    {"end_year": f"A long-term goal spans 3 to 10 fiscal years; this one spans {span}."}
                )
        if not isinstance(self.milestones, dict):
            raise ValidationError({"milestones": "Milestones are text by fiscal year."})
        for year, text in self.milestones.items():
            if not str(year).isdigit() or not self.start_year <= int(year) <= self.end_year:
                raise ValidationError(
                    {"milestones": f"FY{year} is outside the goal's years {self.start_year}–{self.end_year}."}
                )
            if not isinstance(text, str) or len(text) > 300:
                raise ValidationError(
                    {"milestones": f"The FY{year} milestone is text of up to 300 characters."}
                )

    def milestone_for(self, fiscal_year: int) -> str:
        return self.milestones.get(str(fiscal_year), "")

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))


class PlanContentQuerySet(ScopedQuerySet):
    unit_field = "plan__org_unit"


class PlanContent(VersionedModel):
    """A record that belongs to one plan (a `plan` foreign key) and is edited with it."""

    objects = PlanContentQuerySet.as_manager()

    class Meta:
        abstract = True


class Objective(PlanContent):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    weight = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        verbose_name="weight (%)",
        help_text="Share of the plan's focus; a plan's weights add up to 100%.",
    )
    long_term_goal = models.ForeignKey(
        LongTermGoal, null=True, blank=True, on_delete=models.SET_NULL, related_name="objectives"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class Strategy(PlanContent):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="strategies")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    objectives = models.ManyToManyField(Objective, blank=True, related_name="strategies")

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "strategies"

    def __str__(self) -> str:
        return self.title


QUARTERS = [(q, f"Q{q}") for q in range(1, 5)]


class Initiative(PlanContent):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        AT_RISK = "at_risk", "At risk"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="initiatives")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    owner = models.CharField(max_length=120, blank=True, help_text="Who drives it.")
    start_quarter = models.PositiveSmallIntegerField(choices=QUARTERS, default=1)
    end_quarter = models.PositiveSmallIntegerField(choices=QUARTERS, default=4)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    strategy = models.ForeignKey(
        Strategy, null=True, blank=True, on_delete=models.SET_NULL, related_name="initiatives"
    )
    objectives = models.ManyToManyField(Objective, blank=True, related_name="initiatives")

    class Meta:
        ordering = ["start_quarter", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_quarter__lte=models.F("end_quarter")),
                name="initiative_quarters_in_order",
                violation_error_message="The end quarter cannot be before the start quarter.",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Risk(PlanContent):
    SCALE = [(n, str(n)) for n in range(1, 6)]

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="risks")
    title = models.CharField(max_length=200)
    likelihood = models.PositiveSmallIntegerField(
        choices=SCALE, default=3, help_text="1 rare … 5 almost certain"
    )
    impact = models.PositiveSmallIntegerField(choices=SCALE, default=3, help_text="1 minor … 5 severe")
    mitigation = models.TextField(blank=True, max_length=2000)
    owner = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def level(self) -> tuple[str, str]:
        """(status key, label) of the score: high from 15, medium from 8."""
        if self.score >= 15:
            return "off_track", "High"
        if self.score >= 8:
            return "at_risk", "Medium"
        return "on_track", "Low"


class SalesTarget(PlanContent):
    """A revenue target of the plan, split by motion and traced to the objectives it serves."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sales_targets")
    name = models.CharField(max_length=120, default="Revenue")
    new_business = money_field()
    expansion = money_field()
    renewal = money_field()
    objectives = models.ManyToManyField(Objective, blank=True, related_name="sales_targets")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_business__gte=0, expansion__gte=0, renewal__gte=0),
                name="target_not_negative",
                violation_error_message="Target amounts cannot be negative.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} target"

    @property
    def total(self) -> Decimal:
        return self.new_business + self.expansion + self.renewal


def validate_months(value: object) -> None:
    if not isinstance(value, list) or len(value) != 12:
        raise ValidationError("A target row has 12 monthly amounts.")
    for amount in value:
        try:
            number = Decimal(str(amount))
        except (InvalidOperation, ValueError):
            raise ValidationError(f"{amount!r} is not an amount.") from None
        if not number.is_finite() or number < 0 or number != number.quantize(CENT):
            raise ValidationError(f"{amount!r}: monthly amounts are non-negative with at most 2 decimals.")


def zero_months() -> list[str]:
    return ["0.00"] * 12


class TargetAllocation(PlanContent):
    """One row of the cascade grid: the top-down share of the plan's target for a child unit or seller,
    by fiscal month (period 1 … 12)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="allocations")
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    seller = models.ForeignKey(Seller, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    weight = models.DecimalField(
        max_digits=18,
        decimal_places=4,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="The row's weight in the split (manual method), or the weight the method computed.",
    )
    months = models.JSONField(default=zero_months, validators=[validate_months])

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(org_unit__isnull=True) ^ Q(seller__isnull=True),
                name="allocation_unit_xor_seller",
                violation_error_message="A target row is for one child unit or one seller.",
            ),
            models.UniqueConstraint(fields=["plan", "org_unit"], name="allocation_unique_unit"),
            models.UniqueConstraint(fields=["plan", "seller"], name="allocation_unique_seller"),
        ]

    def __str__(self) -> str:
        return f"Target for {self.recipient}"

    @property
    def recipient(self) -> OrgUnit | Seller:
        return self.org_unit or self.seller

    @property
    def code(self) -> str:
        return self.org_unit.code if self.org_unit_id else self.seller.email

    @property
    def month_amounts(self) -> list[Decimal]:
        return [Decimal(str(m)) for m in self.months]

    @property
    def amount(self) -> Decimal:
        return sum(self.month_amounts, Decimal("0"))


class TargetSubmission(VersionedModel):
    """A unit's own bottom-up number, submitted to the parent unit, which approves it or sends it back."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        SENT_BACK = "sent_back", "Sent back"

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="submission")
    amount = money_field(help_text="What the unit commits to deliver this fiscal year.")
    note = models.TextField(blank=True, max_length=2000, help_text="The basis of the number.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    comment = models.TextField(blank=True, max_length=2000, help_text="The parent's comment on its decision.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PlanContentQuerySet.as_manager()

    class Meta:
        verbose_name = "bottom-up submission"

    def __str__(self) -> str:
        return f"Bottom-up number of {self.plan}"
