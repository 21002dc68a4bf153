"""A seller's own number (the seller seat): the year's quota by fiscal month and the receipt of how it was
set, the objectives it serves, the KPIs it is measured on and the churn allowance in the seller's figures.

The receipt recomputes nothing by a rule of its own: each line calls the cascade's functions (target_total,
effective_buffer, calc.with_buffer, calc.split_cents on the stored weights, calc.phase with the plan's
profile), then lists the hand edits the history recorded for the row, and ends at the stored months. Where
the stored figure is not what the rule gives, the receipt says so."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core import formatting
from core.models import AuditEntry
from metrics import calc as metrics_calc
from metrics import engine
from metrics.models import KPI, ChurnPolicy, KPITarget
from orgs import permissions
from orgs.models import FiscalCalendar, Seller
from planning import calc, cascade
from planning.dashboard import Panel
from planning.models import CascadeLevel, CascadeMethod, Objective, Plan, TargetAllocation

ZERO = Decimal("0")
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Line:
    """One step of the receipt: what it does, its figure, and the months where the step yields them."""

    label: str
    detail: str
    amount: Decimal
    months: list[tuple[str, Decimal]] | None = None  # (fiscal month, amount)


@dataclass(frozen=True)
class Edit:
    """A change of the row the history recorded: who, when, the months before and after."""

    at: dt.datetime
    actor: str
    comment: str
    before: list[Decimal]
    after: list[Decimal]
    labels: list[str]  # the fiscal months'

    @property
    def before_total(self) -> Decimal:
        return sum(self.before, ZERO)

    @property
    def after_total(self) -> Decimal:
        return sum(self.after, ZERO)

    @property
    def changed(self) -> list[tuple[str, Decimal, Decimal]]:
        """(fiscal month, before, after) of each month the edit changed."""
        rows = zip(self.labels, self.before, self.after, strict=True)
        return [(label, b, a) for label, b, a in rows if b != a]


@dataclass
class Receipt:
    lines: list[Line]
    ruled: list[Decimal]  # the months the rule gives
    edits: list[Edit]
    stored: list[Decimal]

    @property
    def quota(self) -> Decimal:
        return sum(self.stored, ZERO)

    @property
    def differs(self) -> bool:
        return self.ruled != self.stored


@dataclass
class KPILine:
    kpi: KPI
    result: engine.Result  # year to date
    year: engine.Result  # the whole year: its pace projects the year-to-date rate to the year's end

    @property
    def measured(self) -> bool:
        """A target or an actual for the seller: a line of its own (the others are only named)."""
        return self.result.target is not None or self.result.actual is not None


@dataclass
class MyNumber:
    seller: Seller
    fiscal_year: int
    years: list[int]
    months: list[str]  # the fiscal months' labels
    plan: Plan | None = None
    row: TargetAllocation | None = None
    receipt: Receipt | None = None
    objectives: list[Objective] = field(default_factory=list)
    kpis: list[KPILine] = field(default_factory=list)
    window: engine.Window | None = None
    churn: ChurnPolicy | None = None

    @property
    def measured(self) -> list[KPILine]:
        return [k for k in self.kpis if k.measured]

    @property
    def unmeasured(self) -> list[KPILine]:
        return [k for k in self.kpis if not k.measured]

    @property
    def credit_bar(self) -> Decimal | None:
        """The part of the quota at which the seller is credited 100%, after the churn allowance."""
        if self.churn is None or self.receipt is None:
            return None
        return (self.receipt.quota * (1 - self.churn.allowance / HUNDRED)).quantize(calc.CENT)

    @property
    def bar_share(self) -> Decimal | None:
        """The credit bar as a part of the quota: 0.9 with a 10% allowance."""
        return None if self.churn is None else 1 - self.churn.allowance / HUNDRED

    @property
    def credit_at_bar(self) -> Decimal | None:
        """What credited attainment gives at that bar (the metrics rule, so 1.0000 by construction)."""
        bar = self.credit_bar
        if bar is None:
            return None
        return metrics_calc.credited_attainment(bar, self.receipt.quota, self.churn.allowance)


def seller_rows(seller: Seller):
    """The seller's cascade rows, each with its plan and unit."""
    return TargetAllocation.objects.filter(seller=seller).select_related("plan", "plan__org_unit", "seller")


def _row(seller: Seller, year: int) -> TargetAllocation | None:
    """The seller's row in the year: in their own unit's plan first, else in the nearest plan above."""
    rows = list(seller_rows(seller).filter(plan__fiscal_year=year))
    rows.sort(key=lambda r: (r.plan.org_unit_id != seller.org_unit_id, -len(r.plan.org_unit.path)))
    return rows[0] if rows else None


def _edits(row: TargetAllocation, labels: list[str]) -> list[Edit]:
    """Changes of the row's months recorded in the history since the cascade wrote it, oldest first."""
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(TargetAllocation),
        object_id=str(row.pk),
        at__gte=row.created_at,
    ).order_by("at", "id")
    return [
        Edit(
            at=e.at,
            actor=e.actor_name,
            comment=e.comment,
            before=[Decimal(str(m)) for m in e.changes["months"][0]],
            after=[Decimal(str(m)) for m in e.changes["months"][1]],
            labels=labels,
        )
        for e in entries
        if "months" in e.changes
    ]


def receipt(row: TargetAllocation) -> Receipt:
    """How the row's months were set, each step by the cascade's own functions, ending at what is stored."""
    plan = row.plan
    target = cascade.target_total(plan)
    buffer = cascade.effective_buffer(plan)
    assigned = calc.with_buffer(target, buffer)
    level_sellers = TargetAllocation.objects.filter(plan=plan, seller__isnull=False).order_by("pk")
    weights = [(r.pk, r.weight) for r in level_sellers]
    mine = [pk for pk, _ in weights].index(row.pk)
    share = calc.split_cents(assigned, [w for _, w in weights])[mine]
    weight_sum = sum((w for _, w in weights), ZERO)
    profile = plan.seasonality
    rules = FiscalCalendar.current_rules()
    labels = [p.label for p in rules.periods(plan.fiscal_year)]
    ruled = calc.phase(share, cascade.profile_weights(plan), rules)
    method = CascadeMethod(plan.cascade_method).label
    level = CascadeLevel(plan.cascade_level).label.lower()
    lines = [
        Line(f"{plan.org_unit}'s target", f"Σ of the sales targets of {plan}", target),
        Line(
            "Over-assignment buffer",
            f"+ {buffer:f}%{'' if plan.buffer_percent is not None else ' (the company default)'}: "
            f"{formatting.exact_money(target)} × (1 + {buffer:f}%), what the plan's rows share",
            assigned,
        ),
        Line(
            "Your share",
            f"{method} over {level}: your weight {row.weight.normalize():f} of "
            f"Σ {weight_sum.normalize():f} ({len(weights)} rows) = {_percent(row.weight, weight_sum)}, "
            "in cents, the leftover cents to the largest remainders",
            share,
        ),
        Line(
            "Seasonality",
            f"Phased over the fiscal months by the profile “{profile}”" if profile else "Spread evenly",
            sum(ruled, ZERO),
            list(zip(labels, ruled, strict=True)),
        ),
        Line("Ramp", _ramp(row.seller, rules, plan.fiscal_year, labels), sum(ruled, ZERO)),
    ]
    return Receipt(lines, ruled, _edits(row, labels), row.month_amounts)


def _ramp(seller, rules, fiscal_year: int, labels: list[str]) -> str:
    """The seller's ramp in the year, by the capacity check's own function (calc.ramp_by_period), and what
    the cascade does with it: nothing. It splits the target by the rows' weights; ramp lowers the unit's
    capacity (the coverage a leader sees), not a seller's quota, so this step changes no figure."""
    ramp = calc.ramp_by_period(seller, rules, fiscal_year)
    schedule = "/".join(f"{r:g}" for r in seller.ramp)
    partial = [f"{label} {r * HUNDRED:.0f}%" for label, r in zip(labels, ramp, strict=True) if r < 1]
    started = formatting.day(seller.start_date)
    if not partial:
        return f"Fully ramped in every month of FY{fiscal_year} (started {started})."
    left = f", left {formatting.day(seller.end_date)}" if seller.end_date else ""
    return (
        f"Started {started}{left}, ramp {schedule}% from the start month: "
        f"{' · '.join(partial)}. The cascade splits by weight and does not lower a quota for ramp; these "
        "months count at their ramp in the plan's capacity check. No change to your months."
    )


def _percent(part: Decimal, whole: Decimal) -> str:
    return f"{(part / whole * HUNDRED).quantize(Decimal('0.01')):f}%" if whole else "—"


def _kpis(seller: Seller, plan: Plan, window: engine.Window, allowance: Decimal | None, today: dt.date):
    """The seller's KPIs (a target set for them, or measuring the plan's objectives), by the KPI engine."""
    targeted = KPITarget.objects.filter(seller=seller, fiscal_year=plan.fiscal_year).values("kpi")
    measuring = KPI.objects.filter(objectives__plan=plan).values("pk")
    kpis = list(
        KPI.objects.filter(Q(pk__in=targeted) | Q(pk__in=measuring), active=True).distinct().order_by("name")
    )
    year = engine.year(plan.fiscal_year)
    results = engine.evaluate(
        kpis=kpis, windows=[window, year], sellers=[seller], today=today, allowance=allowance
    )
    return [
        KPILine(kpi, results.get(kpi, window, seller=seller), results.get(kpi, year, seller=seller))
        for kpi in kpis
    ]


def my_number(seller: Seller, year: int | None, today: dt.date | None = None) -> MyNumber:
    """Everything the seller's page shows for `year` (default: the year in progress)."""
    today = today or timezone.localdate()
    rules = FiscalCalendar.current_rules()
    years = sorted({fy for fy in seller_rows(seller).values_list("plan__fiscal_year", flat=True)})
    year = year or rules.fiscal_year_of(today)
    page = MyNumber(seller, year, years, [p.label for p in rules.periods(year)])
    page.plan = Plan.objects.filter(org_unit=seller.org_unit, fiscal_year=year).first()
    page.row = _row(seller, year)
    if page.row is None:
        return page
    page.plan = plan = page.row.plan
    page.receipt = receipt(page.row)
    page.objectives = list(Objective.objects.filter(sales_targets__plan=plan).distinct().order_by("pk"))
    page.churn = ChurnPolicy.objects.filter(plan=plan).first()
    page.window = engine.year_to_date(year, today, rules=rules)
    if page.window is not None:
        allowance = page.churn.allowance if page.churn else None
        page.kpis = _kpis(seller, plan, page.window, allowance, today)
    return page


def panels(user) -> list[Panel]:
    """The home page's "My number" panel, for a user linked to a seller."""
    seller = permissions.seller_of(user)
    if seller is None:
        return []
    page = my_number(seller, None)
    data = {"page": page, "url": reverse("my-number")}
    return [Panel("My number", "sellers/panels/number.html", data)]
