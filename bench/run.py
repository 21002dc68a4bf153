"""Benchmarks against physical baselines measured in the same run (PostgreSQL). `make bench SIZE=small`.

Generates a company (sellers × KPIs × daily actuals) as CSV, then prints one table:
- actuals import end to end (parse, validate, COPY into staging, upsert) vs raw COPY of the same file into an
  identically indexed table;
- quarterly rollup vs one hand-written INSERT … SELECT … GROUP BY over the same rows.
"""

import argparse
import csv
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path

SIZES = {"small": (200, 6, 120), "medium": (1000, 12, 365), "full": (5000, 30, 365)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=SIZES, default="small")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aop.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("The benchmarks run on PostgreSQL: set DATABASE_URL=postgres://…")
    sellers, kpis, days = SIZES[args.size]
    rows = generate(sellers, kpis, days)
    size = f"{sellers:,} sellers, {kpis} KPIs, {days} days → {len(rows):,} rows"
    print(f"\nAOP benchmarks · {args.size}: {size}\n")
    results = [bench_import(rows), bench_rollup(days)]
    print(f"{'measure':44} {'AOP':>12} {'baseline':>12} {'ratio':>8}  goal")
    for name, ours, base, ratio, goal in results:
        print(f"{name:44} {ours:>12} {base:>12} {ratio:>8}  {goal}")


def generate(sellers: int, kpis: int, days: int) -> list[tuple]:
    """One company → region → team tree with sellers, KPIs, and a value per seller × KPI × day."""
    from metrics.models import KPI
    from orgs.models import OrgUnit, Seller
    from orgs.services import org_unit_repath

    company, _ = OrgUnit.objects.get_or_create(code="bench", defaults={"name": "Bench Co", "kind": "company"})
    org_unit_repath(unit=company)
    team, _ = OrgUnit.objects.get_or_create(
        code="bench-team", defaults={"name": "Bench team", "parent": company}
    )
    org_unit_repath(unit=team)
    have = Seller.objects.filter(org_unit=team).count()
    Seller.objects.bulk_create(
        Seller(name=f"S{n}", email=f"s{n}@bench.test", org_unit=team, start_date=dt.date(2020, 1, 1))
        for n in range(have, sellers)
    )
    for n in range(kpis):
        KPI.objects.get_or_create(code=f"bench-{n}", defaults={"name": f"Bench {n}", "unit": "count"})
    emails = list(Seller.objects.filter(org_unit=team).values_list("email", flat=True)[:sellers])
    rng = random.Random(1)
    start = dt.date(2026, 1, 1)
    return [
        (f"bench-{k}", "bench-team", email, (start + dt.timedelta(days=d)).isoformat(), rng.randint(0, 500))
        for email in emails
        for k in range(kpis)
        for d in range(days)
    ]


def _csv(rows: list[tuple]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kpi", "unit", "seller", "date", "value"])
    writer.writerows(rows)
    return out.getvalue().encode()


def bench_import(rows: list[tuple]):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from metrics import importer
    from metrics.models import Actual

    Actual.objects.filter(org_unit__code="bench-team").delete()
    data = _csv(rows)
    admin = get_user_model().objects.filter(
        is_superuser=True
    ).first() or get_user_model().objects.create_superuser("bench", "bench@bench.test", "bench-pass-1")
    started = time.perf_counter()
    clean, errors, _ = importer.validate(importer.read("csv", data), admin)
    assert not errors, errors[:3]
    importer.load(clean, source="upload", batch=None)
    ours = time.perf_counter() - started
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE raw_copy (kpi text, unit text, seller text, date date, value numeric(18,4)) "
            "ON COMMIT DROP"
        )
        cursor.execute("CREATE UNIQUE INDEX ON raw_copy (kpi, seller, date)")
        started = time.perf_counter()
        with cursor.cursor.copy("COPY raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(data)
        base = time.perf_counter() - started
    rate, base_rate = len(rows) / ours, len(rows) / base
    return (
        "actuals import, rows/s (vs raw COPY)",
        f"{rate:,.0f}",
        f"{base_rate:,.0f}",
        f"{rate / base_rate:.0%}",
        "≥ 50%",
    )


def bench_rollup(days: int):
    from django.db import connection

    from metrics import rollup
    from orgs.models import OrgUnit
    from planning.models import Plan

    unit = OrgUnit.objects.get(code="bench-team")
    plan, _ = Plan.objects.get_or_create(org_unit=unit, fiscal_year=2026)
    started = time.perf_counter()
    rollup.save(plan, 1, today=dt.date(2027, 6, 1))
    ours = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE hand_rollup AS "
            "SELECT kpi_id, seller_id, 0::numeric AS total FROM metrics_actual LIMIT 0"
        )
        started = time.perf_counter()
        cursor.execute(
            "INSERT INTO hand_rollup SELECT kpi_id, seller_id, SUM(value) FROM metrics_actual "
            "WHERE org_unit_id = %s AND date BETWEEN %s AND %s GROUP BY kpi_id, seller_id",
            [unit.pk, dt.date(2026, 1, 1), dt.date(2026, 3, 31)],
        )
        base = time.perf_counter() - started
        cursor.execute("DROP TABLE hand_rollup")
    return (
        "quarterly rollup, seconds (vs INSERT…SELECT)",
        f"{ours:.2f}",
        f"{base:.2f}",
        f"{ours / base:.1f}×",
        "≤ 1.5×",
    )


if __name__ == "__main__":
    main()
