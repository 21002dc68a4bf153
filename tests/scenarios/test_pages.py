"""The plan's Scenarios tab: its list, a scenario's assumptions edited in place beside its outcomes, the
comparison; who may write, who only reads, who gets 404; and that none of it changes the plan.

Team A1's plan (conftest): ten sellers at 50,000 a month all year = 120 seller-months, capacity 6,000,000
against a target of 7,000,000 (coverage 0.86)."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import formatting
from planning.snapshot import plan_snapshot
from scenarios import services
from scenarios.models import Scenario
from scenarios.outcomes import hires_needed, outcomes
from tests.factories import PlanFactory, SellerFactory

# 2 hires from fiscal month 4 on a 0/25/50/75/100 ramp: months 4…12 give 0 + .25 + .5 + .75 + 5 × 1 = 6.5
# seller-months each, 13 for both → 133 seller-months, capacity 133 × 50,000 = 6,650,000 (+650,000).
HIRE_ROW = {
    "hire_count_0": "2",
    "hire_start_0": "4",
    "hire_quota_0": "50000",
    "hire_ramp_0": "0/25/50/75/100",
}


def tab_url(plan) -> str:
    return reverse("scenarios:plan", args=[plan.pk])


def page_url(scenario) -> str:
    return reverse("scenarios:detail", args=[scenario.plan_id, scenario.pk])


def branch(people, plan, name="More hires", **assumptions) -> Scenario:
    return services.scenario_create(actor=people.leader, plan=plan, name=name, assumptions=assumptions)


def edit_data(scenario, **values) -> dict:
    return {"version": scenario.version, "name": scenario.name, "notes": scenario.notes, **values}


def test_the_tab_lists_the_plans_scenarios_with_their_headline_figures(client, people, team_plan):
    branch(people, team_plan, hires=[{"count": 2, "start_month": 4, "monthly_quota": 50000}])
    branch(people, team_plan, name="Cautious year", growth_goal_percent=15, buffer_percent=15)
    client.force_login(people.leader)
    page = client.get(tab_url(team_plan)).content.decode()
    assert "More hires" in page and "Cautious year" in page
    assert formatting.money(D("6650000")) in page and "+" + formatting.money(D("650000")) in page
    assert "Branch a scenario" in page and 'name="s"' in page


def test_an_empty_tab_says_what_a_scenario_is(client, people, team_plan):
    client.force_login(people.leader)
    page = client.get(tab_url(team_plan)).content.decode()
    assert "No scenarios yet" in page and "It never changes the plan" in page


def test_a_leader_branches_then_edits_a_scenario_and_the_page_shows_its_outcomes(client, people, team_plan):
    before = plan_snapshot(team_plan)
    client.force_login(people.leader)
    response = client.post(reverse("scenarios:create", args=[team_plan.pk]), {"name": "More hires"})
    scenario = Scenario.objects.get(plan=team_plan)
    assert response.status_code == 302 and response["Location"] == page_url(scenario)
    response = client.post(page_url(scenario), edit_data(scenario, buffer_percent="12.5", **HIRE_ROW))
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.version == 2
    assert scenario.assumptions == {
        "buffer_percent": "12.5",
        "hires": [{"count": 2, "start_month": 4, "monthly_quota": 50000, "ramp": [0, 25, 50, 75, 100]}],
    }
    result = outcomes(scenario)
    assert result.seller_months == D("133") and result.capacity == D("6650000")
    page = client.get(page_url(scenario)).content.decode()
    for figure in (result.capacity, result.assigned, result.annual_target):
        assert formatting.money(figure) in page
    assert "+" + formatting.money(D("650000")) in page  # the difference from the plan's 6,000,000
    assert plan_snapshot(team_plan) == before


def test_a_stale_edit_is_refused_and_changes_nothing(client, people, team_plan):
    scenario = branch(people, team_plan)
    services.scenario_update(actor=people.leader, scenario=scenario, version=1, notes="Someone else's edit")
    client.force_login(people.leader)
    response = client.post(
        page_url(scenario), edit_data(scenario, version=1, buffer_percent="30"), follow=True
    )
    assert "was changed by someone else" in response.content.decode()
    scenario.refresh_from_db()
    assert (scenario.version, scenario.assumptions) == (2, {})


def test_an_invalid_hire_row_shows_the_schemas_message_and_changes_nothing(client, people, team_plan):
    scenario = branch(people, team_plan)
    client.force_login(people.leader)
    response = client.post(page_url(scenario), edit_data(scenario, **{**HIRE_ROW, "hire_start_0": "13"}))
    assert response.status_code == 422
    page = response.content.decode()
    message = "hires[0].start_month: the fiscal start month must be a whole number from 1 to 12; got 13."
    assert message in page
    field = page.index('id="id_hire_start_0"')
    assert field < page.index(message) < page.index('id="id_hire_quota_0"')  # beside its field
    scenario.refresh_from_db()
    assert (scenario.version, scenario.assumptions) == (1, {})


def test_a_leader_deletes_a_scenario(client, people, team_plan):
    scenario = branch(people, team_plan)
    client.force_login(people.leader)
    response = client.post(reverse("scenarios:delete", args=[team_plan.pk, scenario.pk]), {"version": 1})
    assert response.status_code == 302 and response["Location"] == tab_url(team_plan)
    assert not Scenario.objects.exists()


def test_the_solver_answers_with_the_engines_count(client, people, team_plan):
    scenario = branch(people, team_plan)
    client.force_login(people.leader)
    page = client.get(page_url(scenario), {"coverage": "1.2", "start_month": "1"}).content.decode()
    count = hires_needed(scenario, coverage=D("1.2"), start_month=1)
    # 1.2 × 7,000,000 = 8,400,000 against the plan's 6,000,000: 2,400,000 short. A hire from month 1 on the
    # default ramp works 0 + .25 + .5 + .75 + 8 × 1 = 9.5 months at the sellers' 50,000 = 475,000:
    # 5 hires add 2,375,000 (short), 6 add 2,850,000 → 6.
    assert count == 6
    assert "from month 1: <strong>6 more sellers</strong>" in page


def test_a_viewer_reads_the_tab_and_a_scenario_but_gets_no_forms(client, people, team_plan):
    scenario = branch(people, team_plan, hires=[{"count": 2, "start_month": 4, "monthly_quota": 50000}])
    client.force_login(people.viewer)
    tab = client.get(tab_url(team_plan)).content.decode()
    page = client.get(page_url(scenario)).content.decode()
    assert "More hires" in tab and "Branch a scenario" not in tab
    assert "Save the scenario" not in page and "Delete this scenario" not in page
    assert f"2 from month 4 at {formatting.money(50000)} a month" in page  # its assumptions, in words
    assert client.post(reverse("scenarios:create", args=[team_plan.pk]), {"name": "Mine"}).status_code == 403
    assert client.post(page_url(scenario), edit_data(scenario, buffer_percent="30")).status_code == 403
    delete = reverse("scenarios:delete", args=[team_plan.pk, scenario.pk])
    assert client.post(delete, {"version": 1}).status_code == 403
    scenario.refresh_from_db()
    assert (scenario.version, Scenario.objects.count()) == (1, 1)


@pytest.mark.parametrize("who", ["sibling", "outsider"])
def test_a_leader_of_another_unit_finds_nothing(client, people, team_plan, who):
    scenario = branch(people, team_plan)
    client.force_login(getattr(people, who))
    compare = reverse("scenarios:compare", args=[team_plan.pk]) + f"?s={scenario.pk}"
    for url in (tab_url(team_plan), page_url(scenario), compare):
        assert client.get(url).status_code == 404
    assert client.post(page_url(scenario), edit_data(scenario, buffer_percent="30")).status_code == 404
    scenario.refresh_from_db()
    assert scenario.version == 1


def test_a_scenario_of_another_plan_is_not_found_under_this_one(client, people, team_plan, org):
    scenario = branch(people, team_plan)
    other = PlanFactory(org_unit=org.team_a1, fiscal_year=2029)
    client.force_login(people.leader)
    assert client.get(reverse("scenarios:detail", args=[other.pk, scenario.pk])).status_code == 404


def test_compare_shows_two_scenarios_beside_the_plan_and_flags_broken_rules(client, people, team_plan):
    before = plan_snapshot(team_plan)
    hires = branch(people, team_plan, hires=[{"count": 2, "start_month": 4, "monthly_quota": 50000}])
    buffer = branch(people, team_plan, name="Big buffer", buffer_percent=60)
    client.force_login(people.leader)
    url = reverse("scenarios:compare", args=[team_plan.pk])
    page = client.get(url, {"s": [hires.pk, buffer.pk]}).content.decode()
    assert "More hires" in page and "Big buffer" in page
    assert formatting.money(D("6650000")) in page and "+" + formatting.money(D("650000")) in page
    assert formatting.money(D("11200000")) in page  # assigned: 7,000,000 × (1 + 60%)
    assert "Buffer above 50%" in page and "Coverage below 1" in page
    assert plan_snapshot(team_plan) == before


def test_compare_refuses_more_than_four(client, people, team_plan):
    ids = [branch(people, team_plan, name=f"S{i}").pk for i in range(5)]
    client.force_login(people.leader)
    response = client.get(reverse("scenarios:compare", args=[team_plan.pk]), {"s": ids}, follow=True)
    assert response.redirect_chain[-1][0] == tab_url(team_plan)
    assert "Compare at most 4 scenarios at once; you picked 5." in response.content.decode()


def test_the_tab_costs_the_same_for_10_or_30_sellers(client, people, team_plan, org):
    branch(people, team_plan, hires=[{"count": 2, "start_month": 4, "monthly_quota": 50000}])
    branch(people, team_plan, name="Cautious year", buffer_percent=15, split_method="equal")
    client.force_login(people.leader)
    client.get(tab_url(team_plan))  # the calendar, settings and memberships are cached from here on

    def cost() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(tab_url(team_plan)).status_code == 200
        return len(context.captured_queries)

    few = cost()
    for _ in range(20):
        SellerFactory(org_unit=org.team_a1)
    assert cost() == few


def test_a_name_another_scenario_has_is_refused_and_changes_nothing(client, people, team_plan):
    branch(people, team_plan, name="Taken")
    scenario = branch(people, team_plan)
    client.force_login(people.leader)
    response = client.post(page_url(scenario), {**edit_data(scenario), "name": "Taken"})
    assert response.status_code == 422
    assert "This plan already has a scenario with that name." in response.content.decode()
    response = client.post(reverse("scenarios:create", args=[team_plan.pk]), {"name": "Taken"})
    assert response.status_code == 422 and Scenario.objects.count() == 2
    scenario.refresh_from_db()
    assert (scenario.name, scenario.version) == ("More hires", 1)


def test_a_stale_delete_is_refused(client, people, team_plan):
    scenario = branch(people, team_plan)
    services.scenario_update(actor=people.leader, scenario=scenario, version=1, notes="Edited meanwhile")
    client.force_login(people.leader)
    delete = reverse("scenarios:delete", args=[team_plan.pk, scenario.pk])
    response = client.post(delete, {"version": 1}, follow=True)
    assert "Not deleted: " in response.content.decode() and Scenario.objects.count() == 1


def test_a_scenario_whose_author_is_gone_still_shows(client, people, team_plan):
    scenario = branch(people, team_plan)
    Scenario.objects.filter(pk=scenario.pk).update(created_by=None)
    client.force_login(people.leader)
    assert client.get(tab_url(team_plan)).status_code == 200
    assert "Branched by —" in client.get(page_url(scenario)).content.decode()
