"""Step 4 arithmetic with hand-worked numbers."""

import datetime as dt
from decimal import Decimal as D

import pytest

from metrics import calc, engine
from metrics.models import KPI, Actual, KPITarget
from orgs.models import FiscalCalendar


def test_a_10_percent_allowance_credits_90_percent_of_quota_as_100():
    assert calc.credited_attainment(D("90000"), D("100000"), D("10")) == D("1.0000")
    assert calc.credited_attainment(D("45000"), D("100000"), D("10")) == D("0.5000")
    assert calc.credited_attainment(D("45000"), D("0"), D("10")) is None


def test_monthly_churn_of_1_percent_is_11_36_percent_a_year():
    annual = calc.to_annual(D("0.01"), "monthly")
    assert annual.quantize(D("0.0001")) == D("0.1136")  # 1 − 0.99^12 = 0.113615…
    assert calc.from_annual(annual, "monthly").quantize(D("0.000001")) == D("0.010000")
    assert calc.convert(D("0.01"), "monthly", "quarterly").quantize(D("0.000001")) == D(
        "0.029701"
    )  # 1 − 0.99³


def test_10m_arr_with_10_percent_churn_and_10_percent_growth_needs_2m_new_business():
    assert calc.new_business_needed(D("10000000"), D("0.10"), D("0.10")) == D("2000000.00")
    assert calc.growth_ceiling(D("2000000"), D("0.10")) == D("20000000.00")


def test_a_conversion_ratio_is_the_sum_of_wins_over_the_sum_of_leads():
    # (won, leads) = (1, 10) in month 1 and (9, 30) in month 2: 10 ÷ 40 = 25%, not (10% + 30%) ÷ 2 = 20%
    assert calc.ratio([D("1"), D("9")], [D("10"), D("30")]) == D("0.25")


def test_attainment_direction_and_status():
    assert calc.attainment(D("80"), D("100"), "higher") == D("0.8000")
    assert calc.attainment(D("5"), D("4"), "lower") == D("0.8000")  # churn 5% against a 4% target
    assert calc.status(D("1.02"), D("80")) == "on_track"
    assert calc.status(D("0.85"), D("80")) == "at_risk"
    assert calc.status(D("0.79"), None) == "off_track"  # default threshold 80%
    assert calc.status(D("1.5"), D("80"), stale=True) == "stale"


@pytest.fixture
def conversion(org):
    kpis = {k.code: k for k in KPI.objects.filter(code__in=["leads", "deals-won", "lead-conversion"])}
    return kpis, FiscalCalendar.load().rules


def test_the_ratio_kpi_over_two_months_from_stored_actuals(org, conversion):
    kpis, rules = conversion
    for period, won, leads in ((1, "1", "10"), (2, "9", "30")):
        day = rules.period(2028, period).start
        Actual.objects.create(kpi=kpis["deals-won"], org_unit=org.team_a1, date=day, value=D(won))
        Actual.objects.create(kpi=kpis["leads"], org_unit=org.team_a1, date=day, value=D(leads))
    window = engine.months(rules.periods(2028)[:2], "Jan–Feb")
    conversion = kpis["lead-conversion"]
    found = engine.evaluate(kpis=[conversion], windows=[window], units=[org.team_a1, org.region_a])
    assert found.get(conversion, window, unit=org.team_a1).actual == D("0.25")
    # the region sees its teams' rows summed the same way
    assert found.get(conversion, window, unit=org.region_a).actual == D("0.25")


def test_a_kpi_first_collected_in_month_5_shows_q2_as_partial_with_its_share(org):
    rules = FiscalCalendar.load().rules
    calls = KPI.objects.get(code="calls-made")
    for period in range(1, 13):
        KPITarget.objects.create(
            kpi=calls, org_unit=org.team_a1, fiscal_year=2028, period=period, value=D("100")
        )
    for period in (5, 6):
        Actual.objects.create(
            kpi=calls, org_unit=org.team_a1, date=rules.period(2028, period).start, value=D("120")
        )
    quarters = engine.quarters(2028)
    found = engine.evaluate(kpis=[calls], windows=quarters, units=[org.team_a1], today=dt.date(2029, 1, 15))
    q1, q2, q3, _ = (found.get(calls, q, unit=org.team_a1) for q in quarters)
    assert q2.partial and q2.coverage == D("0.6667")  # months 5 and 6 of 4–6
    assert (q2.actual, q2.target, q2.attainment) == (D("240"), D("300"), D("0.8000"))
    assert q3.actual is None and not q3.partial
    assert q1.coverage == 0 and q1.actual is None and q1.status == "stale"  # nothing arrived in Q1


def test_stale_when_no_actual_within_the_cadence(org):
    rules = FiscalCalendar.load().rules
    revenue = KPI.objects.get(code="revenue")  # monthly cadence: stale after 35 days
    Actual.objects.create(kpi=revenue, org_unit=org.team_a1, date=dt.date(2028, 1, 15), value=D("1"))
    window = engine.months(rules.periods(2028)[:6], "H1")

    def status(today):
        return (
            engine.evaluate(kpis=[revenue], windows=[window], units=[org.team_a1], today=today)
            .get(revenue, window, unit=org.team_a1)
            .status
        )

    assert status(dt.date(2028, 2, 10)) != "stale"  # 26 days after the last actual
    assert status(dt.date(2028, 4, 1)) == "stale"  # 77 days
