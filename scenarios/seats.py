"""Seats a scenario adds or changes: hires (unsaved Sellers, so they ramp by the sellers' own rule) and
attrition. Pure: no database."""

from dataclasses import replace
from decimal import Decimal

from orgs.fiscal import FiscalYearRules
from orgs.models import OrgUnit, Seller, default_ramp
from planning import calc
from planning.capacity import Seat, seller_seat
from planning.cascade import ZERO


def hire_seat(
    rules: FiscalYearRules,
    year: int,
    unit: OrgUnit,
    start_month: int,
    ramp: list | None,
    monthly_quota: Decimal,
) -> Seat:
    """A hire is a seller not yet hired: an unsaved Seller starting on the 1st of its fiscal start month."""
    start = rules.period(year, start_month).start
    stand_in = Seller(
        org_unit=unit, start_date=start, ramp=list(ramp or default_ramp()), monthly_quota=monthly_quota
    )
    return seller_seat(stand_in, rules, year)


def with_attrition(seat: Seat, rate_percent: Decimal, lag: int, rules: FiscalYearRules, year: int) -> Seat:
    """The seat less its expected leavers: a yearly rate r over n sellers is r × n leavers a year, spread
    evenly — in each fiscal month m (1…12) a share r/12 of every seller's seat leaves (n × 12 × r/12 = r × n
    a year). A leaver leaves at the start of month m; the seat is empty for `lag` months (m … m+lag−1);
    then a replacement starts in month m+lag at ramp month 1 of the seat's ramp (full after it), never
    above what the seat had. So in month t the factor f(t) loses Σ_{m ≤ t} r/12 × (f(t) − min(f(t), b_m(t))),
    b_m being the replacement's ramp. A full seller's leaver, lag 2, ramp 0/25/50/75/100, costs
    L = 1, 1 (empty), 1, .75, .5, .25 (ramping) = 4.5 seller-months, cut off at the year's end.
    Hires are not subject to attrition: n counts the plan's sellers.
    """
    return replace(seat, factors=_attrited(seat.factors, seat.ramp, rate_percent, lag, rules, year))


def with_attrition_all(
    seats: list[Seat], rate_percent: Decimal, lag: int, rules: FiscalYearRules, year: int
) -> list[Seat]:
    """`with_attrition` of every seat. What a seat loses depends only on its factors and its ramp (not on
    its unit or quota), so each different (factors, ramp) is worked out once — a team's sellers mostly
    share a few — and the seats that share it get the very same factors."""
    done: dict[tuple, tuple[Decimal, ...]] = {}
    thinned = []
    for seat in seats:
        key = (seat.factors, seat.ramp)
        factors = done.get(key)
        if factors is None:
            factors = done[key] = _attrited(seat.factors, seat.ramp, rate_percent, lag, rules, year)
        thinned.append(Seat(seat.unit, seat.monthly_quota, factors, seat.ramp))
    return thinned


def _attrited(
    factors: tuple[Decimal, ...],
    ramp: tuple,
    rate_percent: Decimal,
    lag: int,
    rules: FiscalYearRules,
    year: int,
) -> tuple[Decimal, ...]:
    """with_attrition's factors of a seat with these factors and ramp."""
    share = Decimal(rate_percent) / 100 / 12
    backfills = [_backfill(ramp, m + lag, rules, year) for m in range(1, 13)]
    thinned = []
    for t, f in enumerate(factors, start=1):
        lost = sum((f - min(f, backfills[m - 1][t - 1]) for m in range(1, t + 1)), ZERO)
        thinned.append(f - share * lost)
    return tuple(thinned)


def _backfill(ramp: tuple, start_month: int, rules: FiscalYearRules, year: int) -> list[Decimal]:
    """A replacement's factors when it starts in fiscal month `start_month` (after 12: not this year) on a
    seat with this ramp (its unit and quota do not change a ramp)."""
    if start_month > 12:
        return [ZERO] * 12
    stand_in = Seller(start_date=rules.period(year, start_month).start, ramp=list(ramp))
    return calc.ramp_by_period(stand_in, rules, year)
