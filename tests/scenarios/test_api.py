"""Scenarios over the API: read only, for whoever reads the plan; the detail carries the outcomes."""

from decimal import Decimal as D

from scenarios import services
from tests.conftest import api_as

HIRES = [{"count": 2, "start_month": 4, "ramp": [0, 25, 50, 75, 100], "monthly_quota": 50000}]


def test_a_reader_lists_the_plans_scenarios_and_reads_one_with_its_outcomes(team_plan, people):
    scenario = services.scenario_create(
        actor=people.leader, plan=team_plan, name="Two hires", assumptions={"hires": HIRES}
    )
    listing = api_as(people.viewer).get(f"/api/scenarios/?plan={team_plan.pk}")
    assert listing.status_code == 200
    assert [row["name"] for row in listing.data["results"]] == ["Two hires"]
    detail = api_as(people.viewer).get(f"/api/scenarios/{scenario.pk}/").data
    result = detail["outcomes"]
    # 120 seller-months of the ten sellers + 2 × 6.5 of the hires = 133, × 50,000 = 6,650,000.
    assert (result["seller_months"], result["capacity"], result["coverage"]) == (
        "133.0000",
        "6650000.00",
        "0.9500",
    )
    assert result["new_business_needed"] == "2800000.00" and result["capacity_rows"][0]["headcount"] == 12
    assert D(result["annual_target"]) == D("7000000")


def test_someone_who_cannot_read_the_plan_gets_404_and_an_empty_list(team_plan, people):
    scenario = services.scenario_create(actor=people.leader, plan=team_plan, name="Two hires")
    for who in (people.sibling, people.outsider):
        assert api_as(who).get(f"/api/scenarios/{scenario.pk}/").status_code == 404
        assert api_as(who).get("/api/scenarios/").data["results"] == []
    assert api_as(None).get("/api/scenarios/").status_code == 401


def test_the_api_is_read_only_in_this_slice(team_plan, people):
    scenario = services.scenario_create(actor=people.leader, plan=team_plan, name="Two hires")
    client = api_as(people.leader)
    assert (
        client.post("/api/scenarios/", {"plan": team_plan.pk, "name": "x"}, format="json").status_code == 405
    )
    assert client.delete(f"/api/scenarios/{scenario.pk}/").status_code == 405


def test_a_bad_plan_filter_answers_400(team_plan, people):
    assert api_as(people.viewer).get("/api/scenarios/?plan=abc").status_code == 400
