"""The pages that read KPIs cost the same number of queries for a small plan and one ten times its size:
2 and 20 KPIs, 3 and 30 teams (each with a seller), 2 and 20 budget lines."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from budgets import services as budget_services
from metrics import rollup
from metrics.models import KPI, Actual, ChurnPolicy, KPITarget
from onepager import content
from orgs.models import FiscalCalendar, Role
from planning.models import Objective, PlanningSettings
from tests.conftest import api_as
from tests.factories import MembershipFactory, OrgUnitFactory, PlanFactory, SellerFactory

AGGREGATIONS = ["last", "sum", "average"]  # both sizes have a last-value KPI


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.fixture
def plan(org, people):
    """Region A's plan for the fiscal year in progress, with a churn policy, a budget and a leader."""
    rules = FiscalCalendar.load().rules
    PlanningSettings.load()  # made on first use: not part of what a page costs
    plan = PlanFactory(org_unit=org.region_a, fiscal_year=rules.fiscal_year_of(timezone.localdate()))
    MembershipFactory(user=people.leader, org_unit=org.region_a, role=Role.SALES_LEADER)
    ChurnPolicy.objects.create(plan=plan, allowance=D("10"))
    budget_services.budget_create(actor=people.leader, plan=plan, total=D("10000000"))
    return plan


def grow(plan, people, *, kpis: int, teams: int, lines: int) -> None:
    """Add KPIs linked to an objective with monthly targets, teams with a seller and actuals in every
    month so far, and budget lines; then roll up the quarter in progress."""
    rules = FiscalCalendar.load().rules
    today = timezone.localdate()
    months = [p for p in rules.periods(plan.fiscal_year) if p.start <= today]
    objective = Objective.objects.create(plan=plan, title=f"Objective {Objective.objects.count()}")
    new_kpis = []
    for i in range(kpis):
        n = KPI.objects.count()
        kpi = KPI.objects.create(
            code=f"k{n}", name=f"KPI {n}", aggregation=AGGREGATIONS[i % 3], review_cadence="monthly"
        )
        kpi.objectives.add(objective)
        new_kpis.append(kpi)
        KPITarget.objects.bulk_create(
            KPITarget(
                kpi=kpi, org_unit=plan.org_unit, fiscal_year=plan.fiscal_year, period=p.period, value=100
            )
            for p in rules.periods(plan.fiscal_year)
        )
    for _ in range(teams):
        team = OrgUnitFactory(parent=plan.org_unit)
        seller = SellerFactory(org_unit=team)
        Actual.objects.bulk_create(
            Actual(kpi=kpi, org_unit=team, seller=seller, date=p.start, value=D("7.5"))
            for kpi in KPI.objects.filter(code__startswith="k")
            for p in months
        )
    budget = plan.budget
    for _ in range(lines):
        budget_services.line_create(
            actor=people.leader,
            budget=budget,
            values={
                "name": f"Line {budget.lines.count()}",
                "category": "programs",
                "expected_value": D(1000),
            },
            opening=D("1000"),
        )
    rollup.save(plan, rules.locate(min(today, months[-1].end)).quarter)


def costs(client, plan, people) -> dict[str, int]:
    rules = FiscalCalendar.load().rules
    quarter = rules.locate(timezone.localdate()).quarter
    pages = {
        "metrics tab": reverse("metrics:plan", args=[plan.pk]),
        "review page": reverse("metrics:qbr", args=[plan.pk]) + f"?q={quarter}",
        "budget tab": reverse("budgets:plan", args=[plan.pk]),
        "one-pager tab": reverse("onepager:plan", args=[plan.pk]),
    }
    found = {}
    for name, url in pages.items():
        client.force_login(people.leader)
        found[name] = queries(lambda url=url: client.get(url))
    for who in ("leader", "ops", "executive"):
        client.force_login(getattr(people, who))
        found[f"home as {who}"] = queries(lambda: client.get(reverse("planning:home")))
    found["attainment API"] = queries(
        lambda: api_as(people.leader).get(f"/api/kpi-attainment/?plan={plan.pk}")
    )
    found["one-pager content"] = queries(lambda: content.build(plan))
    return found


def test_pages_that_read_kpis_cost_the_same_for_2_or_20_kpis_and_3_or_30_teams(client, plan, people):
    KPI.objects.update(active=False)  # the catalogue's KPIs would count for both sizes alike
    grow(plan, people, kpis=2, teams=3, lines=2)
    small = costs(client, plan, people)
    grow(plan, people, kpis=18, teams=27, lines=18)
    large = costs(client, plan, people)
    assert large == small
    assert all(count < 80 for count in small.values()), small


def test_the_numbers_behind_the_counts_are_there(client, plan, people):
    """The small plan's pages show what the count test measures, so equal counts are not empty pages."""
    KPI.objects.update(active=False)
    grow(plan, people, kpis=2, teams=3, lines=2)
    client.force_login(people.leader)
    page = client.get(reverse("metrics:plan", args=[plan.pk])).content.decode()
    assert "KPI " in page and "Objective 0" in page
    rows = api_as(people.leader).get(f"/api/kpi-attainment/?plan={plan.pk}").json()
    ytd = {r["kpi"]: r for r in rows if r["period"] == "YTD"}
    months = len(
        [p for p in FiscalCalendar.load().rules.periods(plan.fiscal_year) if p.start <= dt.date.today()]
    )
    # The summed KPI: three sellers × 7.5 in each month begun
    summed = KPI.objects.get(aggregation="sum", code__startswith="k")
    assert D(ytd[summed.code]["actual"]) == D("22.5") * months
