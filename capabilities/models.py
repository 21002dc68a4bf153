"""Step 2: the company's capability catalogue, each plan's assessment of it, and the improvement roadmap."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import VersionedModel
from planning.models import Initiative, Plan, PlanContent

MATURITY = [
    (1, "1 · Initial"),
    (2, "2 · Developing"),
    (3, "3 · Defined"),
    (4, "4 · Managed"),
    (5, "5 · Optimizing"),
]
MATURITY_NAMES = {1: "Initial", 2: "Developing", 3: "Defined", 4: "Managed", 5: "Optimizing"}
CRITICALITY = [(1, "Low"), (2, "Medium"), (3, "High"), (4, "Critical")]
MATURITY_MESSAGE = "Maturity is 1 (initial) to 5 (optimizing)."
CRITICALITY_MESSAGE = "Criticality is 1 (low) to 4 (critical)."


def level_field(choices, message: str, **kwargs) -> models.PositiveSmallIntegerField:
    """A 1…n level chosen from named choices; any other value is refused with `message`."""
    low, high = choices[0][0], choices[-1][0]
    return models.PositiveSmallIntegerField(
        choices=choices,
        validators=[MinValueValidator(low, message), MaxValueValidator(high, message)],
        error_messages={"invalid_choice": message},
        **kwargs,
    )


class Capability(VersionedModel):
    """One entry of the company catalogue, kept by sales ops."""

    class Category(models.TextChoices):
        SKILLS = "skills", "Skills"
        PROCESSES = "processes", "Processes"
        TOOLS = "tools", "Tools & technology"
        RESOURCES = "resources", "Resources"

    category = models.CharField(max_length=10, choices=Category.choices)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True, max_length=1000)
    active = models.BooleanField(default=True, help_text="Inactive capabilities are no longer assessed.")

    class Meta:
        ordering = ["category", "name"]
        verbose_name_plural = "capabilities"

    def __str__(self) -> str:
        return self.name


class CapabilityAssessment(PlanContent):
    """How one capability stands in one plan's unit: maturity now, the target, and how much it matters."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="capability_assessments")
    capability = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="assessments")
    performance = models.CharField(
        max_length=300,
        blank=True,
        verbose_name="current performance",
        help_text="What the numbers say today.",
    )
    maturity = level_field(MATURITY, MATURITY_MESSAGE, verbose_name="current maturity")
    target_maturity = level_field(MATURITY, MATURITY_MESSAGE)
    benchmark_maturity = level_field(
        MATURITY, MATURITY_MESSAGE, null=True, blank=True, verbose_name="industry benchmark"
    )
    criticality = level_field(CRITICALITY, CRITICALITY_MESSAGE)
    evidence = models.TextField(blank=True, max_length=2000)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["capability__category", "capability__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "capability"],
                name="assessment_one_per_capability",
                violation_error_message="This capability is already assessed in this plan.",
            ),
            models.CheckConstraint(
                condition=Q(maturity__gte=1, maturity__lte=5, target_maturity__gte=1, target_maturity__lte=5),
                name="assessment_maturity_1_5",
                violation_error_message=MATURITY_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(criticality__gte=1, criticality__lte=4),
                name="assessment_criticality_1_4",
                violation_error_message=CRITICALITY_MESSAGE,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.capability} assessment"

    @property
    def gap(self) -> int:
        """How many maturity levels short of the target (0 when at or above it)."""
        return max(self.target_maturity - self.maturity, 0)

    @property
    def priority(self) -> int:
        """gap × criticality weight (low 1, medium 2, high 3, critical 4)."""
        return self.gap * self.criticality

    @property
    def maturity_name(self) -> str:
        return MATURITY_NAMES[self.maturity]


class ImprovementAction(PlanContent):
    """A step of the roadmap that closes a capability gap."""

    Status = Initiative.Status  # the same life cycle as the initiatives they often belong to

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="improvement_actions")
    assessment = models.ForeignKey(
        CapabilityAssessment, on_delete=models.CASCADE, related_name="actions", verbose_name="gap"
    )
    title = models.CharField(max_length=200)
    owner = models.CharField(max_length=120, blank=True)
    quarter = models.PositiveSmallIntegerField(choices=[(q, f"Q{q}") for q in range(1, 5)], default=1)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.SET_NULL, related_name="improvement_actions"
    )
    budget = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Money set aside for it. An action with no budget leaves its gap unfunded.",
    )

    class Meta:
        ordering = ["quarter", "pk"]

    def __str__(self) -> str:
        return self.title
