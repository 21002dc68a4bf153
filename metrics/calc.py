"""Step 4 arithmetic as pure functions: churn, credited attainment, aggregation, status, coverage."""

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

ONE = Decimal("1")
PERIODS_PER_YEAR = {"monthly": 12, "quarterly": 4, "annual": 1}
# A KPI is stale when no actual arrived within its review cadence (with a few days' grace).
STALE_AFTER_DAYS = {"monthly": 35, "quarterly": 100}
Q4 = Decimal("0.0001")


def pct(value: Decimal) -> Decimal:
    """A percentage (10) as a fraction (0.10)."""
    return Decimal(value) / 100


def credited_attainment(actual: Decimal, quota: Decimal, allowance_percent: Decimal) -> Decimal | None:
    """actual ÷ (quota × (1 − allowance)): with a 10% allowance, 90% of quota is credited as 100%."""
    bar = Decimal(quota) * (ONE - pct(allowance_percent))
    if not bar:
        return None
    return (Decimal(actual) / bar).quantize(Q4, rounding=ROUND_HALF_UP)


def to_annual(rate: Decimal, period: str) -> Decimal:
    """A churn rate per period compounded to a year: monthly m → 1 − (1 − m)^12."""
    n = PERIODS_PER_YEAR[period]
    return ONE - (ONE - Decimal(rate)) ** n


def from_annual(rate: Decimal, period: str) -> Decimal:
    """An annual churn rate as the equivalent rate per period: 1 − (1 − a)^(1/n)."""
    n = PERIODS_PER_YEAR[period]
    return ONE - (ONE - Decimal(rate)) ** (ONE / n)


def convert(rate: Decimal, source: str, target: str) -> Decimal:
    return from_annual(to_annual(rate, source), target)


def new_business_needed(starting_arr: Decimal, net_growth: Decimal, annual_churn: Decimal) -> Decimal:
    """ARR_start × (net growth goal + expected churn), both as fractions."""
    return (Decimal(starting_arr) * (Decimal(net_growth) + Decimal(annual_churn))).quantize(Decimal("0.01"))


def growth_ceiling(annual_new_business: Decimal, annual_churn: Decimal) -> Decimal | None:
    """The ARR at which churn eats all new business: new business ÷ churn rate."""
    if not annual_churn:
        return None
    return (Decimal(annual_new_business) / Decimal(annual_churn)).quantize(Decimal("0.01"))


def ratio(numerators: Sequence[Decimal], denominators: Sequence[Decimal]) -> Decimal | None:
    """Σ numerator ÷ Σ denominator over the period: never the average of per-row ratios."""
    below = sum(denominators, Decimal("0"))
    if not below:
        return None
    return sum(numerators, Decimal("0")) / below


def attainment(actual: Decimal | None, target: Decimal | None, direction: str) -> Decimal | None:
    """Higher is better: actual ÷ target; lower is better: target ÷ actual."""
    if actual is None or not target:
        return None
    if direction == "lower":
        return (Decimal(target) / Decimal(actual)).quantize(Q4) if actual else None
    return (Decimal(actual) / Decimal(target)).quantize(Q4)


def status(
    value: Decimal | None, threshold_percent: Decimal | None, *, stale: bool = False, has_target: bool = True
) -> str:
    """on_track ≥ 100%, at_risk ≥ the alert threshold (default 80%), else off_track; stale overrides;
    no_target when there is nothing to measure against."""
    if stale:
        return "stale"
    if not has_target:
        return "no_target"
    if value is None:
        return "no_data"
    if value >= 1:
        return "on_track"
    if value >= pct(threshold_percent if threshold_percent is not None else Decimal("80")):
        return "at_risk"
    return "off_track"


def is_stale(last: dt.date | None, cadence: str, reference: dt.date) -> bool:
    """No actual within the review cadence (with a few days' grace) before `reference`."""
    return last is None or last < reference - dt.timedelta(days=STALE_AFTER_DAYS[cadence])


def coverage(first_period: int | None, periods: Sequence[int]) -> Decimal:
    """The share of `periods` (fiscal months) on or after the first month with data."""
    if not periods:
        return Decimal("0")
    if first_period is None:
        return Decimal("0")
    covered = sum(1 for p in periods if p >= first_period)
    return (Decimal(covered) / len(periods)).quantize(Q4)
