"""A review page waiting on a rollup shows its figures by itself once the run ends: the page polls the
run, and the answer that says it ended reloads the page (no manual reload). Team A1's FY2026 Q3 (July to
September): revenue targets of 1,000 a month, actuals of 900 a month."""

import datetime as dt
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from metrics import tasks
from metrics.models import KPI, Actual, KPITarget, RollupRun
from tests.factories import PlanFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalogues")]


def test_the_review_table_fills_in_when_the_rollup_ends(open_as, live_server, org, people):
    plan = PlanFactory(org_unit=org.team_a1, fiscal_year=2026)
    revenue = KPI.objects.get(code="revenue")
    for period in (7, 8, 9):
        KPITarget.objects.create(
            kpi=revenue, org_unit=org.team_a1, fiscal_year=2026, period=period, value=D("1000")
        )
        Actual.objects.create(
            kpi=revenue, org_unit=org.team_a1, date=dt.date(2026, period, 1), value=D("900")
        )
    run = RollupRun.objects.create(plan=plan, quarter=3, requested_by=people.ops)  # queued: no worker yet
    page = open_as("leader")
    page.goto(f"{live_server.url}/plans/{plan.pk}/metrics/review/?q=3")
    expect(page.locator("#run-status")).to_contain_text("Queued")
    section = page.locator("section[aria-labelledby=plan-kpis]")
    expect(section).to_contain_text("No rollup yet for Q3")
    tasks.rollup_quarter(run.pk)  # the worker's job, run while the page waits
    table = section.locator("table")
    expect(table).to_contain_text("Revenue", timeout=10_000)
    expect(table).to_contain_text("$2,700")
    expect(table).to_contain_text("90.0%")
    expect(page.locator("#run-status")).to_contain_text("Computed")
