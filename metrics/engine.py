"""The one KPI engine: actual, target, attainment, credited attainment, pace, status, staleness and
coverage of any KPI for any org unit or seller over any window (fiscal month, quarter, year to date, a
date range). The metrics tab, the attainment API, the QBR rollup (which stores these answers), the
dashboards and the one-pager all read it; nothing else computes these figures.

What each aggregation means across a subtree and a window (DESIGN, Step 4):
- sum: Σ of every row under the subject in the window;
- average: the mean of every row under the subject in the window (never a mean of the children's means);
- last value: each seller's (or, for rows without a seller, each unit's own) latest value in the window,
  summed across sellers and units, like a stock;
- ratio: Σ numerator ÷ Σ denominator of the rows under the subject.

A unit's figures cover its whole subtree; a seller's are the seller's own rows wherever they were booked.
Targets are the subject's own (a parent's target is set, not summed from its children).

Set-wise: one grouped read of the monthly sums for the windows' whole calendar months and one of the rows
for their other days (a few aggregates per window as columns), one read per window
of the latest rows of last-value KPIs (only when there are such KPIs), one read of the units and one of
the targets, whatever the number of KPIs, units and sellers.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models import Window as Over
from django.utils import timezone

from metrics import calc
from metrics.models import KPI, Actual, ActualMonth, KPITarget, UnitMonth
from orgs.fiscal import FiscalPeriod, FiscalYearRules
from orgs.models import FiscalCalendar, OrgUnit, Seller

UNIT, SELLER = "unit", "seller"
ZERO = Decimal("0")
Subject = tuple[str, int]


# --- Windows ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Days from `start` to `end` inside one fiscal year, and the fiscal months they touch."""

    label: str
    fiscal_year: int
    start: dt.date
    end: dt.date
    periods: tuple[FiscalPeriod, ...]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def begun(self, today: dt.date) -> bool:
        return self.start <= today

    def in_progress(self, today: dt.date) -> bool:
        return self.start <= today < self.end


def _rules(rules: FiscalYearRules | None) -> FiscalYearRules:
    return rules or FiscalCalendar.current_rules()


def date_range(start: dt.date, end: dt.date, *, label: str = "", rules: FiscalYearRules | None = None):
    """The days from `start` to `end`, which must lie in one fiscal year."""
    rules = _rules(rules)
    year = rules.fiscal_year_of(start)
    if end < start or rules.fiscal_year_of(end) != year:
        raise ValueError("A window runs forwards inside one fiscal year.")
    periods = tuple(p for p in rules.periods(year) if p.start <= end and p.end >= start)
    return Window(label or f"{start:%d %b %Y} – {end:%d %b %Y}", year, start, end, periods)


def months(periods: Sequence[FiscalPeriod], label: str) -> Window:
    return Window(label, periods[0].fiscal_year, periods[0].start, periods[-1].end, tuple(periods))


def month(fiscal_year: int, period: int, *, rules: FiscalYearRules | None = None) -> Window:
    found = _rules(rules).period(fiscal_year, period)
    return months([found], found.label)


def fiscal_months(fiscal_year: int, *, rules: FiscalYearRules | None = None) -> list[Window]:
    return [months([p], p.label) for p in _rules(rules).periods(fiscal_year)]


def quarter(fiscal_year: int, q: int, *, rules: FiscalYearRules | None = None) -> Window:
    return months(_rules(rules).periods(fiscal_year)[(q - 1) * 3 : q * 3], f"Q{q}")


def quarters(fiscal_year: int, *, rules: FiscalYearRules | None = None) -> list[Window]:
    rules = _rules(rules)
    return [quarter(fiscal_year, q, rules=rules) for q in range(1, 5)]


def year(fiscal_year: int, *, rules: FiscalYearRules | None = None) -> Window:
    return months(_rules(rules).periods(fiscal_year), FiscalYearRules.label(fiscal_year))


def year_to_date(fiscal_year: int, today: dt.date, *, rules: FiscalYearRules | None = None) -> Window | None:
    """From the year's first day to `today` (the whole year once it has ended); None before it starts."""
    rules = _rules(rules)
    start, end = rules.year_range(fiscal_year)
    if today < start:
        return None
    return date_range(start, min(today, end), label="YTD", rules=rules)


# --- Answers ----------------------------------------------------------------------------------------------


@dataclass
class Result:
    kpi: KPI
    subject: Subject
    window: Window
    actual: Decimal | None
    target: Decimal | None  # for the whole window
    expected: Decimal | None  # the phased target to date: the whole target once the window has ended
    attainment: Decimal | None  # against the target to date
    credited: Decimal | None
    pace: Decimal | None  # the window's projected total at the current rate
    status: str
    coverage: Decimal
    first_date: dt.date | None
    last_date: dt.date | None

    @property
    def label(self) -> str:
        return self.window.label

    @property
    def partial(self) -> bool:
        return self.actual is not None and self.coverage < 1

    @property
    def stale(self) -> bool:
        return self.status == "stale"


@dataclass
class Results:
    answers: dict[tuple[int, Subject, str], Result] = field(default_factory=dict)

    def get(
        self, kpi: KPI, window: Window | str, *, unit: OrgUnit | None = None, seller: Seller | None = None
    ) -> Result:
        subject = (SELLER, seller.pk) if seller is not None else (UNIT, unit.pk)
        return self.answers[kpi.pk, subject, window if isinstance(window, str) else window.label]

    def __iter__(self):
        return iter(self.answers.values())


# --- The rules, each written once ---------------------------------------------------------------------


def stale(kpi: KPI, last: dt.date | None, window: Window, today: dt.date) -> bool:
    """No actual within the KPI's review cadence of the window's end (or of today, inside it)."""
    if not kpi.review_cadence or not window.begun(today):
        return False
    return calc.is_stale(last, kpi.review_cadence, min(today, window.end))


def _share(period: FiscalPeriod, start: dt.date, end: dt.date) -> Decimal:
    """The part of a fiscal month that lies between `start` and `end`."""
    overlap = (min(period.end, end) - max(period.start, start)).days + 1
    return Decimal(max(overlap, 0)) / ((period.end - period.start).days + 1)


def target_over(kpi: KPI, monthly: dict[int, Decimal], window: Window, end: dt.date) -> Decimal | None:
    """The subject's monthly targets over the window's days to `end`: a summed KPI takes each month's
    target pro rata to its days in the window; an average the months' mean; a last value or a ratio the
    latest month's."""
    periods = [p for p in window.periods if p.period in monthly and p.start <= end]
    if not periods:
        return None
    if kpi.aggregation == KPI.Aggregation.SUM:
        return sum((monthly[p.period] * _share(p, window.start, end) for p in periods), ZERO)
    if kpi.aggregation == KPI.Aggregation.AVERAGE:
        return sum((monthly[p.period] for p in periods), ZERO) / len(periods)
    return monthly[periods[-1].period]


def pace(kpi: KPI, actual: Decimal | None, window: Window, today: dt.date) -> Decimal | None:
    """A summed KPI's projected window total: actual to date × days in window ÷ days elapsed."""
    if actual is None or kpi.aggregation != KPI.Aggregation.SUM or not window.in_progress(today):
        return actual
    return actual * window.days / ((today - window.start).days + 1)


def credited(kpi: KPI, actual: Decimal | None, quota: Decimal | None, allowance: Decimal | None):
    """Attainment after the churn allowance, for money KPIs that add up (revenue, bookings)."""
    if allowance is None or actual is None or not quota:
        return None
    if kpi.aggregation != KPI.Aggregation.SUM or kpi.unit != KPI.Unit.CURRENCY:
        return None
    return calc.credited_attainment(actual, quota, allowance)


# --- Reading the rows ---------------------------------------------------------------------------------


@dataclass
class _Figures:
    """What the rows under one subject add up to in one window, for one KPI."""

    total: Decimal = ZERO
    count: int = 0
    first: dt.date | None = None
    last: dt.date | None = None
    latest: dict[tuple, tuple[dt.date, Decimal]] = field(default_factory=dict)  # last-value members

    def add(self, total, count: int, first: dt.date | None, last: dt.date | None) -> None:
        self.total += total or ZERO
        self.count += count
        if first is not None and (self.first is None or first < self.first):
            self.first = first
        if last is not None and (self.last is None or last > self.last):
            self.last = last

    def keep_latest(self, member: tuple, day: dt.date, value: Decimal) -> None:
        if member not in self.latest or day > self.latest[member][0]:
            self.latest[member] = (day, value)


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _split(start: dt.date, end: dt.date) -> tuple[Q | None, Q | None, list[tuple[dt.date, dt.date]]]:
    """The days from `start` to `end` as: the whole calendar months inside them (a filter on the monthly
    sums), the days before and after those months (a filter on the rows), and those days as ranges."""
    first = start if start.day == 1 else _next_month(start)
    after = _next_month(end) if _next_month(end) - dt.timedelta(days=1) == end else _month_start(end)
    if first >= after:
        return None, Q(date__gte=start, date__lte=end), [(start, end)]
    months = Q(month__gte=first, month__lte=(after - dt.timedelta(days=1)).replace(day=1))
    edges = [(a, b) for a, b in [(start, first - dt.timedelta(days=1)), (after, end)] if a <= b]
    days = None
    for a, b in edges:
        days = Q(date__gte=a, date__lte=b) if days is None else days | Q(date__gte=a, date__lte=b)
    return months, days, edges


def _aggregates(windows: Sequence[Window], year_starts: dict[int, dt.date]):
    """Per window: its sum and row count, and the first and last data dates of its fiscal year up to its
    end (coverage and staleness look back to the year's start) — as two sets of columns: over the monthly
    sums for the window's whole calendar months, and over the rows for its other days; and the days those
    other days span, to read no more rows than they need."""
    months, days, ranges = {}, {}, []
    for i, w in enumerate(windows):
        inside_months, inside_days, inside_ranges = _split(w.start, w.end)
        so_far_months, so_far_days, so_far_ranges = _split(year_starts[w.fiscal_year], w.end)
        ranges += inside_ranges + so_far_ranges
        for columns, inside, so_far, (value, count, first, last) in [
            (months, inside_months, so_far_months, ("total", "count", "first_date", "last_date")),
            (days, inside_days, so_far_days, ("value", "pk", "date", "date")),
        ]:
            if inside is not None:
                columns[f"s{i}"] = Sum(value, filter=inside)
                columns[f"n{i}"] = (
                    Sum(count, filter=inside) if count == "count" else Count(count, filter=inside)
                )
            if so_far is not None:
                columns[f"f{i}"] = Min(first, filter=so_far)
                columns[f"l{i}"] = Max(last, filter=so_far)
    return months, days, _merged(ranges)


def _merged(ranges: list[tuple[dt.date, dt.date]]) -> Q:
    """One filter for the days of all the ranges."""
    merged: list[list[dt.date]] = []
    for a, b in sorted(ranges):
        if merged and a <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    found = Q(pk__in=[])
    for a, b in merged:
        found |= Q(date__gte=a, date__lte=b)
    return found


class _Scope:
    """The units and sellers asked about, and which of them each stored row counts for."""

    def __init__(self, units: Iterable[OrgUnit], sellers: Iterable[Seller]):
        self.units = {u.pk: u for u in units}
        self.sellers = {s.pk for s in sellers}
        tops = [u for u in self.units.values() if not set(u.ancestor_ids) & set(self.units)]
        self.q = Q(pk__in=[])
        for unit in tops:
            self.q |= Q(org_unit__path__startswith=unit.path)
        if self.sellers:
            self.q |= Q(seller_id__in=self.sellers)
        # Units under the tops: a row's unit counts for each unit asked about on its path.
        self._counts_for: dict[int, list[int]] = {}
        if tops:
            paths = Q(pk__in=[])
            for unit in tops:
                paths |= Q(path__startswith=unit.path)
            for pk, path in OrgUnit.objects.filter(paths).values_list("pk", "path"):
                on_path = [int(part) for part in path.strip("/").split("/")]
                self._counts_for[pk] = [a for a in on_path if a in self.units]

    def subjects(self, unit_id: int, seller_id: int | None) -> list[Subject]:
        found: list[Subject] = [(UNIT, a) for a in self._counts_for.get(unit_id, [])]
        if seller_id is not None and seller_id in self.sellers:
            found.append((SELLER, seller_id))
        return found


def _read_actuals(kpi_ids, windows, scope: _Scope, rules) -> dict[tuple, _Figures]:
    """(kpi id, subject, window index) → figures: the windows' whole calendar months from the monthly sums
    (`ActualMonth` by seller, or `UnitMonth` by unit when no seller is asked about; the database keeps both
    equal to the rows), their other days from the rows; one grouped read of each."""
    year_starts = {w.fiscal_year: rules.year_range(w.fiscal_year)[0] for w in windows}
    figures: dict[tuple, _Figures] = defaultdict(_Figures)
    months, days, day_span = _aggregates(windows, year_starts)
    # Grouped by seller only when sellers are asked about: a unit's figures need its units' totals alone.
    by = ["kpi_id", "org_unit_id", "seller_id"] if scope.sellers else ["kpi_id", "org_unit_id"]
    reads = []
    month_span = Q(
        month__gte=min(year_starts.values()).replace(day=1), month__lte=max(w.end for w in windows)
    )
    # A unit's whole months from its own monthly sums (sellers included) when no seller is asked about.
    monthly = ActualMonth if scope.sellers else UnitMonth
    for model, columns, span in [(monthly, months, month_span), (Actual, days, day_span)]:
        if columns:
            reads.append(
                model.objects.filter(scope.q, span, kpi_id__in=kpi_ids)
                .values(*by)
                .annotate(**columns)
                .order_by()
            )
    for rows in reads:
        for row in rows:
            subjects = scope.subjects(row["org_unit_id"], row.get("seller_id"))
            for i in range(len(windows)):
                # The window's days in this read, and its year's days so far in this read, may differ.
                total, count, first = row.get(f"s{i}"), row.get(f"n{i}") or 0, row.get(f"f{i}")
                if first is None and not count:
                    continue
                for subject in subjects:
                    figures[row["kpi_id"], subject, i].add(total, count, first, row.get(f"l{i}"))
    return figures


def _read_latest(kpi_ids, windows, scope: _Scope, figures: dict[tuple, _Figures]) -> None:
    """Each seller's (or seller-less unit's) latest row in each window, for last-value KPIs."""
    if not kpi_ids:
        return
    for i, w in enumerate(windows):
        latest = (
            Actual.objects.filter(scope.q, kpi_id__in=kpi_ids, date__gte=w.start, date__lte=w.end)
            .annotate(newest=Over(Max("date"), partition_by=[F("kpi_id"), F("org_unit_id"), F("seller_id")]))
            .filter(date=F("newest"))
            .values_list("kpi_id", "org_unit_id", "seller_id", "date", "value")
        )
        for kpi_id, unit_id, seller_id, day, value in latest:
            member = (SELLER, seller_id) if seller_id is not None else (UNIT, unit_id)
            for subject in scope.subjects(unit_id, seller_id):
                figures[kpi_id, subject, i].keep_latest(member, day, value)


def _read_targets(kpi_ids, windows, scope: _Scope) -> dict[tuple, dict[int, Decimal]]:
    """(kpi id, subject, fiscal year) → {fiscal month: target} for the subjects' own targets."""
    owners = Q(seller__isnull=True, org_unit_id__in=list(scope.units))
    if scope.sellers:
        owners |= Q(seller_id__in=scope.sellers)
    rows = KPITarget.objects.filter(
        owners,
        kpi_id__in=kpi_ids,
        fiscal_year__in={w.fiscal_year for w in windows},
        period__in={p.period for w in windows for p in w.periods},
    ).values_list("kpi_id", "org_unit_id", "seller_id", "fiscal_year", "period", "value")
    targets: dict[tuple, dict[int, Decimal]] = defaultdict(dict)
    for kpi_id, unit_id, seller_id, fiscal_year, period, value in rows:
        subject = (SELLER, seller_id) if seller_id is not None else (UNIT, unit_id)
        targets[kpi_id, subject, fiscal_year][period] = value
    return targets


# --- The engine -------------------------------------------------------------------------------------------


def evaluate(
    *,
    kpis: Iterable[KPI],
    windows: Sequence[Window],
    units: Iterable[OrgUnit] = (),
    sellers: Iterable[Seller] = (),
    today: dt.date | None = None,
    allowance: Decimal | None = None,
    known_only: bool = False,
) -> Results:
    """Every figure of every KPI for every unit (its subtree) and seller over every window.
    `allowance` is the churn allowance in percent that credited attainment uses (None: no credit).
    `known_only` leaves out each KPI × subject with no row in its fiscal years to the windows' ends and
    no target in them: its every answer would be "no data, no target"."""
    today = today or timezone.localdate()
    kpis = list(kpis)
    units, sellers = list(units), list(sellers)
    results = Results()
    if len({w.label for w in windows}) < len(windows):
        raise ValueError("Each window needs its own label: answers are looked up by it.")
    if not kpis or not windows or not (units or sellers):
        return results
    rules = FiscalCalendar.current_rules()
    scope = _Scope(units, sellers)
    sides = {k.pk: _sides(k) for k in kpis}
    read = {pk for ids in sides.values() for pk in ids}
    figures = _read_actuals(read, windows, scope, rules)
    last_kind = {k.pk for k in kpis if k.aggregation == KPI.Aggregation.LAST}
    _read_latest(last_kind, windows, scope, figures)
    targets = _read_targets([k.pk for k in kpis], windows, scope)
    subjects = [(UNIT, u.pk) for u in units] + [(SELLER, s.pk) for s in sellers]
    found = {(kpi_id, subject) for kpi_id, subject, _ in figures} if known_only else set()
    found |= {(kpi_id, subject) for kpi_id, subject, _ in targets} if known_only else set()
    for kpi in kpis:
        for subject in subjects:
            if known_only and not any((side, subject) in found for side in {kpi.pk, *sides[kpi.pk]}):
                continue
            for i, window in enumerate(windows):
                own = [figures.get((side, subject, i)) for side in sides[kpi.pk]]
                monthly = targets.get((kpi.pk, subject, window.fiscal_year), {})
                results.answers[kpi.pk, subject, window.label] = _answer(
                    kpi, subject, window, own, monthly, today, allowance, rules
                )
    return results


def _sides(kpi: KPI) -> list[int]:
    if kpi.aggregation == KPI.Aggregation.RATIO:
        return [kpi.numerator_id, kpi.denominator_id]
    return [kpi.pk]


def _actual(kpi: KPI, own: list[_Figures | None]) -> Decimal | None:
    if kpi.aggregation == KPI.Aggregation.RATIO:
        numerator, denominator = own
        if not (numerator and numerator.count) and not (denominator and denominator.count):
            return None
        return calc.ratio(
            [numerator.total if numerator else ZERO], [denominator.total if denominator else ZERO]
        )
    figures = own[0]
    if figures is None or not figures.count:
        return None
    if kpi.aggregation == KPI.Aggregation.AVERAGE:
        return figures.total / figures.count
    if kpi.aggregation == KPI.Aggregation.LAST:
        return sum((value for _, value in figures.latest.values()), ZERO)
    return figures.total


def _first_period(kpi: KPI, first: dt.date | None, rules: FiscalYearRules) -> int | None:
    """The first fiscal month the data covers: a quarterly feed's first row covers its whole quarter."""
    if first is None:
        return None
    period = rules.period_of(first)
    if kpi.review_cadence == KPI.Cadence.QUARTERLY:
        return period - (period - 1) % 3
    return period


def _answer(kpi, subject, window, own, monthly, today, allowance, rules) -> Result:
    actual = _actual(kpi, own)
    first = min((f.first for f in own if f and f.first), default=None)
    last = max((f.last for f in own if f and f.last), default=None)
    target = target_over(kpi, monthly, window, window.end)
    expected = target_over(kpi, monthly, window, min(today, window.end)) if window.begun(today) else None
    attained = calc.attainment(actual, expected, kpi.direction)
    credit = credited(kpi, actual, expected, allowance)
    status = "not_started"
    if window.begun(today):
        late = stale(kpi, last, window, today)
        # Judged as the plan credits it: with a churn allowance, a rep at 90% of a 10%-allowance quota is
        # credited 100% and on track, never "at risk" beside "100% credited".
        judged = (
            credit if credit is not None and attained is not None and kpi.direction == "higher" else attained
        )
        status = calc.status(judged, kpi.alert_threshold, stale=late, has_target=target is not None)
    covered = calc.coverage(_first_period(kpi, first, rules), [p.period for p in window.periods])
    return Result(
        kpi=kpi,
        subject=subject,
        window=window,
        actual=actual,
        target=target,
        expected=expected,
        attainment=attained,
        credited=credit,
        pace=pace(kpi, actual, window, today),
        status=status,
        coverage=covered,
        first_date=first,
        last_date=last,
    )
