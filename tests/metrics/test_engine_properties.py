"""The KPI engine against a naive recomputation: plain loops over the raw rows of random small companies,
for every aggregation, at seller, team, region and company level, over a month, a quarter, the year to
date and a date range, with partial coverage, staleness and churn credit; and the stored QBR rows equal
the engine's answers for the same quarter."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import engine, rollup
from metrics.models import KPI, Actual, ChurnPolicy, KPITarget, QuarterlyRollup
from orgs.models import FiscalCalendar, OrgUnit
from planning.models import Plan
from tests.factories import SellerFactory

YEAR = 2028  # calendar 2028 with the default January start
Q4 = Decimal("0.0001")
DAY = st.integers(min_value=0, max_value=365)  # day of 2028 (a leap year: 366 days)
VALUE = st.integers(min_value=0, max_value=5000).map(lambda cents: Decimal(cents) / 4)
UNITS = ["acme", "region-a", "region-b", "team-a1", "team-a2", "team-b1"]
KINDS = ["sum", "average", "last", "num", "den"]  # num and den are summed sides of a ratio KPI

company = st.fixed_dictionaries(
    {
        # each seller: home team, and whether it also has rows booked in another team (it moved)
        "sellers": st.lists(st.tuples(st.sampled_from(UNITS[3:]), st.booleans()), max_size=4),
        "rows": st.lists(
            st.tuples(st.sampled_from(KINDS), st.sampled_from(UNITS), st.integers(-1, 3), DAY, VALUE),
            max_size=40,
        ),
        "targets": st.lists(
            st.tuples(
                st.sampled_from(["sum", "average", "last", "ratio"]),
                st.sampled_from(UNITS),
                st.integers(-1, 3),
                st.integers(1, 12),
                VALUE,
            ),
            max_size=30,
        ),
        "today": DAY.map(lambda d: dt.date(YEAR, 1, 1) + dt.timedelta(days=d))
        | st.just(dt.date(YEAR + 1, 3, 1)),
        "month": st.integers(1, 12),
        "quarter": st.integers(1, 4),
        "span": st.tuples(DAY, DAY).map(sorted),
        "allowance": st.sampled_from([None, Decimal("0"), Decimal("10"), Decimal("12.5")]),
        "lower_is_better": st.booleans(),
    }
)


class Rollback(Exception):
    pass


def in_a_savepoint(body):
    """Run `body` and undo every row it wrote, so each generated company starts from the same tree."""
    try:
        with transaction.atomic():
            body()
            raise Rollback
    except Rollback:
        pass


def make_kpis(lower_is_better: bool) -> dict[str, KPI]:
    def kpi(code, aggregation, cadence="monthly", **extra):
        return KPI.objects.create(
            code=f"p-{code}", name=code, aggregation=aggregation, review_cadence=cadence, **extra
        )

    num, den = kpi("num", "sum"), kpi("den", "sum")
    return {
        "sum": kpi("sum", "sum", unit="currency", direction="lower" if lower_is_better else "higher"),
        "average": kpi("average", "average", "quarterly", alert_threshold=Decimal("90")),
        "last": kpi("last", "last"),
        "ratio": kpi("ratio", "ratio", numerator=num, denominator=den),
        "num": num,
        "den": den,
    }


# --- The naive side: plain loops over the rows as the test wrote them --------------------------------------


def under(unit: OrgUnit, other: OrgUnit) -> bool:
    """Is `other` the unit itself or below it (walking parents)?"""
    while other is not None:
        if other.pk == unit.pk:
            return True
        other = other.parent
    return False


def naive_actual(kpi: KPI, rows: list, subject, start: dt.date, end: dt.date):
    kind, who = subject

    def mine(code):
        return [
            r
            for r in rows
            if r["kpi"] == code
            and start <= r["date"] <= end
            and (r["seller"] == who if kind == "seller" else under(who, r["unit"]))
        ]

    if kpi.aggregation == "ratio":
        top, bottom = mine("num"), mine("den")
        if not top and not bottom:
            return None
        below = sum((r["value"] for r in bottom), Decimal(0))
        return sum((r["value"] for r in top), Decimal(0)) / below if below else None
    own = mine(kpi.name)
    if not own:
        return None
    if kpi.aggregation == "sum":
        return sum((r["value"] for r in own), Decimal(0))
    if kpi.aggregation == "average":
        return sum((r["value"] for r in own), Decimal(0)) / len(own)
    latest = {}  # each seller's (or seller-less unit's) latest row
    for r in own:
        member = ("seller", r["seller"].pk) if r["seller"] else ("unit", r["unit"].pk)
        if member not in latest or r["date"] > latest[member]["date"]:
            latest[member] = r
    return sum((r["value"] for r in latest.values()), Decimal(0))


def naive_dates(kpi: KPI, rows: list, subject, end: dt.date):
    kind, who = subject
    codes = ["num", "den"] if kpi.aggregation == "ratio" else [kpi.name]
    days = [
        r["date"]
        for r in rows
        if r["kpi"] in codes
        and r["date"] <= end
        and (r["seller"] == who if kind == "seller" else under(who, r["unit"]))
    ]
    return (min(days), max(days)) if days else (None, None)


def naive_target(kpi: KPI, monthly: dict[int, Decimal], start: dt.date, end: dt.date):
    months = []  # (month, days of it between start and end, days in month) for months with a target
    for m in range(1, 13):
        first = dt.date(YEAR, m, 1)
        length = ((dt.date(YEAR + (m == 12), m % 12 + 1, 1)) - first).days
        inside = sum(1 for d in range(length) if start <= first + dt.timedelta(days=d) <= end)
        if inside and m in monthly:
            months.append((m, inside, length))
    if not months:
        return None
    if kpi.aggregation == "sum":
        return sum((monthly[m] * (Decimal(inside) / length) for m, inside, length in months), Decimal(0))
    if kpi.aggregation == "average":
        return sum((monthly[m] for m, _, _ in months), Decimal(0)) / len(months)
    return monthly[months[-1][0]]


def naive_status(kpi, attainment, target, last, start, end, today):
    if today < start:
        return "not_started"
    grace = 100 if kpi.review_cadence == "quarterly" else 35  # days without data before it is stale
    if last is None or last < min(today, end) - dt.timedelta(days=grace):
        return "stale"
    if target is None:
        return "no_target"
    if attainment is None:
        return "no_data"
    threshold = (kpi.alert_threshold if kpi.alert_threshold is not None else Decimal(80)) / 100
    return "on_track" if attainment >= 1 else "at_risk" if attainment >= threshold else "off_track"


def naive(kpi, rows, monthly, subject, start, end, today, allowance):
    actual = naive_actual(kpi, rows, subject, start, end)
    first, last = naive_dates(kpi, rows, subject, end)
    target = naive_target(kpi, monthly, start, end)
    expected = naive_target(kpi, monthly, start, min(end, today)) if start <= today else None
    attainment = None
    if actual is not None and expected and kpi.direction == "higher":
        attainment = (actual / expected).quantize(Q4)
    elif actual and expected:  # lower is better: target ÷ actual
        attainment = (expected / actual).quantize(Q4)
    months = list(range(start.month, end.month + 1))  # every window lies in calendar 2028
    since = None if first is None else first.month  # a quarterly feed covers its first quarter whole
    if since is not None and kpi.review_cadence == "quarterly":
        since = (since - 1) // 3 * 3 + 1
    covered = sum(1 for m in months if since is not None and m >= since)
    credited = None
    if allowance is not None and actual is not None and expected and kpi.name == "sum":
        credited = (actual / (expected * (1 - allowance / 100))).quantize(Q4, rounding=ROUND_HALF_UP)
    pace = actual
    if actual is not None and kpi.aggregation == "sum" and start <= today < end:
        pace = actual * ((end - start).days + 1) / ((today - start).days + 1)
    return {
        "actual": actual,
        "target": target,
        "expected": expected,
        "attainment": attainment,
        "credited": credited,
        "pace": pace,
        "status": naive_status(kpi, attainment, target, last, start, end, today),
        "coverage": (Decimal(covered) / len(months)).quantize(Q4),
        "last_date": last,
    }


def figures(result) -> dict:
    return {
        "actual": result.actual,
        "target": result.target,
        "expected": result.expected,
        "attainment": result.attainment,
        "credited": result.credited,
        "pace": result.pace,
        "status": result.status,
        "coverage": result.coverage,
        "last_date": result.last_date,
    }


def rounded(found: dict) -> dict:
    """Stored Decimals have four places: compare at that precision."""
    return {k: v.quantize(Q4) if isinstance(v, Decimal) else v for k, v in found.items()}


# --- The property ---------------------------------------------------------------------------------------


def build(data):
    units = {u.code: u for u in OrgUnit.objects.select_related("parent__parent")}
    kpis = make_kpis(data["lower_is_better"])
    sellers = [
        (SellerFactory(org_unit=units[home], name=f"S{i}"), moved)
        for i, (home, moved) in enumerate(data["sellers"])
    ]
    rows, seen = [], set()
    for kind, unit_code, who, day, value in data["rows"]:
        seller, moved = sellers[who] if 0 <= who < len(sellers) else (None, False)
        unit = units[unit_code]
        if seller is not None:  # a seller's rows sit in its team, or in team B1 once it moved there
            unit = units["team-b1"] if moved and day % 2 else seller.org_unit
        date = dt.date(YEAR, 1, 1) + dt.timedelta(days=day)
        key = (kind, seller.pk if seller else None, None if seller else unit.pk, date)
        if key in seen:
            continue
        seen.add(key)
        Actual.objects.create(kpi=kpis[kind], org_unit=unit, seller=seller, date=date, value=value)
        rows.append({"kpi": kind, "unit": unit, "seller": seller, "date": date, "value": value})
    targets: dict[tuple, dict[int, Decimal]] = {}
    for kind, unit_code, who, period, value in data["targets"]:
        seller = sellers[who][0] if 0 <= who < len(sellers) else None
        subject = ("seller", seller) if seller else ("unit", units[unit_code])
        if period in targets.setdefault((kind, subject), {}):
            continue
        targets[kind, subject][period] = value
        KPITarget.objects.create(
            kpi=kpis[kind],
            org_unit=seller.org_unit if seller else units[unit_code],
            seller=seller,
            fiscal_year=YEAR,
            period=period,
            value=value,
        )
    return units, kpis, [s for s, _ in sellers], rows, targets


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=company)
def test_the_engine_agrees_with_plain_loops_over_the_rows(org, data):
    def check():
        units, kpis, sellers, rows, targets = build(data)
        today, rules = data["today"], FiscalCalendar.load().rules
        first, last = (dt.date(YEAR, 1, 1) + dt.timedelta(days=d) for d in data["span"])
        windows = [
            engine.month(YEAR, data["month"]),
            engine.quarter(YEAR, data["quarter"]),
            engine.date_range(first, last, rules=rules),
        ]
        ytd = engine.year_to_date(YEAR, today)
        windows += [ytd] if ytd else []
        measured = [kpis[k] for k in ("sum", "average", "last", "ratio")]
        found = engine.evaluate(
            kpis=measured,
            windows=windows,
            units=list(units.values()),
            sellers=sellers,
            today=today,
            allowance=data["allowance"],
        )
        subjects = [("unit", u) for u in units.values()] + [("seller", s) for s in sellers]
        for kpi in measured:
            for kind, who in subjects:
                monthly = targets.get((kpi.name, (kind, who)), {})
                for window in windows:
                    got = found.get(kpi, window, **{kind: who})
                    want = naive(
                        kpi, rows, monthly, (kind, who), window.start, window.end, today, data["allowance"]
                    )
                    assert rounded(figures(got)) == rounded(want), (kpi.name, kind, str(who), window.label)

    in_a_savepoint(check)


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=company)
def test_the_stored_review_rows_are_the_engines_answers(org, data):
    def check():
        units, kpis, sellers, _, _ = build(data)
        KPI.objects.exclude(code__startswith="p-").update(active=False)
        plan = Plan.objects.create(org_unit=units["acme"], fiscal_year=YEAR)
        if data["allowance"] is not None:
            ChurnPolicy.objects.create(plan=plan, allowance=data["allowance"])
        rollup.save(plan, data["quarter"], today=data["today"])
        window = engine.quarter(YEAR, data["quarter"])
        found = engine.evaluate(
            kpis=KPI.objects.filter(active=True),
            windows=[window],
            units=list(units.values()),
            sellers=sellers,
            today=data["today"],
            allowance=data["allowance"],
        )
        stored = QuarterlyRollup.objects.filter(plan=plan, quarter=data["quarter"])
        answers = [r for r in found if r.actual is not None or r.target is not None]
        assert stored.count() == len(answers)
        for row in stored.select_related("kpi", "org_unit", "seller"):
            r = found.get(row.kpi, window, unit=row.org_unit, seller=row.seller)
            assert (row.actual, row.target, row.expected, row.pace) == tuple(
                None if v is None else v.quantize(Q4) for v in (r.actual, r.target, r.expected, r.pace)
            )
            assert (row.attainment, row.credited, row.status, row.coverage, row.last_date) == (
                r.attainment,
                r.credited,
                r.status,
                r.coverage,
                r.last_date,
            )

    in_a_savepoint(check)
