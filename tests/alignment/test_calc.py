"""Step 1 arithmetic with hand-worked numbers."""

import datetime as dt
from decimal import Decimal as D

import pytest

from orgs.fiscal import FiscalYearRules
from orgs.models import Seller
from planning import calc


def test_one_million_with_a_10_percent_buffer_over_three_equal_children():
    assigned = calc.with_buffer(D("1000000"), D("10"))
    parts = calc.split_cents(assigned, [1, 1, 1])
    assert assigned == D("1100000.00")
    assert parts == [D("366666.67"), D("366666.67"), D("366666.66")]
    assert sum(parts) == D("1100000.00")


def test_largest_remainder_gives_the_spare_cents_to_the_largest_fractions():
    # 100.00 by 1:1:1:3 → 16.666…, 16.666…, 16.666…, 50.00 → floors 16.66 ×3 + 50.00 = 99.98; 2 cents left
    assert calc.split_cents(D("100"), [1, 1, 1, 3]) == [D("16.67"), D("16.67"), D("16.66"), D("50.00")]
    # 0.05 over 3 equal parts: 2 + 2 + 1 cents
    assert calc.split_cents(D("0.05"), [1, 1, 1]) == [D("0.02"), D("0.02"), D("0.01")]


def test_split_refuses_weights_that_cannot_split():
    with pytest.raises(ValueError):
        calc.split_cents(D("10"), [0, 0])
    with pytest.raises(ValueError):
        calc.split_cents(D("10"), [1, -1])


def test_a_feb_start_profile_phases_january_onto_the_last_fiscal_month():
    rules = FiscalYearRules(start_month=2, naming="end")
    weights = [D("0")] * 12
    weights[0] = D("40")  # January
    weights[1] = D("10")  # February
    weights[11] = D("50")  # December
    months = calc.phase(D("1200000"), weights, rules)
    # Fiscal period 1 is February, period 11 December, period 12 January.
    assert months[0] == D("120000.00")
    assert months[10] == D("600000.00")
    assert months[11] == D("480000.00")
    assert sum(months) == D("1200000.00")
    assert [p.start.month for p in rules.periods(2028)][:1] == [2]


def test_an_even_phasing_sums_exactly_to_the_annual_figure():
    months = calc.phase(D("1000000.01"), None, FiscalYearRules())
    assert sum(months) == D("1000000.01")
    assert months[0] == D("83333.34") and months[11] == D("83333.33")


def test_a_seller_starting_in_fiscal_month_4_contributes_6_5_effective_months():
    rules = FiscalYearRules(start_month=2, naming="end")  # FY2028 = Feb 2027 … Jan 2028
    period_4 = rules.period(2028, 4).start  # May 2027
    seller = Seller(start_date=period_4.replace(day=17), ramp=[0, 25, 50, 75, 100])
    ramp = calc.ramp_by_period(seller, rules, 2028)
    assert ramp == [D("0")] * 3 + [D("0"), D("0.25"), D("0.5"), D("0.75")] + [D("1")] * 5
    assert sum(ramp) == D("6.5")


def test_a_seller_who_leaves_stops_counting_after_the_last_month():
    rules = FiscalYearRules()
    seller = Seller(start_date=dt.date(2020, 1, 1), end_date=dt.date(2028, 6, 10), ramp=[0, 25, 50, 75, 100])
    assert sum(calc.ramp_by_period(seller, rules, 2028)) == D("6")


def test_weights_derived_from_actuals_sum_to_exactly_100():
    actuals = [D("100"), D("100"), D("100")] + [D("0")] * 9
    assert calc.weights_from_amounts(actuals)[:3] == [D("33.34"), D("33.33"), D("33.33")]
    weights = calc.weights_from_amounts([D(n) for n in (70, 75, 90, 80, 85, 110, 80, 80, 95, 90, 100, 145)])
    assert sum(weights) == D("100.00")
    assert weights[11] == D("13.18")  # 145 of 1,100
