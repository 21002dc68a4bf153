"""The arithmetic of Step 1, as pure functions: splits to the cent, phasing, ramped capacity.

Money is Decimal throughout; every split is done in whole cents by the largest-remainder method so
that the parts always add up exactly to the whole.
"""

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from orgs.fiscal import FiscalYearRules
from orgs.models import Seller

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def to_cents(amount: Decimal) -> int:
    return int((Decimal(amount) / CENT).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def split_cents(total: Decimal, weights: Sequence[Decimal | int | float]) -> list[Decimal]:
    """`total` split in proportion to `weights`, in cents, summing exactly to `total`.

    Each part gets the floor of its exact share; the cents left over go one each to the parts with
    the largest remainders (ties to the earlier part).
    """
    weights = [Decimal(str(w)) for w in weights]
    if not weights:
        return []
    if any(w < 0 for w in weights):
        raise ValueError("Weights cannot be negative.")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("At least one weight must be above zero.")
    cents = to_cents(total)
    exact = [cents * w / weight_sum for w in weights]
    floors = [int(e) for e in exact]
    left = cents - sum(floors)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:left]:
        floors[i] += 1
    return [Decimal(c) * CENT for c in floors]


def with_buffer(target: Decimal, buffer_percent: Decimal) -> Decimal:
    """T × (1 + b), to the cent: what the children of a target are assigned in all."""
    return (Decimal(target) * (1 + Decimal(buffer_percent) / HUNDRED)).quantize(CENT, rounding=ROUND_HALF_UP)


def calendar_to_fiscal(weights_by_month: Sequence[Decimal], rules: FiscalYearRules) -> list[Decimal]:
    """Weights indexed by calendar month (January first) reordered by fiscal period (period 1 first)."""
    return [weights_by_month[(rules.start_month - 1 + p) % 12] for p in range(12)]


def phase(
    amount: Decimal, weights_by_month: Sequence[Decimal] | None, rules: FiscalYearRules
) -> list[Decimal]:
    """An annual amount over fiscal periods 1…12 by a seasonality profile (even without one)."""
    weights = None if weights_by_month is None else tuple(weights_by_month)
    return list(_phase(amount, weights, rules))  # a list of its own: the caller may change it


@lru_cache(maxsize=4096)
def _phase(amount: Decimal, weights_by_month: tuple | None, rules: FiscalYearRules) -> tuple[Decimal, ...]:
    """phase, remembered: a cascade phases the same few amounts (an even split's) row after row."""
    if weights_by_month is None or not any(Decimal(str(w)) for w in weights_by_month):
        return tuple(split_cents(amount, [1] * 12))
    return tuple(split_cents(amount, calendar_to_fiscal([Decimal(str(w)) for w in weights_by_month], rules)))


def weights_from_amounts(amounts_by_month: Sequence[Decimal]) -> list[Decimal]:
    """Seasonality weights in % (2 decimals, summing to exactly 100) from 12 monthly amounts."""
    if len(amounts_by_month) != 12:
        raise ValueError("Give 12 monthly amounts, January to December.")
    return split_cents(HUNDRED, amounts_by_month)


def ramp_by_period(seller: Seller, rules: FiscalYearRules, fiscal_year: int) -> list[Decimal]:
    """A seller's productivity (0…1) in each fiscal period of the year, from their start date and ramp."""
    return [
        Decimal(str(seller.ramp_percent(start))) / HUNDRED for start in _period_starts(rules, fiscal_year)
    ]


@cache
def _period_starts(rules: FiscalYearRules, fiscal_year: int) -> tuple[dt.date, ...]:
    """The first days of the fiscal year's periods (the rules are frozen, so a year's starts never change)."""
    return tuple(p.start for p in rules.periods(fiscal_year))


def ramp_key(start_date: dt.date, end_date: dt.date | None, ramp: Sequence) -> tuple:
    """All that ramp_by_period reads of a seller with these dates and ramp — Seller.ramp_percent counts
    whole calendar months from the start month to the end month through the ramp — so sellers with equal
    keys have equal factors."""
    end = end_date and (end_date.year, end_date.month)
    return (start_date.year, start_date.month, end, tuple(ramp))


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator / denominator to 4 places, None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
