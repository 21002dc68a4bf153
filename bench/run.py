"""Benchmarks against physical baselines measured in the same run (PostgreSQL). `make bench SIZE=small`.

Generates a company (sellers × KPIs × daily actuals) as CSV, then prints one table:
- actuals import end to end (parse, validate, COPY into staging, upsert) vs raw COPY of the same file into a
  table indexed like the actuals table;
- quarterly rollup vs one hand-written INSERT … SELECT … GROUP BY over the same rows;
- plan page and objectives/KPI list endpoints at 10 and 500 items: SQL queries and server time;
- the rolled-up plan's metrics tab, quarterly review, scenarios compare (3 scenarios) and the home page of
  each role, against that plan's Step 1 page: SQL queries and median server time;
- the API's authenticated, permission-checked retrieve vs a bare JSON view, under gunicorn (ApacheBench);
- the one-page PDF of the largest plan, warm: time and peak memory;
- 8 clients × 100 concurrent edits of one plan item through the API: lost updates and refusals.
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
    parser.add_argument("--size", choices=SIZES, default="full", help="a preset (default: full)")
    parser.add_argument("--small", action="store_const", const="small", dest="size", help="--size small")
    parser.add_argument("--sellers", type=int, help="override the preset's sellers")
    parser.add_argument("--kpis", type=int, help="override the preset's KPIs")
    parser.add_argument("--days", type=int, help="override the preset's days of actuals (≤ 365)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aop.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("The benchmarks run on PostgreSQL: set DATABASE_URL=postgres://…")
    sellers, kpis, days = SIZES[args.size]
    sellers, kpis, days = args.sellers or sellers, args.kpis or kpis, min(args.days or days, 365)
    started = time.perf_counter()
    count, files = generate(sellers, kpis, days)
    size = f"{sellers:,} sellers, {kpis} KPIs, {days} days → {count:,} rows"
    print(f"\nAOP benchmarks · {args.size}: {size}\n")
    results = [bench_import(count, files), bench_rollup(days)]
    leader, token, plans = setup_plans()
    results += bench_pages(leader, plans)
    results += bench_plan_pages(leader, plans[500])
    results.append(bench_onepager(plans[500]))
    from bench import loadtest

    objective = plans[10].objectives.order_by("pk").first()
    with loadtest.gunicorn(workers=2) as base:
        results.append(loadtest.api_vs_bare(base, token, objective.pk))
    with loadtest.gunicorn(workers=4) as base:
        results.append(loadtest.concurrent_edits(base, token, objective.pk))
    print(f"\n{'measure':58} {'AOP':>16} {'baseline':>12} {'ratio':>8}  goal")
    for name, ours, base, ratio, goal in results:
        print(f"{name:58} {ours:>16} {base:>12} {ratio:>8}  {goal}")
    print(f"\n{time.perf_counter() - started:.0f} s in all")


def generate(sellers: int, kpis: int, days: int):
    """One company → team tree with sellers and KPIs; (row count, CSV files of at most MAX_ROWS rows of a
    value per seller × KPI × day), the files made one at a time so that the full size fits in memory."""
    from metrics import importer
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
    emails = list(
        Seller.objects.filter(org_unit=team).order_by("pk").values_list("email", flat=True)[:sellers]
    )
    dates = [(dt.date(2026, 1, 1) + dt.timedelta(days=d)).isoformat() for d in range(days)]

    def rows():
        rng = random.Random(1)
        for email in emails:
            for k in range(kpis):
                for day in dates:
                    yield (f"bench-{k}", "bench-team", email, day, rng.randint(0, 500))

    def files():
        chunk = []
        for row in rows():
            chunk.append(row)
            if len(chunk) == importer.MAX_ROWS:
                yield _csv(chunk)
                chunk = []
        if chunk:
            yield _csv(chunk)

    return len(emails) * kpis * days, files()


def _csv(rows: list[tuple]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kpi", "unit", "seller", "date", "value"])
    writer.writerows(rows)
    return out.getvalue().encode()


BASELINE_TABLE = """
CREATE TABLE bench_raw_copy (
    id bigserial PRIMARY KEY, kpi text NOT NULL, unit text NOT NULL, seller text, date date NOT NULL,
    value numeric(18, 4) NOT NULL, batch bigint
);
CREATE INDEX ON bench_raw_copy (kpi, unit, date);
CREATE UNIQUE INDEX ON bench_raw_copy (kpi, seller, date) WHERE seller IS NOT NULL;
CREATE UNIQUE INDEX ON bench_raw_copy (kpi, unit, date) WHERE seller IS NULL;
CREATE INDEX ON bench_raw_copy (unit);
CREATE INDEX ON bench_raw_copy (seller);
CREATE INDEX ON bench_raw_copy (batch);
"""


def bench_import(count: int, files):
    """The product's import of the rows as files of at most MAX_ROWS (its limit per file), against raw
    COPY of the same files into an ordinary (logged) table indexed like the actuals table. The row also
    gives the largest Python heap peak (tracemalloc) of one file's import, beyond the file itself."""
    import tracemalloc

    from django.contrib.auth import get_user_model
    from django.db import connection

    from metrics import importer
    from metrics.models import Actual, ActualMonth, UnitMonth

    Actual.objects.filter(org_unit__code="bench-team").delete()
    admin = get_user_model().objects.filter(
        is_superuser=True
    ).first() or get_user_model().objects.create_superuser("bench", "bench@bench.test", "bench-pass-1")
    ours = base = 0.0
    n = peak = 0
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
        cursor.execute(BASELINE_TABLE)
    for data in files:
        n += 1
        tracemalloc.start()
        started = time.perf_counter()
        clean, errors, _ = importer.validate(importer.read("csv", data), admin)
        assert not errors, errors[:3]
        importer.load(clean, source="upload", batch=None)
        ours += time.perf_counter() - started
        del clean
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY bench_raw_copy (kpi, unit, seller, date, value) "
                "FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy,
        ):
            copy.write(data)
        base += time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_copy")
        # What autovacuum does soon after a load: the rollup then scans live rows, not an earlier run's, and
        # the planner knows the monthly sums' size (unanalysed, it sorts them on disk to group 12 KPIs).
        cursor.execute(f"VACUUM ANALYZE {Actual._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {ActualMonth._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {UnitMonth._meta.db_table}")
    rate, base_rate = count / ours, count / base
    return (
        f"actuals import, rows/s ({n} file{'s' if n > 1 else ''}; peak {peak / 2**20:.1f} MB)",
        f"{rate:,.0f}",
        f"{base_rate:,.0f}",
        f"{rate / base_rate:.0%}",
        "≥ 50% of raw COPY",
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


def setup_plans():
    """A sales leader of the bench team (with an API token) and two of its plans: 10 and 500 objectives."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from orgs.models import Membership, OrgUnit
    from planning.models import Objective, Plan

    team = OrgUnit.objects.get(code="bench-team")
    leader, _ = get_user_model().objects.get_or_create(username="bench-leader")
    Membership.objects.get_or_create(user=leader, org_unit=team, role="sales_leader")
    token, _ = Token.objects.get_or_create(user=leader)
    plans = {}
    for count, year in ((10, 2030), (500, 2031)):
        plan, _ = Plan.objects.get_or_create(org_unit=team, fiscal_year=year)
        have = plan.objectives.count()
        Objective.objects.bulk_create(
            Objective(plan=plan, title=f"Objective {n}", weight=1) for n in range(have, count)
        )
        plans[count] = plan
    return leader, token.key, plans


def _timed(client, url: str, runs: int = 7) -> tuple[int, float]:
    """(SQL queries, median seconds) of GET url, after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return len(queries), sorted(times)[runs // 2]


def bench_pages(leader, plans: dict) -> list[tuple]:
    from django.db import transaction
    from django.test import Client

    from metrics.models import KPI

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(leader)
    rows = []
    pages = [
        ("plan page (Step 1 tab)", "/plans/{plan}/alignment/"),
        ("objectives endpoint (first page of 50)", "/api/objectives/?plan={plan}"),
    ]
    for name, url in pages:
        (q10, t10), (q500, t500) = (_timed(client, url.format(plan=plans[n].pk)) for n in (10, 500))
        rows.append(_scaling_row(name, q10, t10, q500, t500))
    with transaction.atomic():  # a catalogue of 500 KPIs, then of 10 active ones, for the measure only
        have = KPI.objects.count()
        KPI.objects.bulk_create(KPI(code=f"bench-extra-{n}", name=f"Extra {n}") for n in range(have, 500))
        (q500, t500) = _timed(client, "/api/kpis/?active=true")
        KPI.objects.exclude(pk__in=KPI.objects.order_by("pk")[:10]).update(active=False)
        (q10, t10) = _timed(client, "/api/kpis/?active=true")
        transaction.set_rollback(True)
    rows.append(_scaling_row("KPI list endpoint (first page of 50)", q10, t10, q500, t500))
    return rows


# Scenarios of the rolled-up plan, for the compare view: (name, assumptions).
SCENARIOS = [
    (
        "Hires and attrition",
        {
            "hires": [{"count": 5, "start_month": 4, "monthly_quota": 50000}],
            "attrition": {"rate_percent": 10, "backfill_lag": 2},
        },
    ),
    ("Buffer and split", {"buffer_percent": 10, "split_method": "headcount"}),
    ("Quota change", {"quota_per_seller": 60000}),
]
# The other roles whose home page is timed (the sales leader is setup_plans's), each on the bench company.
ROLES = [("bench-ops", "sales_ops"), ("bench-exec", "executive")]


def bench_plan_pages(leader, step1_plan) -> list[tuple]:
    """Pages of the plan the rollup filled (every seller × KPI × quarter 1): its metrics tab, its quarterly
    review, the compare view of its scenarios, its own Step 1 page (its objective measured by every KPI) and
    each role's home page, each timed as the Step 1 page is (`_timed`) and set against the Step 1 page of
    the 500-objective plan (no KPIs), timed again here so that both are measured side by side."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from metrics.models import KPI
    from orgs.models import Membership, OrgUnit, Seller
    from planning.models import Objective, Plan
    from scenarios import services as scenario_services
    from scenarios.models import Scenario

    team = OrgUnit.objects.get(code="bench-team")
    plan = Plan.objects.get(org_unit=team, fiscal_year=2026)
    objective, _ = Objective.objects.get_or_create(plan=plan, title="Bench KPIs", defaults={"weight": 1})
    objective.kpis.set(KPI.objects.filter(code__startswith="bench-", active=True))  # what the tab shows
    for name, assumptions in SCENARIOS:
        if not Scenario.objects.filter(plan=plan, name=name).exists():
            plan.refresh_from_db()
            scenario_services.scenario_create(actor=leader, plan=plan, name=name, assumptions=assumptions)
    scenarios = "&".join(
        f"s={pk}" for pk in Scenario.objects.filter(plan=plan).order_by("pk").values_list("pk", flat=True)[:4]
    )
    users = [("sales leader", leader)]
    for username, role in ROLES:
        user, _ = get_user_model().objects.get_or_create(username=username)
        Membership.objects.get_or_create(user=user, org_unit=team.parent, role=role)
        users.append((role.replace("_", " "), user))
    seller_user, _ = get_user_model().objects.get_or_create(username="bench-seller")
    if not Seller.objects.filter(user=seller_user).exists():
        seller = Seller.objects.filter(org_unit=team, user__isnull=True).order_by("pk").first()
        Seller.objects.filter(pk=seller.pk).update(user=seller_user)  # a seller's login: no membership
    users.append(("seller", seller_user))

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(leader)
    q_step1, t_step1 = _timed(client, f"/plans/{step1_plan.pk}/alignment/")
    pages = [
        ("Step 1 plan page of the rolled-up plan", f"/plans/{plan.pk}/alignment/"),
        ("metrics tab", f"/plans/{plan.pk}/metrics/"),
        ("quarterly review (QBR), Q1", f"/plans/{plan.pk}/metrics/review/?q=1"),
        (
            f"scenarios compare ({scenarios.count('s=')} scenarios, {team.sellers.count():,} sellers)",
            f"/plans/{plan.pk}/scenarios/compare/?{scenarios}",
        ),
    ]
    timed = [(name, *_timed(client, url)) for name, url in pages]
    for role, user in users:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        response = client.get("/")
        url = response.url if response.status_code == 302 else "/"  # a seller's home may be their seat
        timed.append((f"home page as {role}" + (f" ({url})" if url != "/" else ""), *_timed(client, url)))
    rows = [
        (
            f"baseline: Step 1 plan page, {step1_plan.objectives.count()} objectives: queries; ms",
            f"{q_step1}; {t_step1 * 1000:.0f}",
            "",
            "1.0×",
            "the baseline below",
        )
    ]
    for name, queries, seconds in timed:
        ratio = seconds / t_step1
        rows.append(
            (
                f"{name}: queries; ms",
                f"{queries}; {seconds * 1000:.0f}",
                f"{t_step1 * 1000:.0f} Step 1",
                f"{ratio:.1f}×",
                "≤ 3× Step 1" + ("  ** ABOVE 3× **" if ratio > 3 else ""),
            )
        )
    return rows


def _scaling_row(name: str, q10: int, t10: float, q500: int, t500: float) -> tuple:
    return (
        f"{name}, 10 → 500 items: queries; ms",
        f"{q10}→{q500}; {t10 * 1000:.0f}→{t500 * 1000:.0f}",
        "",
        f"{t500 / t10:.1f}×",
        "equal queries, ≤ 3× time",
    )


def bench_onepager(plan):
    """The largest plan's one-page PDF, rendered warm (fonts and templates loaded): time and peak memory."""
    import tracemalloc

    from onepager import render

    render.pdf_bytes(plan)  # warm
    times = []
    for _ in range(3):
        started = time.perf_counter()
        render.pdf_bytes(plan)
        times.append(time.perf_counter() - started)
    tracemalloc.start()  # Python allocations of one render, apart: tracing slows it down
    render.pdf_bytes(plan)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (
        f"one-page PDF, {plan.objectives.count()} objectives, warm: s; peak MB",
        f"{sorted(times)[1]:.2f}; {peak / 2**20:.0f} MB",
        "1 s",
        f"{sorted(times)[1]:.2f}×",
        "< 1 s",
    )


if __name__ == "__main__":
    main()
