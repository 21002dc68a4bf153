"""Quarterly rollups of a plan: every KPI at every unit of the plan's subtree and for every seller.

Set-wise: one GROUP BY over the year's actuals to the quarter's end (by KPI × unit × seller: the
quarter's total, first and last data dates), one by day for the KPIs that average or take the last
value, one read of the targets; pandas
then works on those aggregated rows only (rolling units up their ancestors). Ratios
are Σ numerator ÷ Σ denominator at every level. Re-running a quarter replaces its rows.
"""

import datetime as dt
from decimal import Decimal

import pandas as pd
from django.db import connection, transaction
from django.db.models import Max, Min, Q, Sum
from django.utils import timezone

from metrics import calc
from metrics.models import KPI, Actual, ChurnPolicy, KPITarget, QuarterlyRollup
from orgs.models import FiscalCalendar, OrgUnit, Seller
from planning.models import Plan

UNIT, SELLER = "unit", "seller"


def _frame(queryset, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(queryset.values_list(*columns)), columns=columns)


def _levels(frame: pd.DataFrame, ancestors: dict[int, list[int]]) -> pd.DataFrame:
    """Each row once per level it counts at: every unit from the plan's down to its own (`subject`
    is a unit id, kind "unit"), and its seller if it has one (kind "seller")."""
    if frame.empty:
        return frame.assign(kind=pd.Series(dtype=object), subject=pd.Series(dtype="Int64"))
    units = frame.assign(kind=UNIT, subject=frame["org_unit_id"].map(ancestors)).explode("subject")
    sellers = frame[frame["seller_id"].notna()].assign(kind=SELLER, subject=lambda f: f["seller_id"])
    return pd.concat([units, sellers], ignore_index=True)


def _subtree_figures(spans: pd.DataFrame, ancestors: dict[int, list[int]]) -> tuple[dict, dict, dict]:
    """Quarter totals, first and last data dates by (KPI, kind, subject), in one pass over the grouped
    rows: a seller's figures are its own rows' (a seller sits in one unit at a time); a unit's cover its
    subtree. Sums stay exact Decimals; dates compare as dates (pandas would fall back to Python per group
    for both, a hundred times slower)."""
    sums: dict[tuple, Decimal] = {}
    firsts: dict[tuple, dt.date] = {}
    lasts: dict[tuple, dt.date] = {}
    columns = ["kpi_id", "org_unit_id", "seller_id", "total", "first", "last"]
    for kpi, unit, seller, total, first, last in spans[columns].itertuples(index=False, name=None):
        keys = [(kpi, UNIT, subject) for subject in ancestors[unit]]
        if pd.notna(seller):
            keys.append((kpi, SELLER, int(seller)))
        for key in keys:
            if pd.notna(total):
                sums[key] = sums.get(key, 0) + total
            if key not in firsts or first < firsts[key]:
                firsts[key] = first
            if key not in lasts or last > lasts[key]:
                lasts[key] = last
    return sums, firsts, lasts


def _sum(values) -> Decimal:
    return sum(values, Decimal("0"))


def compute(plan: Plan, quarter: int, *, today: dt.date | None = None) -> list[QuarterlyRollup]:
    """The rollup rows of one plan and fiscal quarter, not yet saved."""
    today = today or timezone.localdate()
    rules = FiscalCalendar.load().rules
    periods = rules.periods(plan.fiscal_year)[(quarter - 1) * 3 : quarter * 3]
    start, end = periods[0].start, periods[-1].end
    year_start = rules.year_range(plan.fiscal_year)[0]
    units = {u.pk: u for u in OrgUnit.objects.filter(path__startswith=plan.org_unit.path)}
    ancestors = {pk: [a for a in [*u.ancestor_ids, u.pk] if a in units] for pk, u in units.items()}
    sellers = {s.pk: s for s in Seller.objects.filter(org_unit__in=units)}
    kpis = {k.pk: k for k in KPI.objects.filter(active=True)}
    scope = {"org_unit__in": list(units)}

    # The only passes over stored rows: grouped reads. Sums need one row per KPI × unit × seller; only
    # KPIs read by day (average, last value) need one per day.
    by_day = [
        pk for pk, k in kpis.items() if k.aggregation in (KPI.Aggregation.AVERAGE, KPI.Aggregation.LAST)
    ]
    # One scan of the year to the quarter's end gives each KPI × unit × seller its quarter total and its
    # first and last data dates.
    year_rows = Actual.objects.filter(**scope, date__gte=year_start, date__lte=end)
    spans = _frame(
        year_rows.values("kpi_id", "org_unit_id", "seller_id")
        .annotate(total=Sum("value", filter=Q(date__gte=start)), first=Min("date"), last=Max("date"))
        .order_by(),
        ["kpi_id", "org_unit_id", "seller_id", "total", "first", "last"],
    )
    daily = _frame(
        year_rows.filter(kpi_id__in=by_day, date__gte=start)
        .values("kpi_id", "org_unit_id", "seller_id", "date")
        .annotate(total=Sum("value"))
        .order_by(),
        ["kpi_id", "org_unit_id", "seller_id", "date", "total"],
    )
    goals = _frame(
        KPITarget.objects.filter(
            **scope, fiscal_year=plan.fiscal_year, period__in=[p.period for p in periods]
        ).order_by(),
        ["kpi_id", "org_unit_id", "seller_id", "period", "value"],
    )

    keys = ["kpi_id", "kind", "subject"]
    sums, firsts, latest = _subtree_figures(spans, ancestors)
    per_day = _levels(daily, ancestors).groupby([*keys, "date"], sort=True)["total"].agg(_sum).reset_index()
    means = per_day.groupby(keys)["total"].agg(lambda v: _sum(v) / len(v)).to_dict()
    lasts = per_day.groupby(keys)["total"].last().to_dict()  # the last day's total (rows are in date order)

    targets: dict[tuple, Decimal] = {}
    if not goals.empty:
        goals = goals.assign(
            kind=[SELLER if pd.notna(s) else UNIT for s in goals["seller_id"]],
            subject=[
                int(s) if pd.notna(s) else u
                for s, u in zip(goals["seller_id"], goals["org_unit_id"], strict=True)
            ],
        ).sort_values("period")
        for key, group in goals.groupby(keys):
            kpi = kpis.get(key[0])
            if kpi is None:
                continue
            values = list(group["value"])
            if kpi.aggregation == KPI.Aggregation.SUM:
                targets[key] = _sum(values)
            elif kpi.aggregation == KPI.Aggregation.AVERAGE:
                targets[key] = _sum(values) / len(values)
            else:
                targets[key] = values[-1]

    previous = {
        (r.kpi_id, SELLER if r.seller_id else UNIT, r.seller_id or r.org_unit_id): r.attainment
        for r in QuarterlyRollup.objects.filter(plan=plan, quarter=quarter - 1)
    }
    policy = ChurnPolicy.objects.filter(plan=plan).first()
    in_progress = start <= today <= end
    elapsed = (today - start).days + 1
    length = (end - start).days + 1
    reference = min(today, end)
    now = timezone.now()

    subjects = [(UNIT, pk) for pk in units] + [(SELLER, pk) for pk in sellers]
    rows = []
    for kpi in kpis.values():
        sides = (
            [kpi.numerator_id, kpi.denominator_id] if kpi.aggregation == KPI.Aggregation.RATIO else [kpi.pk]
        )
        for kind, subject in subjects:
            key = (kpi.pk, kind, subject)
            if kpi.aggregation == KPI.Aggregation.RATIO:
                num, den = (sums.get((side, kind, subject)) for side in sides)
                actual = (
                    calc.ratio([num or Decimal("0")], [den or Decimal("0")])
                    if num is not None or den is not None
                    else None
                )
            else:
                actual = {
                    KPI.Aggregation.SUM: sums, KPI.Aggregation.AVERAGE: means, KPI.Aggregation.LAST: lasts
                }[kpi.aggregation].get(key)  # fmt: skip
            target = targets.get(key)
            if actual is None and target is None:
                continue
            first_dates = [firsts.get((side, kind, subject)) for side in sides]
            first = min((d for d in first_dates if d is not None), default=None)
            last = max(
                (d for d in (latest.get((side, kind, subject)) for side in sides) if d is not None),
                default=None,
            )
            attained = calc.attainment(actual, target, kpi.direction)
            stale = (
                bool(kpi.review_cadence)
                and start <= today
                and (
                    last is None
                    or last < reference - dt.timedelta(days=calc.STALE_AFTER_DAYS[kpi.review_cadence])
                )
            )
            pace = actual
            if actual is not None and in_progress and kpi.aggregation == KPI.Aggregation.SUM:
                pace = actual * length / elapsed
            credited = None
            if (
                policy
                and kpi.aggregation == KPI.Aggregation.SUM
                and kpi.unit == KPI.Unit.CURRENCY
                and actual is not None
            ):
                credited = calc.credited_attainment(actual, target or 0, policy.allowance)
            before = previous.get(key)
            seller = sellers.get(subject) if kind == SELLER else None
            rows.append(
                QuarterlyRollup(  # ids, not objects: setting related objects was most of the build time
                    plan_id=plan.pk,
                    quarter=quarter,
                    kpi_id=kpi.pk,
                    org_unit_id=seller.org_unit_id if seller else subject,
                    seller_id=seller.pk if seller else None,
                    target=_q(target),
                    actual=_q(actual),
                    attainment=attained,
                    credited=credited,
                    change=attained - before if attained is not None and before is not None else None,
                    pace=_q(pace),
                    status=calc.status(
                        attained, kpi.alert_threshold, stale=stale, has_target=target is not None
                    ),
                    coverage=calc.coverage(
                        rules.period_of(first) if first else None, [p.period for p in periods]
                    ),
                    last_date=last,
                    computed_at=now,
                )
            )
    return rows


def _q(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.0001"))


@transaction.atomic
def save(plan: Plan, quarter: int, *, today: dt.date | None = None) -> int:
    """Compute the quarter and replace its stored rows; returns how many rows it has now."""
    rows = compute(plan, quarter, today=today)
    QuarterlyRollup.objects.filter(plan=plan, quarter=quarter).delete()
    if connection.vendor == "postgresql":
        _copy(rows)  # COPY: a third of bulk_create's time for the ~10^4-10^5 rows of a large company
    else:
        QuarterlyRollup.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _copy(rows: list[QuarterlyRollup]) -> None:
    fields = [f for f in QuarterlyRollup._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {QuarterlyRollup._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([getattr(row, name) for name in names])


def quarters_due(rules, day: dt.date) -> list[tuple[int, int]]:
    """(fiscal year, quarter) to roll up on `day`: the quarter that ended yesterday, if one did, then
    the quarter in progress (refreshed nightly)."""
    yesterday = day - dt.timedelta(days=1)
    ended = rules.locate(yesterday)
    due = []
    if ended.period % 3 == 0 and yesterday == ended.end:
        due.append((ended.fiscal_year, ended.quarter))
    current = rules.locate(day)
    due.append((current.fiscal_year, current.quarter))
    return due
