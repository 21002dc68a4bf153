"""Step 4: the KPI catalogue, its Day-1 data sources, targets, actuals and their imports, churn policy."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import VersionedModel
from orgs.models import OrgUnit, ScopedQuerySet, Seller
from planning.models import Objective, Plan, PlanContent

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
VALUE = {"max_digits": 18, "decimal_places": 4}


class KPI(VersionedModel):
    """A metric definition in the company catalogue, configured by sales ops."""

    class Unit(models.TextChoices):
        CURRENCY = "currency", "Currency"
        COUNT = "count", "Count"
        PERCENT = "percent", "Percent"

    class Direction(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    class Aggregation(models.TextChoices):
        SUM = "sum", "Sum"
        AVERAGE = "average", "Average"
        LAST = "last", "Last value"
        RATIO = "ratio", "Ratio of two KPIs"

    class Cadence(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"

    code = models.SlugField(
        max_length=40, unique=True, help_text="Short code used in imports, e.g. win-rate."
    )
    name = models.CharField(max_length=120)
    description = models.TextField(
        blank=True, max_length=1000, help_text="What exactly is counted, and for which part of the business."
    )
    unit = models.CharField(max_length=10, choices=Unit.choices, blank=True)
    direction = models.CharField(max_length=6, choices=Direction.choices, default=Direction.HIGHER)
    aggregation = models.CharField(max_length=8, choices=Aggregation.choices, default=Aggregation.SUM)
    numerator = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Ratio KPIs only.",
    )
    denominator = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Ratio KPIs only.",
    )
    annual_target = models.DecimalField(
        **VALUE,
        null=True,
        blank=True,
        help_text="The company-wide target for a fiscal year, if there is one.",
    )
    review_cadence = models.CharField(max_length=10, choices=Cadence.choices, blank=True)
    alert_threshold = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
        help_text="Attainment (%) below which the KPI is off track; at risk between it and 100%.",
    )
    owner = models.CharField(max_length=120, blank=True, help_text="Who acts when it goes off track.")
    objectives = models.ManyToManyField(Objective, blank=True, related_name="kpis")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "KPI"
        constraints = [
            models.CheckConstraint(
                condition=~Q(aggregation="ratio") | Q(numerator__isnull=False, denominator__isnull=False),
                name="kpi_ratio_has_both_sides",
                violation_error_message="A ratio KPI needs a numerator KPI and a denominator KPI.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class DataSource(VersionedModel):
    """Where a KPI's data comes from, and whether it will be there on day 1 of the fiscal year."""

    class Kind(models.TextChoices):
        CRM_FIELD = "crm_field", "CRM field"
        INTEGRATION = "integration", "Integration"
        MANUAL = "manual", "Manual entry"
        IMPORT = "import", "File import"

    class Readiness(models.TextChoices):
        CAPTURED = "captured", "Captured"
        FIELD_MISSING = "field_missing", "Field missing"
        PROCESS_MISSING = "process_missing", "Process missing"
        NOT_CAPTURABLE = "not_capturable", "Not capturable"

    class Effort(models.TextChoices):
        NONE = "none", "None"
        SMALL = "small", "Small (days)"
        MEDIUM = "medium", "Medium (weeks)"
        LARGE = "large", "Large (months)"

    kpi = models.OneToOneField(KPI, on_delete=models.CASCADE, related_name="source")
    kind = models.CharField(
        max_length=12, choices=Kind.choices, default=Kind.CRM_FIELD, verbose_name="source"
    )
    field_name = models.CharField(max_length=200, blank=True, help_text="e.g. Opportunity.Amount")
    capture_process = models.TextField(blank=True, max_length=1000, help_text="Who records it, when, how.")
    owner = models.CharField(max_length=120, blank=True)
    readiness = models.CharField(max_length=16, choices=Readiness.choices, default=Readiness.FIELD_MISSING)
    effort = models.CharField(
        max_length=8, choices=Effort.choices, default=Effort.SMALL, verbose_name="set-up effort"
    )
    ready_by = models.DateField(null=True, blank=True, help_text="When it must be captured; empty: day 1.")

    def __str__(self) -> str:
        return f"Data source of {self.kpi}"


class SubjectQuerySet(ScopedQuerySet):
    """Rows about an org unit (and possibly one of its sellers): visible by the unit."""

    unit_field = "org_unit"


class KPITarget(VersionedModel):
    """A KPI's target for an org unit (or one of its sellers) in one fiscal month."""

    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="targets")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    seller = models.ForeignKey(Seller, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField()
    period = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    value = models.DecimalField(**VALUE)

    objects = SubjectQuerySet.as_manager()

    class Meta:
        ordering = ["kpi_id", "org_unit_id", "seller_id", "fiscal_year", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "org_unit", "fiscal_year", "period"],
                condition=Q(seller__isnull=True),
                name="kpitarget_unit_month",
            ),
            models.UniqueConstraint(
                fields=["kpi", "seller", "fiscal_year", "period"],
                condition=Q(seller__isnull=False),
                name="kpitarget_seller_month",
            ),
            models.CheckConstraint(condition=Q(period__gte=1, period__lte=12), name="kpitarget_period_1_12"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} target FY{self.fiscal_year} P{self.period}"


class PullSource(VersionedModel):
    """Where actuals (or pipeline snapshots) arrive from by themselves: a SQL query against a warehouse or a
    CSV/XLSX file at a URL, pulled on its own schedule or on demand; each pull is an ImportBatch through the
    importer like an upload. Its credential (the database password, or the authorisation header's value)
    is kept encrypted (`secret`, a Fernet token) and never shown back."""

    class Kind(models.TextChoices):
        SQL = "sql", "SQL query"
        FILE_URL = "file_url", "File URL"

    class Loads(models.TextChoices):
        ACTUALS = "actuals", "KPI actuals"
        PIPELINE = "pipeline", "Pipeline snapshot"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SQL)
    loads = models.CharField(max_length=8, choices=Loads.choices, default=Loads.ACTUALS)
    url = models.CharField(
        max_length=1000,
        help_text="SQL: a SQLAlchemy URL without its password (postgresql+psycopg://reader@host/warehouse, "
        "sqlite:////path/to/file.db). File: an http(s) URL of a CSV or XLSX file.",
    )
    query = models.TextField(
        blank=True,
        max_length=20000,
        help_text="SQL only: one SELECT returning the importer's columns; :since is the incremental "
        "window's first day.",
    )
    auth_header = models.CharField(
        max_length=100,
        blank=True,
        help_text="File only: the header that carries the credential, e.g. Authorization.",
    )
    secret = models.TextField(blank=True, editable=False, help_text="The credential, Fernet-encrypted.")
    lookback_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MaxValueValidator(366)],
        help_text="An incremental pull starts this many days before the last successful one.",
    )
    timeout_seconds = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    schedule = models.CharField(
        max_length=100,
        blank=True,
        help_text="When it runs, as cron fields (minute hour day month weekday); empty: on demand only.",
    )
    enabled = models.BooleanField(default=True)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One upload of actuals (a file or an API call) and what became of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Loaded"
        FAILED = "failed", "Failed"

    file_name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When the latest attempt began.")
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="How often a worker began it.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    loaded_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first bad rows: row, column, reason.")
    message = models.CharField(max_length=300, blank=True)
    content = models.BinaryField(
        null=True, editable=False, help_text="The uploaded file, until it is processed."
    )
    pull_source = models.ForeignKey(
        PullSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    loads = models.CharField(
        max_length=8,
        choices=PullSource.Loads.choices,
        default=PullSource.Loads.ACTUALS,
        help_text="What its rows are: KPI actuals, or one snapshot of the pipeline's opportunities.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"Import of {self.file_name}"

    @property
    def progress(self) -> int:
        return round(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class Actual(models.Model):
    """One measured value of a KPI for an org unit (or one of its sellers) on a date."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual entry"
        UPLOAD = "upload", "Upload"
        API = "api", "API"
        PULL = "pull", "Pull source"

    # The references are checked once per statement on PostgreSQL, by triggers as strict as a foreign key
    # (core.statement_references, migration 0012), and by SQLite's own foreign keys.
    # Indexed by the constraints and the (kpi, org unit, date) index, which all lead with it.
    kpi = models.ForeignKey(
        KPI, on_delete=models.PROTECT, related_name="actuals", db_index=False, db_constraint=False
    )
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    date = models.DateField()
    value = models.DecimalField(**VALUE)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubjectQuerySet.as_manager()

    class Meta:
        ordering = ["kpi_id", "org_unit_id", "seller_id", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "org_unit", "date"], condition=Q(seller__isnull=True), name="actual_unit_day"
            ),
            models.UniqueConstraint(
                fields=["kpi", "seller", "date"], condition=Q(seller__isnull=False), name="actual_seller_day"
            ),
        ]
        indexes = [models.Index(fields=["kpi", "org_unit", "date"], name="actual_kpi_unit_date")]

    def __str__(self) -> str:
        return f"{self.kpi} {self.date}: {self.value}"


class MonthSums(models.Model):
    """The actuals of one KPI and unit in one calendar month, added up. Written only by the database:
    triggers on the actuals table keep each kind equal to the rows it sums, whatever writes them — the
    importer, the API, a manual entry, a cascade. Never written by the application."""

    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="+", db_index=False)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The month's first day.")
    total = models.DecimalField(max_digits=28, decimal_places=4)
    count = models.PositiveIntegerField()
    first_date = models.DateField()
    last_date = models.DateField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.kpi} {self.month:%b %Y}: {self.total} in {self.count} rows"


class ActualMonth(MonthSums):
    """The sums by seller (or the unit's own rows): what the KPI engine reads for the whole months inside a
    window when sellers are asked about (migration 0011's triggers)."""

    seller = models.ForeignKey(Seller, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "kpi", "org_unit", models.functions.Coalesce("seller", 0), "month", name="actualmonth_key"
            )
        ]


class UnitMonth(MonthSums):
    """The sums of every row of the unit, its sellers' included: what the KPI engine reads for a unit's
    whole months when no seller is asked about — a unit of 1,000 sellers has 12 of these a year per KPI
    where it has 12,000 `ActualMonth` rows (migration 0014's triggers)."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kpi", "org_unit", "month"], name="unitmonth_key")]


class ChurnPolicy(PlanContent):
    """How a plan treats churn: the allowance reps get, and the new business needed to outgrow it."""

    class Period(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        ANNUAL = "annual", "Annual"

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="churn_policy")
    allowance = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=PERCENT,
        verbose_name="churn allowance (%)",
        help_text="A rep at (100 − allowance)% of quota is credited 100%.",
    )
    measurement_period = models.CharField(max_length=10, choices=Period.choices, default=Period.ANNUAL)
    expected_churn = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("7"),
        validators=PERCENT,
        verbose_name="expected churn (%)",
        help_text="Expected churn rate in the measurement period.",
    )
    net_growth_goal = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("1000"))],
        verbose_name="net growth goal (%)",
        help_text="Annual net ARR growth the plan aims for.",
    )
    starting_arr = models.DecimalField(
        max_digits=16, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))],
        verbose_name="ARR at the start of the year",
    )  # fmt: skip
    benchmark_low = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("5"), validators=PERCENT
    )
    benchmark_high = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("7"), validators=PERCENT
    )
    warn_above = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=PERCENT,
        verbose_name="warn above (%)",
    )

    class Meta:
        verbose_name = "churn policy"
        verbose_name_plural = "churn policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(benchmark_low__lte=models.F("benchmark_high")),
                name="churn_band_in_order",
                violation_error_message="The benchmark band's low end cannot be above its high end.",
            )
        ]

    def __str__(self) -> str:
        return f"Churn policy of {self.plan}"


class RollupRun(models.Model):
    """One computation of a plan's quarterly rollup: who or what asked for it, and how it went."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rollup_runs")
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When the latest attempt began.")
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="How often a worker began it.")
    rows = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Rollup of {self.plan} Q{self.quarter}"


class QuarterlyRollup(models.Model):
    """A KPI at one unit of a plan's subtree (or one seller) over one fiscal quarter, as last computed."""

    # References checked once per statement on PostgreSQL, as the actuals' are (migration 0013).
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rollups", db_constraint=False)
    quarter = models.PositiveSmallIntegerField()
    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    target = models.DecimalField(**VALUE, null=True)
    expected = models.DecimalField(
        **VALUE, null=True, help_text="The target phased to date: the whole target once the quarter ended."
    )
    actual = models.DecimalField(**VALUE, null=True)
    attainment = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, help_text="Actual against the target to date."
    )
    credited = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, verbose_name="credited attainment"
    )
    change = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, help_text="Attainment minus the previous quarter's."
    )
    pace = models.DecimalField(**VALUE, null=True, help_text="Projected quarter total at the current rate.")
    status = models.CharField(max_length=12)
    coverage = models.DecimalField(max_digits=5, decimal_places=4)
    last_date = models.DateField(null=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["plan", "quarter", "kpi_id", "org_unit_id", "seller_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "quarter", "kpi", "org_unit"],
                condition=Q(seller__isnull=True),
                name="rollup_unit_row",
            ),
            models.UniqueConstraint(
                fields=["plan", "quarter", "kpi", "seller"],
                condition=Q(seller__isnull=False),
                name="rollup_seller_row",
            ),
        ]
        indexes = [models.Index(fields=["plan", "quarter"], name="rollup_plan_quarter")]

    def __str__(self) -> str:
        return f"{self.kpi} Q{self.quarter} {self.seller or self.org_unit}"

    @property
    def partial(self) -> bool:
        return self.actual is not None and self.coverage < 1


class TargetAdjustment(models.Model):
    """A target changed at a quarterly review, with who, when, why and before → after."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="target_adjustments")
    review_quarter = models.PositiveSmallIntegerField()
    plan_revision = models.PositiveIntegerField()
    kpi = models.ForeignKey(KPI, on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    period = models.PositiveSmallIntegerField()
    before = models.DecimalField(**VALUE, null=True)
    after = models.DecimalField(**VALUE)
    reason = models.TextField(max_length=2000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kpi} P{self.period}: {self.before} → {self.after}"

    @property
    def audit_plan_id(self) -> int:
        return self.plan_id


class Opportunity(models.Model):
    """One deal as a CRM snapshot saw it on `snapshot_date`; the pipeline's coverage and movement are read
    from these rows (one snapshot is every row of one date)."""

    class Category(models.TextChoices):
        PIPELINE = "pipeline", "Pipeline"
        BEST_CASE = "best_case", "Best case"
        COMMIT = "commit", "Commit"
        CLOSED_WON = "closed_won", "Closed won"
        CLOSED_LOST = "closed_lost", "Closed lost"

    snapshot_date = models.DateField()
    external_id = models.CharField(max_length=100, help_text="The CRM's id of the opportunity.")
    name = models.CharField(max_length=200, blank=True)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    seller = models.ForeignKey(Seller, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    stage = models.CharField(max_length=100, blank=True)
    probability = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="%",
    )
    category = models.CharField(max_length=12, choices=Category.choices, verbose_name="forecast category")
    close_date = models.DateField()
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = SubjectQuerySet.as_manager()

    class Meta:
        ordering = ["snapshot_date", "external_id"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.UniqueConstraint(fields=["snapshot_date", "external_id"], name="opportunity_snapshot_id"),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100), name="opportunity_probability_0_100"
            ),
        ]
        indexes = [models.Index(fields=["org_unit", "snapshot_date"], name="opportunity_unit_snapshot")]

    def __str__(self) -> str:
        return f"{self.name or self.external_id} ({self.snapshot_date})"
