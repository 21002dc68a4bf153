"""The Step 1 pages and endpoints cost the same number of queries for 10 or 500 objectives."""

from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning import cascade
from planning.models import Initiative, Objective, Risk, SalesTarget, Strategy
from tests.conftest import api_as
from tests.factories import SellerFactory


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return len(ctx.captured_queries)


def grow(plan, objectives: int) -> None:
    """Add `objectives` objectives, each with a strategy, an initiative, a risk and a linked target."""
    start = Objective.objects.filter(plan=plan).count()
    made = Objective.objects.bulk_create(
        Objective(plan=plan, title=f"Objective {start + n}", weight=D("1")) for n in range(objectives)
    )
    strategies = Strategy.objects.bulk_create(Strategy(plan=plan, title=f"S {o.title}") for o in made)
    initiatives = Initiative.objects.bulk_create(Initiative(plan=plan, title=f"I {o.title}") for o in made)
    sales = SalesTarget.objects.bulk_create(
        SalesTarget(plan=plan, name=o.title, new_business=1) for o in made
    )
    Risk.objects.bulk_create(Risk(plan=plan, title=f"R {o.title}") for o in made)
    for objective, strategy, initiative, target in zip(made, strategies, initiatives, sales, strict=True):
        strategy.objectives.add(objective)
        initiative.objectives.add(objective)
        target.objectives.add(objective)


def test_the_alignment_and_targets_pages_and_objectives_endpoint_at_10_and_500(
    client, org, people, region_plan, region_lead
):
    for unit in (org.team_a1, org.team_a2):
        SellerFactory(org_unit=unit)
    region_plan.refresh_from_db()
    cascade.cascade_run(
        actor=region_lead,
        plan=region_plan,
        version=region_plan.version,
        method="equal",
        level="units",
        buffer_percent=None,
    )
    client.force_login(region_lead)

    def measure():
        user = type(region_lead).objects.get(pk=region_lead.pk)  # each request loads its user anew
        return (
            queries(lambda: client.get(reverse("planning:alignment", args=[region_plan.pk]))),
            queries(lambda: client.get(reverse("planning:targets", args=[region_plan.pk]))),
            queries(lambda: api_as(user).get(f"/api/objectives/?plan={region_plan.pk}&page_size=500")),
            queries(lambda: api_as(user).get(f"/api/initiatives/?plan={region_plan.pk}&page_size=500")),
        )

    grow(region_plan, 10)
    small = measure()
    grow(region_plan, 490)
    assert Objective.objects.filter(plan=region_plan).count() == 500
    assert measure() == small
