"""Step 3: a plan's functional budget, its lines, the append-only ledger that moves money, and spend."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from capabilities.models import ImprovementAction
from core.models import VersionedModel
from planning.models import Initiative, Objective, Plan, PlanContent

ZERO = Decimal("0")
MONEY = {"max_digits": 16, "decimal_places": 2}


class Budget(PlanContent):
    """A plan's budget: a total, split into lines, with what is not yet allocated kept in a pool."""

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="budget")
    total = models.DecimalField(**MONEY, validators=[MinValueValidator(ZERO)])
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code, e.g. USD, EUR.")
    unallocated = models.DecimalField(**MONEY, default=ZERO, editable=False, verbose_name="unallocated pool")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gte=0),
                name="budget_total_not_negative",
                violation_error_message="The total cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(unallocated__gte=0),
                name="budget_pool_not_negative",
                violation_error_message="The unallocated pool cannot go below zero.",
            ),
            models.CheckConstraint(
                condition=Q(unallocated__lte=F("total")),
                name="budget_pool_within_total",
                violation_error_message="The unallocated pool cannot exceed the total.",
            ),
        ]

    def __str__(self) -> str:
        return f"Budget of {self.plan}"


class BudgetLine(PlanContent):
    """Money for one purpose, mapped to the objective it drives and the value it is expected to bring.
    Its amount changes only through ledger entries."""

    class Category(models.TextChoices):
        HEADCOUNT = "headcount", "Headcount"
        TECHNOLOGY = "technology", "Technology"
        PROGRAMS = "programs", "Programs"
        ENABLEMENT = "enablement", "Enablement"
        OTHER = "other", "Other"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="budget_lines")
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="lines")
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=12, choices=Category.choices)
    growth = models.BooleanField(default=False, help_text="A growth line: savings elsewhere can fund it.")
    objective = models.ForeignKey(
        Objective,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="budget_lines",
        verbose_name="value driver",
        help_text="The objective this money moves.",
    )
    expected_value = models.DecimalField(
        **MONEY,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
        help_text="The value (e.g. revenue) expected from the line's planned amount.",
    )
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.SET_NULL, related_name="budget_lines"
    )
    improvement_action = models.ForeignKey(
        ImprovementAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="budget_lines"
    )
    amount = models.DecimalField(**MONEY, default=ZERO, editable=False)
    baseline = models.DecimalField(
        **MONEY, default=ZERO, editable=False, help_text="The amount the expected value was stated for."
    )

    class Meta:
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="budget_line_not_negative",
                violation_error_message="A budget line cannot go below zero.",
            ),
            models.UniqueConstraint(
                fields=["budget", "name"],
                name="budget_line_unique_name",
                violation_error_message="This budget already has a line with that name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def value_per_unit(self) -> Decimal | None:
        """Expected value per unit of money, as planned (value ÷ the amount it was stated for)."""
        if not self.baseline:
            return None
        return (self.expected_value / self.baseline).quantize(Decimal("0.01"))


class Move(models.Model):
    """One entry of the append-only reallocation ledger. Never edited: a correction is a reversing entry.

    A side of a move is a line, or the budget's unallocated pool when the line is empty.
    """

    class Kind(models.TextChoices):
        OPENING = "opening", "Opening allocation"
        REALLOCATE = "reallocate", "Reallocate"
        FUND_GROWTH = "fund_growth", "Fund growth"
        DEPLOY = "deploy", "Deploy unallocated funds"
        REVERSAL = "reversal", "Reversal"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        POSTED = "posted", "Posted"
        REJECTED = "rejected", "Rejected"

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="moves")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    source = models.ForeignKey(
        BudgetLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves_out",
        verbose_name="from",
    )
    target = models.ForeignKey(
        BudgetLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves_in",
        verbose_name="to",
    )
    amount = models.DecimalField(**MONEY)
    reason = models.TextField(max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True, max_length=2000)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="move_amount_positive",
                violation_error_message="Move a positive amount.",
            ),
            models.CheckConstraint(
                condition=(Q(source__isnull=False) | Q(target__isnull=False))
                & (~Q(source=F("target")) | Q(source__isnull=True)),
                name="move_between_different_sides",
                violation_error_message="A move needs two different sides.",
            ),
        ]
        indexes = [models.Index(fields=["budget", "status"], name="move_budget_status")]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {self.amount:,.2f}: {self.source or 'pool'} → {self.target or 'pool'}"
        )

    @property
    def audit_plan_id(self) -> int:
        return self.budget.plan_id


class Spend(VersionedModel):
    """Actual spend of a line in one fiscal month."""

    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="spend")
    period = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(ZERO)])

    class Meta:
        ordering = ["line", "period"]
        constraints = [
            models.UniqueConstraint(fields=["line", "period"], name="spend_one_per_line_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="spend_not_negative"),
            models.CheckConstraint(condition=Q(period__gte=1, period__lte=12), name="spend_period_1_12"),
        ]

    def __str__(self) -> str:
        return f"{self.line} P{self.period}"

    @property
    def audit_plan_id(self) -> int:
        return self.line.plan_id
