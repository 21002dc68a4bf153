"""Scenarios over the API: read by whoever reads the plan, the detail carrying the outcomes; branched,
edited, deleted, refreshed and promoted by the plan's leaders through scenarios.services (403 to its
readers, 404 to everyone else), with the project's answers: invalid 400 naming the field, stale 409."""

from decimal import Decimal as D

import pytest

from budgets.models import Budget, BudgetLine
from core.models import AuditEntry
from planning.models import Plan
from planning.services import plan_update
from planning.snapshot import plan_snapshot
from scenarios import services
from scenarios.models import Scenario
from tests.conftest import api_as

HIRES = [{"count": 2, "start_month": 4, "ramp": [0, 25, 50, 75, 100], "monthly_quota": 50000}]
COMMENT = "from scenario “Bigger buffer”"


def branch(people, plan, name: str = "Two hires", **assumptions) -> Scenario:
    return services.scenario_create(actor=people.leader, plan=plan, name=name, assumptions=assumptions)


def plan_state(plan) -> tuple:
    """Everything a refused write must leave as it was: the plan, its history, the budget's lines."""
    plan = Plan.objects.get(pk=plan.pk)
    amounts = list(BudgetLine.objects.order_by("pk").values_list("amount", flat=True))
    return plan.version, plan_snapshot(plan), AuditEntry.objects.count(), amounts


def scenario_state(scenario) -> tuple:
    s = Scenario.objects.get(pk=scenario.pk)
    return s.version, s.name, s.notes, s.assumptions, s.base_version


@pytest.fixture
def lines(team_plan):
    """Team A1's budget: Events 600, Coaching 400 (1,000 in all)."""
    budget = Budget.objects.create(plan=team_plan, total=D("1000"))
    line = BudgetLine.objects.create
    return (
        line(plan=team_plan, budget=budget, name="Events", category="programs", amount=D("600")),
        line(plan=team_plan, budget=budget, name="Coaching", category="enablement", amount=D("400")),
    )


# --- reading ----------------------------------------------------------------------------------------


def test_a_reader_lists_the_plans_scenarios_and_reads_one_with_its_outcomes(team_plan, people):
    scenario = branch(people, team_plan, hires=HIRES)
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
    scenario = branch(people, team_plan)
    for who in (people.sibling, people.outsider):
        assert api_as(who).get(f"/api/scenarios/{scenario.pk}/").status_code == 404
        assert api_as(who).get("/api/scenarios/").data["results"] == []
    assert api_as(None).get("/api/scenarios/").status_code == 401


def test_a_bad_plan_filter_answers_400(team_plan, people):
    assert api_as(people.viewer).get("/api/scenarios/?plan=abc").status_code == 400


# --- create, update, delete -------------------------------------------------------------------------


def test_the_leader_branches_a_scenario_and_gets_it_back_with_its_outcomes(team_plan, people):
    body = {"plan": team_plan.pk, "name": "Two hires", "notes": "Q2 hiring", "assumptions": {"hires": HIRES}}
    response = api_as(people.leader).post("/api/scenarios/", body, format="json")
    assert response.status_code == 201, response.data
    scenario = Scenario.objects.get()
    assert response.data["id"] == scenario.pk and response.data["created_by"] == "leader"
    assert (response.data["version"], response.data["base_version"]) == (1, team_plan.version)
    result = response.data["outcomes"]
    # Capacity 133 seller-months × 50,000 = 6,650,000 over the 7,000,000 target: coverage 0.95.
    assert (result["capacity"], result["coverage"]) == ("6650000.00", "0.9500")
    # New business needed: ARR 10,000,000 × (20% growth + 8% churn) = 2,800,000.
    assert result["new_business_needed"] == "2800000.00"


def test_a_bad_assumption_answers_400_naming_the_field_and_creates_nothing(team_plan, people):
    hires = [{**HIRES[0], "start_month": 13}]
    body = {"plan": team_plan.pk, "name": "Late hires", "assumptions": {"hires": hires}}
    response = api_as(people.leader).post("/api/scenarios/", body, format="json")
    assert response.status_code == 400
    assert [m.split(":")[0] for m in response.data["assumptions"]] == ["hires[0].start_month"]
    assert not Scenario.objects.exists()


def test_a_duplicate_name_and_a_blank_name_answer_400(team_plan, people):
    branch(people, team_plan)
    client = api_as(people.leader)
    duplicate = client.post("/api/scenarios/", {"plan": team_plan.pk, "name": "Two hires"}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.data["non_field_errors"] == ["This plan already has a scenario with that name."]
    blank = client.post("/api/scenarios/", {"plan": team_plan.pk, "name": ""}, format="json")
    assert blank.status_code == 400 and "name" in blank.data
    assert Scenario.objects.count() == 1


def test_creating_on_a_plan_one_cannot_read_answers_400_on_the_plan_as_for_a_plan_that_is_not(
    team_plan, people
):
    for who in (people.sibling, people.outsider):
        response = api_as(who).post("/api/scenarios/", {"plan": team_plan.pk, "name": "Mine"}, format="json")
        assert response.status_code == 400 and list(response.data) == ["plan"]
    missing = api_as(people.leader).post("/api/scenarios/", {"plan": 999999, "name": "x"}, format="json")
    assert missing.status_code == 400 and list(missing.data) == ["plan"]
    assert not Scenario.objects.exists()


def test_the_leader_edits_a_scenario_and_the_outcomes_follow(team_plan, people):
    scenario = branch(people, team_plan)
    url = f"/api/scenarios/{scenario.pk}/"
    body = {"version": 1, "name": "Ten percent", "assumptions": {"buffer_percent": "10"}}
    response = api_as(people.leader).patch(url, body, format="json")
    assert response.status_code == 200, response.data
    # 7,000,000 × (1 + 10%) = 7,700,000 to split.
    assert response.data["outcomes"]["assigned"] == "7700000.00"
    assert (response.data["name"], response.data["version"]) == ("Ten percent", 2)
    put = {"version": 2, "name": "Twelve percent", "assumptions": {"buffer_percent": 12}}
    response = api_as(people.leader).put(url, put, format="json")
    # 7,000,000 × 1.12 = 7,840,000.
    assert response.status_code == 200 and response.data["outcomes"]["assigned"] == "7840000.00"
    assert scenario_state(scenario) == (3, "Twelve percent", "", {"buffer_percent": 12}, team_plan.version)


def test_an_update_with_a_stale_version_answers_409_and_changes_nothing(team_plan, people):
    scenario = branch(people, team_plan, buffer_percent=10)
    services.scenario_update(actor=people.leader, scenario=scenario, version=1, notes="Read by someone else")
    before = scenario_state(scenario)
    body = {"version": 1, "name": "Mine", "assumptions": {"buffer_percent": 20}}
    response = api_as(people.leader).patch(f"/api/scenarios/{scenario.pk}/", body, format="json")
    assert response.status_code == 409
    assert (response.data["code"], response.data["current_version"]) == ("stale_version", 2)
    assert scenario_state(scenario) == before


def test_an_update_without_a_version_answers_400(team_plan, people):
    scenario = branch(people, team_plan)
    response = api_as(people.leader).patch(f"/api/scenarios/{scenario.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 400 and "version" in response.data
    assert Scenario.objects.get().name == "Two hires"


def test_the_leader_deletes_a_scenario_naming_the_version_read(team_plan, people):
    scenario = branch(people, team_plan)
    client = api_as(people.leader)
    url = f"/api/scenarios/{scenario.pk}/"
    assert client.delete(url).status_code == 400  # no ?version=
    stale = client.delete(f"{url}?version=2")
    assert stale.status_code == 409 and stale.data["current_version"] == 1
    assert client.delete(f"{url}?version=1").status_code == 204
    assert not Scenario.objects.exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DELETED, object_repr="Two hires").exists()


# --- refresh and promote ----------------------------------------------------------------------------


def test_refresh_rebases_the_scenario_on_the_plan_as_it_is_now(team_plan, people):
    scenario = branch(people, team_plan, buffer_percent=12)
    team_plan = plan_update(actor=people.leader, plan=team_plan, version=team_plan.version, summary="Edited")
    url = f"/api/scenarios/{scenario.pk}/refresh/"
    assert api_as(people.leader).post(url, {"version": 9}, format="json").status_code == 409
    response = api_as(people.leader).post(url, {"version": 1}, format="json")
    assert response.status_code == 200
    assert (response.data["base_version"], response.data["version"]) == (team_plan.version, 2)
    assert response.data["assumptions"] == {"buffer_percent": 12}


def test_promote_writes_history_from_the_scenario_and_the_plan_takes_its_buffer(team_plan, people, lines):
    scenario = branch(
        people,
        team_plan,
        name="Bigger buffer",
        buffer_percent="12.5",
        budget_moves=[{"source": lines[0].pk, "target": lines[1].pk, "amount": 100}],
    )
    entries = AuditEntry.objects.count()
    url = f"/api/scenarios/{scenario.pk}/promote/"
    response = api_as(people.leader).post(url, {"version": scenario.version}, format="json")
    assert response.status_code == 200, response.data
    changes = response.data["changes"]
    assert [(c["key"], c["scenario"]) for c in changes] == [
        ("buffer_percent", "12.5%"),
        ("budget_moves", "$100.00 from Events to Coaching"),
    ]
    team_plan.refresh_from_db()
    after = response.data["scenario"]
    assert team_plan.buffer_percent == D(after["outcomes"]["buffer_percent"]) == D("12.5")
    # 7,000,000 × 1.125 = 7,875,000 assigned, by the scenario and now by the plan.
    assert after["outcomes"]["assigned"] == "7875000.00"
    assert after["base_version"] == team_plan.version and "budget_moves" not in after["assumptions"]
    new = AuditEntry.objects.order_by("pk")[entries:]
    assert {e.content_type.model for e in new if COMMENT in e.comment} >= {"plan", "move"}
    # Events 600 − 100 = 500, Coaching 400 + 100 = 500.
    assert [line.amount for line in BudgetLine.objects.order_by("pk")] == [D("500"), D("500")]


def test_promote_over_a_conflicting_plan_edit_answers_400_and_changes_nothing(team_plan, people, lines):
    scenario = branch(
        people,
        team_plan,
        name="Bigger buffer",
        buffer_percent=12,
        budget_moves=[{"source": lines[0].pk, "target": lines[1].pk, "amount": 100}],
    )
    plan_update(actor=people.leader, plan=team_plan, version=team_plan.version, buffer_percent=D("7"))
    before, mine = plan_state(team_plan), scenario_state(scenario)
    url = f"/api/scenarios/{scenario.pk}/promote/"
    response = api_as(people.leader).post(url, {"version": scenario.version}, format="json")
    assert response.status_code == 400
    assert response.data["non_field_errors"] == [
        "Buffer: the plan changed since the branch; it is 7% now, the scenario's is 12%. "
        "Refresh the scenario to promote it over the plan as it is."
    ]
    assert plan_state(team_plan) == before and scenario_state(scenario) == mine


def test_promote_with_a_stale_or_missing_version_changes_nothing(team_plan, people, lines):
    scenario = branch(people, team_plan, name="Bigger buffer", buffer_percent=12)
    before = plan_state(team_plan)
    client, url = api_as(people.leader), f"/api/scenarios/{scenario.pk}/promote/"
    stale = client.post(url, {"version": 2}, format="json")
    assert stale.status_code == 409 and stale.data["current_version"] == 1
    assert client.post(url, {}, format="json").status_code == 400
    assert plan_state(team_plan) == before


# --- who may ----------------------------------------------------------------------------------------


def writes(scenario, plan) -> list[tuple[str, str, dict]]:
    url = f"/api/scenarios/{scenario.pk}/"
    return [
        ("post", "/api/scenarios/", {"plan": plan.pk, "name": "Mine"}),
        ("patch", url, {"version": 1, "name": "Mine"}),
        ("put", url, {"version": 1, "name": "Mine"}),
        ("delete", f"{url}?version=1", {}),
        ("post", f"{url}promote/", {"version": 1}),
        ("post", f"{url}refresh/", {"version": 1}),
    ]


def test_a_reader_who_may_not_edit_gets_403_with_the_services_message_and_nothing_changes(
    team_plan, people, lines
):
    """Which role may write what is the services' (sales ops promote growth and churn): the API asks them."""
    scenario = branch(people, team_plan, name="Bigger buffer", buffer_percent=12)
    before, mine = plan_state(team_plan), scenario_state(scenario)
    for who, routes in (
        (people.viewer, writes(scenario, team_plan)),
        (people.executive, writes(scenario, team_plan)),
        (people.ops, writes(scenario, team_plan)[:4]),  # create, edit, delete: the unit's leaders only
    ):
        for method, url, body in routes:
            response = getattr(api_as(who), method)(url, body, format="json")
            assert response.status_code == 403, (who, method, url)
            assert response.data["detail"].startswith("Only the unit's sales leaders"), response.data
    assert plan_state(team_plan) == before and scenario_state(scenario) == mine
    assert Scenario.objects.count() == 1


def test_someone_who_cannot_read_the_plan_gets_404_on_every_write_of_its_scenarios(team_plan, people):
    scenario = branch(people, team_plan)
    mine = scenario_state(scenario)
    for who in (people.sibling, people.outsider):
        for method, url, body in writes(scenario, team_plan)[1:]:
            response = getattr(api_as(who), method)(url, body, format="json")
            assert response.status_code == 404, (who, method, url)
    assert scenario_state(scenario) == mine
    for method, url, body in writes(scenario, team_plan):
        assert getattr(api_as(None), method)(url, body, format="json").status_code == 401
