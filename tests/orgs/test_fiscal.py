import datetime as dt

import pytest

from orgs.fiscal import FiscalYearRules
from orgs.models import FiscalCalendar

FEB_END = FiscalYearRules(start_month=2, naming="end")
FEB_START = FiscalYearRules(start_month=2, naming="start")


def test_a_february_year_starts_with_february_as_period_1_of_q1():
    february = FEB_END.locate(dt.date(2026, 2, 14))
    assert (february.fiscal_year, february.period, february.quarter) == (2027, 1, 1)


def test_a_february_year_ends_with_january_as_period_12_of_q4():
    # Feb 2026 … Jan 2027 is one fiscal year: January is (1 - 2) mod 12 + 1 = 12th month,
    # quarter ceil(12 / 3) = 4.
    january = FEB_END.locate(dt.date(2027, 1, 31))
    assert (january.fiscal_year, january.period, january.quarter) == (2027, 12, 4)


def test_the_name_follows_the_naming_setting():
    # The year Feb 2026 - Jan 2027 ends in 2027 and starts in 2026.
    assert FEB_END.fiscal_year_of(dt.date(2026, 3, 1)) == 2027
    assert FEB_START.fiscal_year_of(dt.date(2026, 3, 1)) == 2026
    assert FEB_END.fiscal_year_of(dt.date(2026, 1, 31)) == 2026
    assert FEB_START.fiscal_year_of(dt.date(2026, 1, 31)) == 2025
    assert FEB_END.year_range(2027) == (dt.date(2026, 2, 1), dt.date(2027, 1, 31))
    assert FEB_START.year_range(2026) == (dt.date(2026, 2, 1), dt.date(2027, 1, 31))


def test_quarters_never_assume_january():
    assert FEB_END.quarter_range(2027, 1) == (dt.date(2026, 2, 1), dt.date(2026, 4, 30))
    assert FEB_END.quarter_range(2027, 2) == (dt.date(2026, 5, 1), dt.date(2026, 7, 31))
    assert FEB_END.quarter_range(2027, 4) == (dt.date(2026, 11, 1), dt.date(2027, 1, 31))


def test_a_january_year_is_named_the_same_either_way():
    for rules in (FiscalYearRules(1, "start"), FiscalYearRules(1, "end")):
        assert rules.locate(dt.date(2026, 12, 31)).fiscal_year == 2026
        assert rules.year_range(2026) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


@pytest.mark.parametrize("rules", [FEB_END, FEB_START, FiscalYearRules(7, "end"), FiscalYearRules(1, "end")])
def test_every_day_maps_to_exactly_one_period(rules):
    day, end = dt.date(2025, 1, 1), dt.date(2027, 12, 31)
    while day <= end:
        period = rules.locate(day)
        assert period.start <= day <= period.end
        assert rules.period(period.fiscal_year, period.period) == period
        day += dt.timedelta(days=1)


def test_the_twelve_periods_tile_the_year_without_gaps():
    periods = FEB_END.periods(2027)
    assert [p.label for p in periods[:2]] == ["Feb 2026", "Mar 2026"]
    for before, after in zip(periods, periods[1:], strict=False):
        assert after.start == before.end + dt.timedelta(days=1)


def test_out_of_range_periods_are_refused():
    with pytest.raises(ValueError, match="1 to 12"):
        FEB_END.period(2027, 13)
    with pytest.raises(ValueError, match="1 to 4"):
        FEB_END.quarter_range(2027, 5)


def test_the_company_calendar_is_one_row_with_january_by_default(db):
    calendar = FiscalCalendar.load()
    assert FiscalCalendar.load().pk == calendar.pk
    assert calendar.rules == FiscalYearRules(1, "end")
