"""Scenario writes: who may make them, what they check, and that they leave the plan as it was."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from budgets.models import Budget, BudgetLine
from core.exceptions import InvalidTransitionError, StaleVersionError
from core.models import AuditEntry
from planning.models import Plan, SeasonalityProfile
from planning.snapshot import plan_snapshot
from scenarios import selectors, services
from scenarios.models import Scenario
from scenarios.outcomes import outcomes

HIRES = [{"count": 2, "start_month": 4, "monthly_quota": 50000}]


def create(actor, plan, **assumptions) -> Scenario:
    return services.scenario_create(actor=actor, plan=plan, name="More hires", assumptions=assumptions)


def test_a_leader_branches_a_scenario_from_the_plan_as_it_is(team_plan, people):
    scenario = create(people.leader, team_plan, hires=HIRES)
    assert (scenario.base_version, scenario.created_by, scenario.version) == (
        team_plan.version,
        people.leader,
        1,
    )
    entry = AuditEntry.objects.get(plan_id=team_plan.pk, action=AuditEntry.Action.CREATED)
    assert entry.object_repr == "More hires" and entry.changes["assumptions"][1] == {"hires": HIRES}


@pytest.mark.parametrize("who", ["sibling", "viewer", "ops", "executive", "outsider"])
def test_only_the_units_sales_leaders_may_branch_edit_or_delete_a_scenario(team_plan, people, who):
    with pytest.raises(PermissionDenied):
        create(getattr(people, who), team_plan)
    scenario = create(people.leader, team_plan)
    with pytest.raises(PermissionDenied):
        services.scenario_update(actor=getattr(people, who), scenario=scenario, version=1, name="Mine")
    with pytest.raises(PermissionDenied):
        services.scenario_delete(actor=getattr(people, who), scenario=scenario, version=1)
    assert Scenario.objects.get().name == "More hires"


def test_a_plan_under_review_takes_no_new_scenario(team_plan, people):
    Plan.objects.filter(pk=team_plan.pk).update(status=Plan.Status.IN_REVIEW)
    team_plan.refresh_from_db()
    with pytest.raises(InvalidTransitionError):
        create(people.leader, team_plan)


def test_an_edit_replaces_the_assumptions_and_a_stale_one_is_refused(team_plan, people):
    scenario = create(people.leader, team_plan)
    edited = services.scenario_update(
        actor=people.leader, scenario=scenario, version=1, assumptions={"buffer_percent": 20}
    )
    assert edited.version == 2 and edited.assumptions == {"buffer_percent": 20}
    with pytest.raises(StaleVersionError):
        services.scenario_update(actor=people.leader, scenario=scenario, version=1, name="Late")
    assert Scenario.objects.get().name == "More hires"


def test_bad_assumptions_are_refused_naming_the_field_and_nothing_is_kept(team_plan, people, org):
    with pytest.raises(ValidationError) as error:
        create(people.leader, team_plan, attrition={"rate_percent": 150})
    assert error.value.message_dict["assumptions"][0].startswith("attrition.rate_percent:")
    elsewhere = SeasonalityProfile.objects.create(org_unit=org.team_b1, name="B1 profile")
    with pytest.raises(ValidationError) as error:
        create(people.leader, team_plan, seasonality_profile=elsewhere.pk)
    assert error.value.message_dict["assumptions"] == [
        f"seasonality_profile: no profile {elsewhere.pk} that Team A1 may use."
    ]
    with pytest.raises(ValidationError) as error:
        create(people.leader, team_plan, hires=[{**HIRES[0], "unit": org.team_b1.pk}])
    assert "hires: unit" in error.value.message_dict["assumptions"][0]
    with pytest.raises(ValidationError) as error:
        create(people.leader, team_plan, budget_moves=[{"source": 998, "target": 999, "amount": 1}])
    assert error.value.message_dict["assumptions"] == [
        "budget_moves: line 998 is not in this plan's budget.",
        "budget_moves: line 999 is not in this plan's budget.",
    ]
    assert not Scenario.objects.exists()


def test_a_duplicate_name_is_refused(team_plan, people):
    create(people.leader, team_plan)
    with pytest.raises(ValidationError):
        create(people.leader, team_plan)


def test_writing_scenarios_leaves_the_plan_as_it_was(team_plan, people):
    budget = Budget.objects.create(plan=team_plan, total=D("100"))
    line = BudgetLine.objects.create(
        plan=team_plan, budget=budget, name="A", category="other", amount=D("100")
    )
    other = BudgetLine.objects.create(plan=team_plan, budget=budget, name="B", category="other")
    before = (team_plan.version, plan_snapshot(team_plan), list(BudgetLine.objects.values_list("amount")))
    scenario = create(
        people.leader,
        team_plan,
        hires=HIRES,
        budget_moves=[{"source": line.pk, "target": other.pk, "amount": 60}],
    )
    scenario = services.scenario_update(
        actor=people.leader,
        scenario=scenario,
        version=1,
        assumptions={**scenario.assumptions, "buffer_percent": 5},
    )
    outcomes(scenario)
    services.scenario_delete(actor=people.leader, scenario=scenario, version=2)
    team_plan.refresh_from_db()
    assert (
        team_plan.version,
        plan_snapshot(team_plan),
        list(BudgetLine.objects.values_list("amount")),
    ) == before


def test_only_the_scenarios_of_visible_plans_are_listed(team_plan, people):
    create(people.leader, team_plan)
    assert [s.name for s in selectors.scenario_list(user=people.viewer)] == ["More hires"]
    assert list(selectors.scenario_list(user=people.outsider)) == []
    assert list(selectors.scenario_list(user=people.leader, plan=team_plan)) == list(Scenario.objects.all())
