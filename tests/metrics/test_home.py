"""The home page by role: a leader's units with their figures and what waits for them, the executive's
approval queue and regions, sales ops' gaps. Team A1 and Team A2 plan FY2026 (January to December; the
test reads the home page as of 30 June 2026): revenue targets of 1,000 a month each, and actuals of 900 a
month (Team A1) and 1,100 a month (Team A2) from January to June."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse

from metrics import dashboard
from metrics.models import KPI, Actual, KPITarget
from orgs.models import Role
from planning.models import Plan, SalesTarget, TargetSubmission
from tests.factories import MembershipFactory, PlanFactory, SellerFactory, UserFactory

TODAY = dt.date(2026, 6, 30)


@pytest.fixture
def plans(org, people):
    revenue = KPI.objects.get(code="revenue")
    result = {}
    for unit, monthly in ((org.team_a1, D("900")), (org.team_a2, D("1100"))):
        plan = PlanFactory(org_unit=unit, fiscal_year=2026)
        SalesTarget.objects.create(plan=plan, name="Revenue", new_business=D("20000"))
        for period in range(1, 13):
            KPITarget.objects.create(
                kpi=revenue, org_unit=unit, fiscal_year=2026, period=period, value=D("1000")
            )
        for month in range(1, 7):
            Actual.objects.create(kpi=revenue, org_unit=unit, date=dt.date(2026, month, 1), value=monthly)
        result[unit.code] = plan
    for _ in range(2):
        SellerFactory(org_unit=org.team_a1, monthly_quota=D("1000"), start_date=dt.date(2024, 1, 1))
    return result


def test_a_leaders_units_show_target_capacity_revenue_to_date_and_the_trend(plans, people):
    rows = dashboard.unit_rows([plans["team-a1"]], TODAY)
    [row] = rows
    assert row.target == D("20000") and row.capacity == D("24000") and row.coverage == D("1.2")
    assert row.revenue.actual == D("5400") and row.revenue.expected == D("6000")
    assert row.revenue.attainment == D("0.9") and row.revenue.status == "at_risk"
    assert [label for label, _ in row.trend] == ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026"]
    assert {v for _, v in row.trend} == {D("0.9")}
    assert row.steps == [("Alignment", False), ("Capabilities", False), ("Budget", False), ("Metrics", False)]


def test_the_leaders_home_lists_what_waits_for_them(client, org, people, plans):
    region = PlanFactory(org_unit=org.region_a, fiscal_year=2026)
    region_lead = UserFactory(username="region_lead")
    MembershipFactory(user=region_lead, org_unit=org.region_a, role=Role.SALES_LEADER)
    submitted = TargetSubmission.Status.SUBMITTED
    TargetSubmission.objects.create(plan=plans["team-a2"], amount=D("21000"), status=submitted)
    sent_back = TargetSubmission.Status.SENT_BACK
    TargetSubmission.objects.create(plan=plans["team-a1"], amount=D("19000"), status=sent_back)
    client.force_login(region_lead)
    page = client.get(reverse("planning:home")).content.decode()
    decide = reverse("planning:targets", args=[region.pk]) + "#bottom-up"
    assert f'<a href="{decide}">Team A2 submitted its number for FY2026</a>' in page
    client.force_login(people.leader)  # team A1's leader
    page = client.get(reverse("planning:home")).content.decode()
    assert "Team A1 FY2026 — your number was sent back" in page
    assert "Team A2 submitted" not in page


def test_region_attainment_adds_up_the_plans_below_it(org, people, plans):
    [bar] = dashboard._region_bars([org.region_a], 2026, TODAY)
    assert bar["attainment"] == D("1")  # (5,400 + 6,600) ÷ (6,000 + 6,000)
    assert bar["status"] == "on_track" and bar["plans"] == 2


def test_the_executives_home_queues_plans_in_review_with_their_figures(client, people, plans):
    Plan.objects.filter(pk=plans["team-a2"].pk).update(status=Plan.Status.IN_REVIEW)
    client.force_login(people.executive)
    page = client.get(reverse("planning:home")).content.decode()
    assert "Waiting for your approval" in page and "Team A2 FY2026" in page
    assert "$20K" in page  # its target, compact, the exact amount on hover
    assert 'title="$20,000.00"' in page
    assert "Revenue attainment by region" in page and "Top risks" in page
