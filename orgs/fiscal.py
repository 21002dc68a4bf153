"""Fiscal calendar arithmetic: pure functions of the company's start month and naming rule."""

import calendar
import datetime as dt
from dataclasses import dataclass

MONTH_ABBR = list(calendar.month_abbr)


@dataclass(frozen=True)
class FiscalPeriod:
    fiscal_year: int
    period: int  # 1..12
    quarter: int  # 1..4
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{MONTH_ABBR[self.start.month]} {self.start.year}"


@dataclass(frozen=True)
class FiscalYearRules:
    """A fiscal year starts on the 1st of `start_month` and is named by the calendar year in which it
    starts (`naming="start"`) or ends (`naming="end"`)."""

    start_month: int = 1
    naming: str = "end"

    def start_year(self, fiscal_year: int) -> int:
        """Calendar year in which fiscal year `fiscal_year` begins."""
        if self.naming == "start" or self.start_month == 1:
            return fiscal_year
        return fiscal_year - 1

    def fiscal_year_of(self, day: dt.date) -> int:
        start_year = day.year if day.month >= self.start_month else day.year - 1
        if self.naming == "start" or self.start_month == 1:
            return start_year
        return start_year + 1

    def period_of(self, day: dt.date) -> int:
        return (day.month - self.start_month) % 12 + 1

    @staticmethod
    def quarter_of(period: int) -> int:
        return (period - 1) // 3 + 1

    def locate(self, day: dt.date) -> FiscalPeriod:
        """The one fiscal period that contains `day`."""
        return self.period(self.fiscal_year_of(day), self.period_of(day))

    def period(self, fiscal_year: int, period: int) -> FiscalPeriod:
        if not 1 <= period <= 12:
            raise ValueError(f"A fiscal period is 1 to 12, not {period}.")
        months = self.start_month - 1 + period - 1
        year, month = self.start_year(fiscal_year) + months // 12, months % 12 + 1
        last_day = calendar.monthrange(year, month)[1]
        return FiscalPeriod(
            fiscal_year,
            period,
            self.quarter_of(period),
            dt.date(year, month, 1),
            dt.date(year, month, last_day),
        )

    def periods(self, fiscal_year: int) -> list[FiscalPeriod]:
        return [self.period(fiscal_year, n) for n in range(1, 13)]

    def year_range(self, fiscal_year: int) -> tuple[dt.date, dt.date]:
        return self.period(fiscal_year, 1).start, self.period(fiscal_year, 12).end

    def quarter_range(self, fiscal_year: int, quarter: int) -> tuple[dt.date, dt.date]:
        if not 1 <= quarter <= 4:
            raise ValueError(f"A fiscal quarter is 1 to 4, not {quarter}.")
        return self.period(fiscal_year, quarter * 3 - 2).start, self.period(fiscal_year, quarter * 3).end

    @staticmethod
    def label(fiscal_year: int) -> str:
        return f"FY{fiscal_year}"
