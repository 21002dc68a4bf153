"""Quarterly rollups: numbers checked against an independent computation, idempotent, scheduled at the
fiscal quarter ends, run by a real worker on PostgreSQL and Redis, and a digest to the leaders."""

import datetime as dt
import os
import subprocess
import sys
import time
from decimal import Decimal as D

import pytest
from celery.schedules import crontab
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.exceptions import InvalidTransitionError
from metrics import engine, rollup, services
from metrics.models import KPI, Actual, ChurnPolicy, KPITarget, QuarterlyRollup, RollupRun
from metrics.tasks import rollup_quarter
from orgs.fiscal import FiscalYearRules
from orgs.models import FiscalCalendar
from planning.models import Plan
from tests.factories import PlanFactory, SellerFactory

TODAY = dt.date(2029, 6, 1)  # after FY2028 (calendar year 2028 with a January start)


@pytest.fixture
def data(org, people):
    """Region A FY2028, Q1 (Jan–Mar 2028): two sellers in team A1, one in team A2; win rate from deals
    won and opportunities closed; calls made only from February; a 10% churn allowance."""
    rules = FiscalCalendar.load().rules
    plan = PlanFactory(org_unit=org.region_a)
    ChurnPolicy.objects.create(plan=plan, allowance=D("10"))
    kpi = {k.code: k for k in KPI.objects.all()}
    ann = SellerFactory(org_unit=org.team_a1, name="Ann", monthly_quota=D("10000"))
    bob = SellerFactory(org_unit=org.team_a1, name="Bob", monthly_quota=D("10000"))
    cid = SellerFactory(org_unit=org.team_a2, name="Cid", monthly_quota=D("20000"))
    month = [rules.period(2028, n) for n in (1, 2, 3)]
    revenue = {ann: ["9000", "12000", "6000"], bob: ["4000", "5000", "6000"], cid: ["20000", "25000", "9000"]}
    for seller, values in revenue.items():
        for p, v in zip(month, values, strict=True):
            Actual.objects.create(
                kpi=kpi["revenue"], org_unit=seller.org_unit, seller=seller, date=p.end, value=D(v)
            )
            quota = {"fiscal_year": 2028, "period": p.period, "value": seller.monthly_quota}
            KPITarget.objects.create(kpi=kpi["revenue"], org_unit=seller.org_unit, seller=seller, **quota)
    for unit, target in ((org.team_a1, "20000"), (org.team_a2, "20000"), (org.region_a, "40000")):
        for p in month:
            KPITarget.objects.create(
                kpi=kpi["revenue"], org_unit=unit, fiscal_year=2028, period=p.period, value=D(target)
            )
    won = {org.team_a1: ["1", "9"], org.team_a2: ["5", "5"]}
    closed = {org.team_a1: ["10", "30"], org.team_a2: ["10", "50"]}
    for unit in (org.team_a1, org.team_a2):
        for i, p in enumerate(month[:2]):
            Actual.objects.create(kpi=kpi["deals-won"], org_unit=unit, date=p.start, value=D(won[unit][i]))
            Actual.objects.create(
                kpi=kpi["opportunities-closed"], org_unit=unit, date=p.start, value=D(closed[unit][i])
            )
    for p in month[1:]:
        Actual.objects.create(kpi=kpi["calls-made"], org_unit=org.team_a1, date=p.start, value=D("300"))
    for p in month:
        KPITarget.objects.create(
            kpi=kpi["calls-made"], org_unit=org.team_a1, fiscal_year=2028, period=p.period, value=D("200")
        )
    return plan, kpi, (ann, bob, cid)


def rows_of(plan, quarter=1):
    return {
        (r.kpi.code, r.seller.name if r.seller else r.org_unit.code): r
        for r in QuarterlyRollup.objects.filter(plan=plan, quarter=quarter).select_related(
            "kpi", "org_unit", "seller"
        )
    }


def test_rollup_numbers_match_hand_work_and_an_independent_computation(data, org):
    plan, kpi, (ann, bob, cid) = data
    rollup.save(plan, 1, today=TODAY)
    rows = rows_of(plan)
    # Revenue: team A1 = Ann 27,000 + Bob 15,000 = 42,000 of 60,000 → 70%; region 96,000 of 120,000 → 80%
    assert (rows["revenue", "team-a1"].actual, rows["revenue", "team-a1"].attainment) == (
        D("42000"),
        D("0.7000"),
    )
    assert (rows["revenue", "region-a"].actual, rows["revenue", "region-a"].attainment) == (
        D("96000"),
        D("0.8000"),
    )
    # Credited with a 10% allowance: Ann 27,000 ÷ (30,000 × 0.9) = 100%; Cid 54,000 ÷ 54,000 = 100%
    assert rows["revenue", "Ann"].credited == D("1.0000") and rows["revenue", "Cid"].credited == D("1.0000")
    assert rows["revenue", "Bob"].credited == D("0.5556")  # 15,000 ÷ 27,000
    # Win rate: Σ won ÷ Σ closed at each level, never an average of ratios
    assert rows["win-rate", "team-a1"].actual == D("0.2500")  # 10 ÷ 40
    assert rows["win-rate", "team-a2"].actual == D("0.1667")  # 10 ÷ 60
    assert rows["win-rate", "region-a"].actual == D(
        "0.2000"
    )  # 20 ÷ 100 (the mean of 25% and 16.7% would be 20.8%)
    # Calls from February only: two of three months covered
    calls = rows["calls-made", "team-a1"]
    assert (calls.actual, calls.target, calls.coverage, calls.partial) == (
        D("600"),
        D("600"),
        D("0.6667"),
        True,
    )
    # Every stored row is the engine's answer for the same quarter
    window = engine.quarter(2028, 1)
    found = engine.evaluate(
        kpis=[kpi[code] for code, _ in rows],
        windows=[window],
        units=[org.team_a1, org.team_a2, org.region_a],
        sellers=[ann, bob, cid],
        today=TODAY,
        allowance=D("10"),
    )
    for (code, who), row in rows.items():
        seller = next((s for s in (ann, bob, cid) if s.name == who), None)
        expected = found.get(kpi[code], window, unit=row.org_unit, seller=seller)
        assert row.actual == (
            expected.actual.quantize(D("0.0001")) if expected.actual is not None else None
        ), (code, who)
        assert (row.attainment, row.credited, row.status, row.coverage) == (
            expected.attainment,
            expected.credited,
            expected.status,
            expected.coverage,
        ), (code, who)


def test_a_seller_credited_in_full_by_the_allowance_is_on_track(data):
    """Ann sold 27,000 of a 30,000 quarter (90%); with the 10% churn allowance she is credited 100%, so
    she is on track, not "at risk" beside "100% credited". Bob, at 50% (credited 55.6%), is off track."""
    plan, _, _ = data
    rollup.save(plan, 1, today=TODAY)
    rows = rows_of(plan)
    ann, bob = rows["revenue", "Ann"], rows["revenue", "Bob"]
    assert (ann.attainment, ann.credited, ann.status) == (D("0.9"), D("1"), "on_track")
    assert (bob.attainment, bob.credited, bob.status) == (D("0.5"), D("0.5556"), "off_track")


def test_running_the_same_quarter_twice_leaves_identical_rows(data):
    plan, _, _ = data
    rollup.save(plan, 1, today=TODAY)
    fields = ("kpi", "org_unit", "seller", "target", "actual", "attainment", "credited", "status", "coverage")
    first = list(QuarterlyRollup.objects.filter(plan=plan).order_by(*fields[:3]).values_list(*fields))
    rollup.save(plan, 1, today=TODAY)
    second = list(QuarterlyRollup.objects.filter(plan=plan).order_by(*fields[:3]).values_list(*fields))
    assert first == second and len(second) == QuarterlyRollup.objects.filter(plan=plan).count()


def test_the_rollup_reads_the_same_number_of_queries_for_few_or_many_rows(data, org):
    plan, kpi, (ann, _, _) = data

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            rollup.compute(plan, 1, today=TODAY)
        return len(ctx.captured_queries)

    few = queries()
    Actual.objects.bulk_create(
        Actual(
            kpi=kpi["revenue"],
            org_unit=org.team_a1,
            seller=ann,
            date=dt.date(2028, 1, 1) + dt.timedelta(days=d),
            value=D("1"),
        )
        for d in range(0, 29)  # 1–29 January: the fixture's rows are on the 31st
    )
    assert queries() == few


def test_change_against_the_previous_quarter(data, org):
    plan, kpi, (ann, _, _) = data
    rollup.save(plan, 1, today=TODAY)
    for p in FiscalCalendar.load().rules.periods(2028)[3:6]:
        KPITarget.objects.create(
            kpi=kpi["revenue"], org_unit=org.region_a, fiscal_year=2028, period=p.period, value=D("10000")
        )
        Actual.objects.create(
            kpi=kpi["revenue"], org_unit=org.team_a1, seller=ann, date=p.end, value=D("9000")
        )
    rollup.save(plan, 2, today=TODAY)
    q2 = rows_of(plan, 2)["revenue", "region-a"]
    assert (q2.attainment, q2.change) == (D("0.9000"), D("0.1000"))  # 80% → 90%


def test_a_february_year_rolls_up_after_april_july_october_and_january():
    rules = FiscalYearRules(start_month=2, naming="end")
    fired = []
    day = dt.date(2027, 2, 2)  # the day after FY2027 (Feb 2026 – Jan 2027) closed
    while day < dt.date(2028, 3, 1):
        ended = [
            due
            for due in rollup.quarters_due(rules, day)
            if due != (rules.locate(day).fiscal_year, rules.locate(day).quarter)
        ]
        fired += [(day, *due) for due in ended]
        day += dt.timedelta(days=1)
    assert fired == [
        (dt.date(2027, 5, 1), 2028, 1),  # FY2028 Q1 = Feb–Apr 2027
        (dt.date(2027, 8, 1), 2028, 2),
        (dt.date(2027, 11, 1), 2028, 3),
        (dt.date(2028, 2, 1), 2028, 4),  # Q4 ends with January
    ]
    assert rollup.quarters_due(rules, dt.date(2027, 6, 15)) == [(2028, 2)]  # mid-quarter: the one in progress


def test_the_beat_schedule_lives_in_one_place():
    from aop.celery import app

    entry = app.conf.beat_schedule["quarterly-rollups"]
    assert entry["task"] == "metrics.tasks.schedule_rollups"
    assert entry["schedule"] == crontab(hour=2, minute=30)


def test_the_task_marks_its_run_and_mails_the_leaders_their_flags(data, people, monkeypatch):
    plan, _, _ = data
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)  # the task rolls up as of today
    KPI.objects.filter(code="revenue").update(alert_threshold=D("90"))  # 80% is now off track
    from orgs.models import Membership, Role

    Membership.objects.create(user=people.sibling, org_unit=plan.org_unit, role=Role.SALES_LEADER)
    run = RollupRun.objects.create(plan=plan, quarter=1)
    assert rollup_quarter.apply(args=[run.pk]).get() == "done"
    run.refresh_from_db()
    assert run.status == "done" and run.rows > 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [people.sibling.email]
    assert "Revenue: off track, 80% of target" in mail.outbox[0].body
    assert f"/plans/{plan.pk}/metrics/review/?q=1" in mail.outbox[0].body


def test_the_review_page_and_an_adjustment_needs_a_reopened_plan(client, data, people):
    plan, kpi, _ = data
    rollup.save(plan, 1, today=TODAY)
    client.force_login(people.ops)
    page = client.get(reverse("metrics:qbr", args=[plan.pk]) + "?q=1").content.decode()
    assert (
        "Q1 business review" in page
        and "Win rate" in page
        and "Partial 67%" in page
        and "Run rollup now" in page
    )
    Plan.objects.filter(pk=plan.pk).update(status="approved")
    plan.refresh_from_db()
    with pytest.raises(InvalidTransitionError, match="Reopen the plan"):
        services.target_adjust(
            actor=people.ops, plan=plan, quarter=1, kpi=kpi["revenue"], period=2, value="45000", reason="x"
        )
    Plan.objects.filter(pk=plan.pk).update(status="draft", revision=2)
    plan.refresh_from_db()
    services.target_adjust(
        actor=people.ops,
        plan=plan,
        quarter=1,
        kpi=kpi["revenue"],
        period=4,
        value="35000",
        reason="New logo slipped",
    )
    assert KPITarget.objects.get(
        kpi=kpi["revenue"], org_unit=plan.org_unit, seller=None, period=4
    ).value == D("35000")
    page = client.get(reverse("metrics:qbr", args=[plan.pk]) + "?q=1").content.decode()
    assert "New logo slipped" in page and "35000" in page


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_computes_the_rollup_over_redis(org, people):
    year = timezone.localdate().year - 1  # a year already over when the worker rolls it up (January start)
    plan = Plan.objects.create(org_unit=org.team_a1, fiscal_year=year)
    # A transactional test may run after another one flushed the seeded catalogue.
    revenue = KPI.objects.get_or_create(code="revenue", defaults={"name": "Revenue", "unit": "currency"})[0]
    Actual.objects.create(kpi=revenue, org_unit=org.team_a1, date=dt.date(year, 1, 15), value=D("5000"))
    KPITarget.objects.create(kpi=revenue, org_unit=org.team_a1, fiscal_year=year, period=1, value=D("10000"))
    run = RollupRun.objects.create(plan=plan, quarter=1)
    env = os.environ | {"DATABASE_URL": _test_database_url()}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "aop", "worker", "--pool=solo", "--concurrency=1",
         "--queues=celery,imports,reports",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        rollup_quarter.delay(run.pk)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in ("done", "failed"):
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert run.status == "done", output[-2000:]
    row = QuarterlyRollup.objects.get(plan=plan, quarter=1, kpi=revenue, org_unit=org.team_a1, seller=None)
    assert (row.actual, row.attainment) == (D("5000.0000"), D("0.5000"))


def _test_database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_a_review_opens_on_the_last_finished_quarter(db):
    from metrics.qbr import default_quarter

    # FY2028 is calendar 2028 (January start): quarters end on 31 Mar, 30 Jun, 30 Sep and 31 Dec.
    assert default_quarter(2028, dt.date(2027, 12, 1)) == 1  # the year has not begun: its first quarter
    assert default_quarter(2028, dt.date(2028, 2, 10)) == 1  # Q1 in progress and none finished
    assert default_quarter(2028, dt.date(2028, 5, 15)) == 1  # Q2 in progress: Q1 is the last finished
    assert default_quarter(2028, dt.date(2028, 12, 31)) == 3  # Q4 in progress on its last day
    assert default_quarter(2028, dt.date(2029, 1, 2)) == 4  # the year has ended


def test_the_quarter_in_progress_is_labelled_so(client, data, people, monkeypatch):
    plan, _, _ = data
    monkeypatch.setattr(timezone, "localdate", lambda *args: dt.date(2028, 5, 15))  # inside Q2 of FY2028
    client.force_login(people.ops)
    page = client.get(reverse("metrics:qbr", args=[plan.pk])).content.decode()
    assert "Q1 business review" in page  # opens on the last finished quarter
    assert "Q2 review · in progress" in page and "Q1 review · in progress" not in page
    tab = client.get(reverse("metrics:plan", args=[plan.pk])).content.decode()
    assert "Q2 review · in progress" in tab
