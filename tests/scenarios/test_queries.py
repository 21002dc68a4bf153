"""Scenario reads cost a fixed number of queries, whatever the number of sellers or scenarios."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from scenarios import services
from scenarios.outcomes import outcomes
from tests.conftest import api_as
from tests.factories import SellerFactory

HIRES = [{"count": 2, "start_month": 4, "monthly_quota": 50000}]


def queries(call) -> int:
    with CaptureQueriesContext(connection) as context:
        call()
    return len(context.captured_queries)


def test_outcomes_cost_the_same_for_10_or_30_sellers(team_plan, people, org):
    scenario = services.scenario_create(
        actor=people.leader, plan=team_plan, name="A", assumptions={"hires": HIRES, "buffer_percent": 5}
    )
    outcomes(scenario)  # the calendar and settings are cached from the first read on
    few = queries(lambda: outcomes(scenario))
    for _ in range(20):
        SellerFactory(org_unit=org.team_a1)
    assert queries(lambda: outcomes(scenario)) == few


def test_the_list_endpoint_costs_the_same_for_1_or_8_scenarios(team_plan, people):
    client = api_as(people.viewer)
    services.scenario_create(actor=people.leader, plan=team_plan, name="S0")
    client.get("/api/scenarios/")  # the viewer's memberships are cached from the first request on
    one = queries(lambda: client.get("/api/scenarios/"))
    for i in range(1, 8):
        services.scenario_create(actor=people.leader, plan=team_plan, name=f"S{i}")
    assert queries(lambda: client.get("/api/scenarios/")) == one
