import contextvars
import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import VersionedModel
from orgs.fiscal import FiscalYearRules


class Role(models.TextChoices):
    SALES_LEADER = "sales_leader", "Sales leader"
    SALES_OPS = "sales_ops", "Sales ops"
    EXECUTIVE = "executive", "Executive"
    VIEWER = "viewer", "Viewer"


class ScopedQuerySet(models.QuerySet):
    """Rows that belong to an org unit, filtered by what a user's memberships grant.

    `unit_field` is the lookup path from the row to its OrgUnit ("" for OrgUnit itself).
    """

    unit_field = "org_unit"

    def visible_to(self, user) -> "ScopedQuerySet":
        from orgs import permissions

        return permissions.restrict(self, user, permissions.READ, self.unit_field)

    def visible_with_ancestors(self, user) -> "ScopedQuerySet":
        """What `user` reads, and the rows of the units above it."""
        from orgs import permissions

        return permissions.restrict(self, user, permissions.READ, self.unit_field, ancestors=True)

    def with_role(self, user, roles: frozenset[str]) -> "ScopedQuerySet":
        from orgs import permissions

        return permissions.restrict(self, user, roles, self.unit_field)


class OrgUnitQuerySet(ScopedQuerySet):
    unit_field = ""


class OrgUnit(VersionedModel):
    class Kind(models.TextChoices):
        COMPANY = "company", "Company"
        REGION = "region", "Region"
        AREA = "area", "Area"
        TEAM = "team", "Team"

    name = models.CharField(max_length=120)
    code = models.SlugField(max_length=40, unique=True, help_text="Short unique code, e.g. emea-dach.")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEAM)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of ids, "/1/4/9/": a subtree is one indexed prefix match. Kept by orgs.services.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = "org unit"

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    def clean(self) -> None:
        if self.parent_id and self.pk and f"/{self.pk}/" in (self.parent.path or ""):
            raise ValidationError({"parent": "A unit cannot sit under itself or one of its own sub-units."})


# The years the app plans in: fiscal years, long-term goals and seller dates all fall in this range.
FIRST_YEAR, LAST_YEAR = 2000, 2100
YEAR_MESSAGE = f"Enter a year from {FIRST_YEAR} to {LAST_YEAR}."
DATE_MESSAGE = f"Enter a date from {FIRST_YEAR} to {LAST_YEAR}."
FIRST_DAY, LAST_DAY = dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31)


def year_validators() -> list:
    return [MinValueValidator(FIRST_YEAR, YEAR_MESSAGE), MaxValueValidator(LAST_YEAR, YEAR_MESSAGE)]


def validate_date_in_years(value: dt.date) -> None:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError(f"{DATE_MESSAGE} {value.isoformat()} is outside.")


def default_ramp() -> list[int]:
    return [0, 25, 50, 75, 100]


def validate_ramp(value: object) -> None:
    if not isinstance(value, list) or not 1 <= len(value) <= 24:
        raise ValidationError("The ramp is a list of 1 to 24 monthly percentages, e.g. [0, 25, 50, 75, 100].")
    for pct in value:
        if not isinstance(pct, int | float) or isinstance(pct, bool) or not 0 <= pct <= 100:
            raise ValidationError(f"Each ramp month is a percentage from 0 to 100; {pct!r} is not.")


class Seller(VersionedModel):
    name = models.CharField(max_length=120)
    email = models.EmailField(unique=True)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="sellers")
    start_date = models.DateField(validators=[validate_date_in_years])
    end_date = models.DateField(
        null=True,
        blank=True,
        validators=[validate_date_in_years],
        help_text="Last day, if the seller has left.",
    )
    ramp = models.JSONField(
        default=default_ramp,
        validators=[validate_ramp],
        help_text="Productivity in % for each month from the start month; full after the last.",
    )
    monthly_quota = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Full-productivity quota per month.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="seller"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="seller_end_after_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=Q(monthly_quota__gte=0),
                name="seller_quota_not_negative",
                violation_error_message="The monthly quota cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(start_date__gte=FIRST_DAY, start_date__lte=LAST_DAY)
                & (Q(end_date__isnull=True) | Q(end_date__gte=FIRST_DAY, end_date__lte=LAST_DAY)),
                name="seller_dates_in_range",
                violation_error_message=DATE_MESSAGE,
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_active_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def ramp_percent(self, month: dt.date) -> float:
        """Productivity in the calendar month of `month`: the start month is ramp month 1; after the
        ramp, 100; before the start or after the end month, 0."""
        index = (month.year - self.start_date.year) * 12 + month.month - self.start_date.month
        ended = self.end_date is not None and (month.year, month.month) > (
            self.end_date.year,
            self.end_date.month,
        )
        if index < 0 or ended:
            return 0.0
        return float(self.ramp[index]) if index < len(self.ramp) else 100.0


class Membership(models.Model):
    """A role granted on an org unit; it reaches every unit below it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["org_unit__path", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "org_unit", "role"],
                name="membership_unique",
                violation_error_message="This user already has that role on that unit.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org_unit}"


# The fiscal rules of the web request being served (FiscalCalendar.current_rules; orgs.apps sets the scope).
_IN_REQUEST: contextvars.ContextVar[bool] = contextvars.ContextVar("in_request", default=False)
_REQUEST_RULES: contextvars.ContextVar[FiscalYearRules | None] = contextvars.ContextVar(
    "fiscal_rules", default=None
)


def request_scope(active: bool) -> None:
    """Begin (or end) a web request: its first `current_rules` is kept until its end or a calendar save."""
    _IN_REQUEST.set(active)
    _REQUEST_RULES.set(None)


def forget_rules(**signal) -> None:
    """Forget the request's rules: after a calendar change (fiscal_calendar_update; a save or delete)."""
    _REQUEST_RULES.set(None)


class FiscalCalendar(VersionedModel):
    """The company's fiscal calendar: one row."""

    class Naming(models.TextChoices):
        START = "start", "By the calendar year in which it starts"
        END = "end", "By the calendar year in which it ends"

    start_month = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="Month the fiscal year starts (1 = January … 12 = December).",
    )
    naming = models.CharField(max_length=5, choices=Naming.choices, default=Naming.END)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(start_month__gte=1, start_month__lte=12),
                name="calendar_start_month_1_12",
                violation_error_message="The start month must be from 1 (January) to 12 (December).",
            )
        ]

    def __str__(self) -> str:
        return "Fiscal calendar"

    @classmethod
    def load(cls) -> "FiscalCalendar":
        return cls.objects.order_by("pk").first() or cls.objects.create()

    @classmethod
    def current_rules(cls) -> FiscalYearRules:
        """The calendar's rules, read once per web request (a page asks a dozen times; the rules are
        immutable) and on every call elsewhere; a change of the calendar forgets them (`forget_rules`)."""
        rules = _REQUEST_RULES.get()
        if rules is None:
            rules = cls.load().rules
            if _IN_REQUEST.get():
                _REQUEST_RULES.set(rules)
        return rules

    @property
    def rules(self) -> FiscalYearRules:
        return FiscalYearRules(start_month=self.start_month, naming=self.naming)
