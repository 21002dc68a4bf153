"""Status compares the actual with the target phased to date, worked by hand. Q3 of FY2026 runs July (31
days), August (31) and September (30); revenue targets are 3,100 a month. On 10 August the target due is
July's 3,100 plus 10/31 of August's = 4,100, out of a quarter of 9,300."""

import datetime as dt
from decimal import Decimal as D

from metrics import engine
from metrics.models import KPI, Actual, KPITarget

TODAY = dt.date(2026, 8, 10)


def test_ahead_of_pace_is_on_track_even_below_the_quarters_full_target(org):
    revenue = KPI.objects.get(code="revenue")
    for unit, july, august in ((org.team_a1, "3000", "1300"), (org.team_a2, "2400", "1000")):
        for period in (7, 8, 9):
            KPITarget.objects.create(
                kpi=revenue, org_unit=unit, fiscal_year=2026, period=period, value=D("3100")
            )
        Actual.objects.create(kpi=revenue, org_unit=unit, date=dt.date(2026, 7, 20), value=D(july))
        Actual.objects.create(kpi=revenue, org_unit=unit, date=dt.date(2026, 8, 5), value=D(august))
    q3 = engine.quarter(2026, 3)
    found = engine.evaluate(kpis=[revenue], windows=[q3], units=[org.team_a1, org.team_a2], today=TODAY)
    ahead = found.get(revenue, q3, unit=org.team_a1)
    assert (ahead.actual, ahead.target, ahead.expected) == (D("4300"), D("9300"), D("4100"))
    assert round(ahead.attainment, 4) == D("1.0488")  # 4,300 ÷ 4,100, though only 46% of 9,300
    assert ahead.status == "on_track"
    assert round(ahead.pace, 2) == D("9648.78")  # 4,300 × 92 days ÷ 41 days
    behind = found.get(revenue, q3, unit=org.team_a2)
    assert behind.actual == D("3400") and round(behind.attainment, 4) == D("0.8293")
    assert behind.status == "at_risk"  # 83% of what is due: above the 80% alert line
