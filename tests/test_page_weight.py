"""plotly.js (4.8 MB; 1.1 MB with brotli, served with a hashed name and cached for a year in production) is
loaded only by the pages that draw charts: the home page and the grid pages stay a few kilobytes."""

from decimal import Decimal as D

from django.urls import reverse

from budgets import services as budget_services
from tests.factories import PlanFactory

PLOTLY = b"vendor/plotly.min.js"


def test_plotly_loads_only_where_there_is_a_chart(client, org, people):
    plan = PlanFactory(org_unit=org.team_a1)
    budget_services.budget_create(actor=people.leader, plan=plan, total=D("100000"))
    client.force_login(people.leader)
    without = ["planning:home", "planning:targets", "metrics:plan", "planning:alignment"]
    for name in without:
        url = reverse(name, args=[plan.pk]) if name != "planning:home" else reverse(name)
        body = client.get(url).content
        assert PLOTLY not in body, name
        assert len(body) < 60_000, (name, len(body))
    for name in ["budgets:plan", "capabilities:plan", "metrics:qbr"]:
        assert PLOTLY in client.get(reverse(name, args=[plan.pk])).content, name
