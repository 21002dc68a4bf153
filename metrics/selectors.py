"""Reads of Step 4: SMART and readiness reports, targets and actuals over a window, attainment with its
coverage and status, churn figures and credited attainment per seller."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from metrics import calc, engine, smart
from metrics.models import KPI, ChurnPolicy, DataSource, KPITarget
from orgs.models import FiscalCalendar, Seller
from planning import calc as planning_calc
from planning.models import Plan, SalesTarget

ZERO = Decimal("0")


def kpi_list(*, active_only: bool = False) -> list[KPI]:
    """Every KPI with its SMART check and data source, in a fixed number of queries."""
    kpis = (
        KPI.objects.select_related("source", "numerator", "denominator")
        .annotate(
            objective_count=Count("objectives", distinct=True),
            has_targets=Exists(KPITarget.objects.filter(kpi=OuterRef("pk"))),
        )
        .order_by("name")
    )
    if active_only:
        kpis = kpis.filter(active=True)
    result = list(kpis)
    for kpi in result:
        kpi.smart = smart.check(kpi, has_targets=kpi.has_targets, objective_count=kpi.objective_count)
        kpi.smart_score = smart.score(kpi.smart)
    return result


def kpi_smart_summary_get(kpis: list[KPI]) -> list[tuple[str, int, list[KPI]]]:
    """(criterion, how many pass, the KPIs that fail it) for the catalogue-wide report."""
    names = ["Specific", "Measurable", "Actionable", "Relevant", "Timely"]
    return [
        (
            name,
            sum(1 for k in kpis if k.smart[i].passed),
            [k for k in kpis if not k.smart[i].passed],
        )
        for i, name in enumerate(names)
    ]


@dataclass
class Readiness:
    kpi: KPI
    source: DataSource | None
    due: dt.date
    late: bool

    @property
    def ready(self) -> bool:
        return self.source is not None and self.source.readiness == DataSource.Readiness.CAPTURED


def kpi_readiness_list(*, fiscal_year: int, today: dt.date) -> list[Readiness]:
    """Per active KPI, its data source and whether it will be (or should have been) captured on day 1."""
    day_one = FiscalCalendar.current_rules().year_range(fiscal_year)[0]
    rows = []
    for kpi in KPI.objects.filter(active=True).select_related("source").order_by("name"):
        source = getattr(kpi, "source", None)
        due = (source.ready_by if source and source.ready_by else None) or day_one
        ready = source is not None and source.readiness == DataSource.Readiness.CAPTURED
        rows.append(Readiness(kpi, source, due, late=not ready and due <= today))
    order = {DataSource.Readiness.NOT_CAPTURABLE: 0, DataSource.Readiness.FIELD_MISSING: 1}
    rows.sort(
        key=lambda r: (r.ready, not r.late, order.get(r.source.readiness if r.source else "", 2), r.kpi.name)
    )
    return rows


def plan_kpis_list(plan: Plan) -> list[KPI]:
    """The KPIs that measure the plan's objectives, then any other KPI with targets for its unit."""
    linked = KPI.objects.filter(objectives__plan=plan)
    targeted = KPI.objects.filter(targets__org_unit=plan.org_unit, targets__fiscal_year=plan.fiscal_year)
    return list(
        KPI.objects.filter(Q(pk__in=linked) | Q(pk__in=targeted))
        .select_related("numerator", "denominator")
        .distinct()
        .order_by("name")
    )


# --- Churn ------------------------------------------------------------------------------------------


@dataclass
class Churn:
    policy: ChurnPolicy
    annual: Decimal
    monthly: Decimal
    quarterly: Decimal
    new_business_needed: Decimal
    planned_new_business: Decimal
    ceiling: Decimal | None
    target_arr: Decimal
    warnings: list[str]


def churn_get(policy: ChurnPolicy) -> Churn:
    rate = calc.pct(policy.expected_churn)
    annual = calc.to_annual(rate, policy.measurement_period)
    growth = calc.pct(policy.net_growth_goal)
    needed = calc.new_business_needed(policy.starting_arr, growth, annual)
    planned = SalesTarget.objects.filter(plan=policy.plan).aggregate(n=Sum("new_business"))["n"] or ZERO
    ceiling = calc.growth_ceiling(planned or needed, annual)
    target_arr = (policy.starting_arr * (1 + growth)).quantize(Decimal("0.01"))
    warnings = []
    annual_pct = annual * 100
    if annual_pct > policy.warn_above:
        warnings.append(
            f"Expected churn of {annual_pct:.1f}% a year is above the {policy.warn_above:f}% warning line."
        )
    elif not policy.benchmark_low <= annual_pct <= policy.benchmark_high:
        warnings.append(
            f"Expected churn of {annual_pct:.1f}% a year is outside the {policy.benchmark_low:f}–"
            f"{policy.benchmark_high:f}% benchmark band."
        )
    if ceiling is not None and target_arr > ceiling:
        warnings.append(
            f"The target ARR {target_arr:,.0f} sits above the growth ceiling {ceiling:,.0f}: at this churn, "
            "the planned new business cannot carry the unit there."
        )
    if planned and planned < needed:
        warnings.append(f"Planned new business {planned:,.0f} is short of the {needed:,.0f} needed.")
    return Churn(
        policy, annual, calc.from_annual(annual, "monthly"), calc.from_annual(annual, "quarterly"), needed,
        planned, ceiling, target_arr, warnings,
    )  # fmt: skip


@dataclass
class SellerCredit:
    seller: Seller
    quota: Decimal
    actual: Decimal
    attainment: Decimal | None
    credited: Decimal | None


def credit_sellers(plan: Plan, today: dt.date) -> QuerySet[Seller]:
    """The sellers `seller_credit_list` answers for: those of the plan's subtree on its books in the year
    to date, by name."""
    window = engine.year_to_date(plan.fiscal_year, today)
    if window is None:
        return Seller.objects.none()
    return (
        Seller.objects.filter(org_unit__path__startswith=plan.org_unit.path, start_date__lte=window.end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=window.start))
        .select_related("org_unit")
        .order_by("name", "pk")
    )


def seller_credit_list(
    plan: Plan, policy: ChurnPolicy | None, today: dt.date, sellers: Iterable[Seller] | None = None
) -> list[SellerCredit]:
    """Per seller of the unit (or of `sellers`, a page of `credit_sellers`): revenue year to date against
    quota to date, and the credit after the allowance, from the KPI engine. Quota is the seller's revenue
    targets to date, or their ramped monthly quota over the months begun where none are set."""
    revenue = KPI.objects.filter(code="revenue").first()
    window = engine.year_to_date(plan.fiscal_year, today)
    if revenue is None or window is None:
        return []
    sellers = list(credit_sellers(plan, today) if sellers is None else sellers)
    allowance = policy.allowance if policy else ZERO
    results = engine.evaluate(
        kpis=[revenue], windows=[window], sellers=sellers, today=today, allowance=allowance
    )
    rules = FiscalCalendar.current_rules()
    rows = []
    for seller in sellers:
        result = results.get(revenue, window, seller=seller)
        quota = result.expected
        if quota is None:
            ramp = planning_calc.ramp_by_period(seller, rules, plan.fiscal_year)[: len(window.periods)]
            quota = (sum(ramp, ZERO) * seller.monthly_quota).quantize(Decimal("0.01"))
        actual = result.actual or ZERO
        rows.append(
            SellerCredit(
                seller,
                quota,
                actual,
                calc.attainment(actual, quota, revenue.direction),
                engine.credited(revenue, actual, quota, allowance),
            )
        )
    return rows
