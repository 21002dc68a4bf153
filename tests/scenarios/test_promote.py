"""Promotion: a scenario applied to its plan through the plan's services, all or nothing; refused over a
conflicting plan edit since the branch until refreshed."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from budgets.models import Budget, BudgetLine, Move
from core.exceptions import InvalidTransitionError, StaleVersionError
from core.models import AuditEntry
from metrics.models import ChurnPolicy
from metrics.services import churn_policy_save
from orgs.models import Role
from planning.models import CascadeMethod, Plan, SeasonalityProfile
from planning.services import plan_update
from planning.snapshot import plan_snapshot
from scenarios import services
from scenarios.models import Scenario
from scenarios.outcomes import outcomes, plan_outcomes
from tests.factories import MembershipFactory

COMMENT = "from scenario “Bigger buffer”"


def branch(people, plan, **assumptions) -> Scenario:
    return services.scenario_create(
        actor=people.leader, plan=plan, name="Bigger buffer", assumptions=assumptions
    )


def state(plan) -> tuple:
    plan = Plan.objects.get(pk=plan.pk)
    return (
        plan.version,
        plan_snapshot(plan),
        AuditEntry.objects.count(),
        list(BudgetLine.objects.order_by("pk").values_list("amount", flat=True)),
    )


@pytest.fixture
def lines(team_plan):
    budget = Budget.objects.create(plan=team_plan, total=D("1000"))
    line = BudgetLine.objects.create
    return (
        line(plan=team_plan, budget=budget, name="Events", category="programs", amount=D("600")),
        line(plan=team_plan, budget=budget, name="Coaching", category="enablement", amount=D("400")),
    )


@pytest.fixture
def ops_leader(people, org):
    """The leader also holds sales ops on the region: the churn policy is ops' to set."""
    MembershipFactory(user=people.leader, org_unit=org.region_a, role=Role.SALES_OPS)
    return people.leader


def test_promotion_writes_history_from_the_scenario_and_the_plan_then_equals_its_outcomes(
    team_plan, people, ops_leader, lines, org
):
    team_plan = plan_update(
        actor=people.leader, plan=team_plan, version=team_plan.version, cascade_level="sellers"
    )
    profile = SeasonalityProfile.objects.create(
        org_unit=org.team_a1, name="Back-loaded", weights=[5, 5, 5, 5, 5, 5, 10, 10, 10, 10, 15, 15]
    )
    scenario = branch(
        people,
        team_plan,
        buffer_percent="12.5",
        split_method=CascadeMethod.HEADCOUNT,
        seasonality_profile=profile.pk,
        growth_goal_percent=25,
        churn_rate_percent=10,
        churn_allowance_percent=3,
        hires=[{"count": 2, "start_month": 4, "monthly_quota": 50000}],
        budget_moves=[{"source": lines[0].pk, "target": lines[1].pk, "amount": 100}],
    )
    mine = outcomes(scenario)
    entries = AuditEntry.objects.count()
    changes = services.scenario_promote(actor=ops_leader, scenario=scenario, version=scenario.version)
    assert {c.key for c in changes} == {
        "buffer_percent", "split_method", "seasonality_profile", "growth_goal_percent",
        "churn_rate_percent", "churn_allowance_percent", "budget_moves",
    }  # fmt: skip
    team_plan.refresh_from_db()
    after = plan_outcomes(team_plan)
    assert after.buffer_percent == mine.buffer_percent == D("12.5")
    assert after.split_method == mine.split_method == CascadeMethod.HEADCOUNT
    assert [(str(s.recipient), s.amount, s.months) for s in after.split] == [
        (str(s.recipient), s.amount, s.months) for s in mine.split
    ]
    assert after.phasing == mine.phasing
    assert after.new_business_needed == mine.new_business_needed == D("3500000.00")
    assert after.churn_allowance == mine.churn_allowance
    assert [line.amount for line in after.budget_lines] == [line.amount for line in mine.budget_lines]
    assert after.seller_months != mine.seller_months  # hires stay the scenario's assumption
    new = AuditEntry.objects.order_by("pk")[entries:]
    assert all(COMMENT in e.comment for e in new if e.object_repr != "Bigger buffer"), [
        e.comment for e in new
    ]
    assert {e.content_type.model for e in new if COMMENT in e.comment} >= {"plan", "churnpolicy", "move"}
    assert Move.objects.get().reason == COMMENT
    scenario.refresh_from_db()
    assert scenario.base_version == team_plan.version and services.promotion_changes(scenario) == []


def test_a_conflicting_plan_edit_since_the_branch_is_refused_and_changes_nothing(team_plan, people, lines):
    scenario = branch(
        people,
        team_plan,
        buffer_percent=12,
        budget_moves=[{"source": lines[0].pk, "target": lines[1].pk, "amount": 100}],
    )
    team_plan = plan_update(
        actor=people.leader, plan=team_plan, version=team_plan.version, buffer_percent=D("7")
    )
    before = state(team_plan)
    with pytest.raises(ValidationError) as error:
        services.scenario_promote(actor=people.leader, scenario=scenario, version=scenario.version)
    assert error.value.messages == [
        "Buffer: the plan changed since the branch; it is 7% now, the scenario's is 12%. "
        "Refresh the scenario to promote it over the plan as it is."
    ]
    assert state(team_plan) == before
    scenario = services.scenario_refresh(actor=people.leader, scenario=scenario, version=scenario.version)
    assert scenario.base_version == team_plan.version and services.promotion_conflicts(scenario) == []
    services.scenario_promote(actor=people.leader, scenario=scenario, version=scenario.version)
    team_plan.refresh_from_db()
    assert team_plan.buffer_percent == D("12") and plan_outcomes(team_plan).buffer_percent == D("12")
    assert [line.amount for line in BudgetLine.objects.order_by("pk")] == [D("500"), D("500")]


def test_a_failure_half_way_rolls_everything_back(team_plan, people, lines):
    scenario = branch(
        people,
        team_plan,
        buffer_percent=12,
        budget_moves=[
            {"source": lines[0].pk, "target": lines[1].pk, "amount": 500},
            {"source": lines[0].pk, "target": lines[1].pk, "amount": 500},  # only 100 left by then
        ],
    )
    before = state(team_plan)
    with pytest.raises(ValidationError) as error:
        services.scenario_promote(actor=people.leader, scenario=scenario, version=scenario.version)
    assert error.value.messages[0].startswith("Budget move 2: “Events” has 100.00")
    assert state(team_plan) == before and not Move.objects.exists()


def test_settings_are_the_leaders_and_churn_is_sales_ops_each_promoting_their_own_in_turn(
    team_plan, people, org
):
    scenario = branch(people, team_plan, buffer_percent=12, churn_rate_percent=10)
    mine, others = services.promotable(people.leader, scenario, services.promotion_changes(scenario))
    assert [c.key for c in mine] == ["buffer_percent"] and [c.key for c in others] == ["churn_rate_percent"]
    changes = services.scenario_promote(actor=people.leader, scenario=scenario, version=scenario.version)
    assert [c.key for c in changes] == ["buffer_percent"]
    team_plan.refresh_from_db()
    policy = ChurnPolicy.objects.get(plan=team_plan)
    assert team_plan.buffer_percent == D("12") and policy.expected_churn == D("8")
    scenario.refresh_from_db()
    assert [c.key for c in services.promotion_changes(scenario)] == ["churn_rate_percent"]
    assert scenario.promoted_by == people.leader and scenario.promoted_at is not None
    before = state(team_plan)
    with pytest.raises(ValidationError) as error:  # nothing left that a leader writes
        services.scenario_promote(actor=people.leader, scenario=scenario, version=scenario.version)
    assert error.value.messages == [
        "Nothing here for you to promote: expected churn a year is promoted by sales ops."
    ]
    assert state(team_plan) == before
    ops = people.ops
    changes = services.scenario_promote(actor=ops, scenario=scenario, version=scenario.version)
    assert [c.key for c in changes] == ["churn_rate_percent"]
    policy.refresh_from_db()
    assert policy.expected_churn == D("10") and policy.measurement_period == ChurnPolicy.Period.ANNUAL
    assert AuditEntry.objects.filter(comment__contains="from scenario “Bigger buffer”").count() >= 2
    scenario.refresh_from_db()
    assert services.promotion_changes(scenario) == [] and scenario.promoted_by == ops


def test_a_churn_policy_edit_since_the_branch_is_a_conflict_for_churn_only(team_plan, people):
    scenario = branch(people, team_plan, buffer_percent=12, churn_rate_percent=10)
    policy = ChurnPolicy.objects.get(plan=team_plan)
    churn_policy_save(actor=people.ops, plan=team_plan, version=policy.version, values={"expected_churn": 9})
    assert [c.key for c in services.promotion_conflicts(scenario)] == ["churn_rate_percent"]
    before = state(team_plan)
    with pytest.raises(ValidationError, match="Expected churn a year: the plan changed since the branch"):
        services.scenario_promote(actor=people.ops, scenario=scenario, version=scenario.version)
    assert state(team_plan) == before
    scenario = services.scenario_refresh(actor=people.ops, scenario=scenario, version=scenario.version)
    assert services.promotion_conflicts(scenario) == []


def test_a_stale_scenario_is_refused(team_plan, people):
    scenario = branch(people, team_plan, buffer_percent=12)
    before = state(team_plan)
    with pytest.raises(StaleVersionError):
        services.scenario_promote(actor=people.leader, scenario=scenario, version=scenario.version + 1)
    assert state(team_plan) == before


@pytest.mark.parametrize("who", ["sibling", "viewer", "executive"])
def test_only_the_units_leaders_and_sales_ops_promote_or_refresh(team_plan, people, who):
    scenario = branch(people, team_plan, buffer_percent=12)
    with pytest.raises(PermissionDenied):
        services.scenario_promote(actor=getattr(people, who), scenario=scenario, version=1)
    with pytest.raises(PermissionDenied):
        services.scenario_refresh(actor=getattr(people, who), scenario=scenario, version=1)


def test_a_plan_sent_for_approval_takes_no_promotion(team_plan, people):
    scenario = branch(people, team_plan, buffer_percent=12)
    Plan.objects.filter(pk=team_plan.pk).update(status=Plan.Status.IN_REVIEW)
    before = state(team_plan)
    with pytest.raises(InvalidTransitionError, match="in review and read-only"):
        services.scenario_promote(actor=people.leader, scenario=scenario, version=scenario.version)
    assert state(team_plan) == before


# --- Pages ----------------------------------------------------------------------------------------------


def url(name, scenario) -> str:
    return reverse(f"scenarios:{name}", args=[scenario.plan_id, scenario.pk])


def test_the_page_lists_the_changes_and_the_post_promotes_into_the_history(client, people, team_plan):
    scenario = branch(
        people, team_plan, buffer_percent=12, hires=[{"count": 1, "start_month": 2, "monthly_quota": 1}]
    )
    client.force_login(people.leader)
    page = client.get(url("detail", scenario)).content.decode()
    assert "Promote into the plan" in page and "Yes, promote it" in page
    assert "hires and attrition stay a scenario" in page.lower()
    response = client.post(url("promote", scenario), {"version": scenario.version})
    assert response.status_code == 302
    history = client.get(reverse("planning:history", args=[team_plan.pk])).content.decode()
    assert "from scenario “Bigger buffer”" in history


def test_a_conflict_shows_on_the_page_with_refresh_and_a_promote_post_changes_nothing(
    client, people, team_plan
):
    scenario = branch(people, team_plan, buffer_percent=12)
    plan_update(actor=people.leader, plan=team_plan, version=team_plan.version, buffer_percent=D("7"))
    client.force_login(people.leader)
    page = client.get(url("detail", scenario)).content.decode()
    assert "Refresh the scenario" in page and "Yes, promote it" not in page
    before = state(team_plan)
    client.post(url("promote", scenario), {"version": scenario.version})
    assert state(team_plan) == before
    assert client.post(url("refresh", scenario), {"version": scenario.version}).status_code == 302
    assert "Yes, promote it" in client.get(url("detail", scenario)).content.decode()


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("sibling", 404), ("outsider", 404)])
def test_others_get_403_or_404(client, people, team_plan, who, status):
    scenario = branch(people, team_plan, buffer_percent=12)
    client.force_login(getattr(people, who))
    before = state(team_plan)
    for name in ("promote", "refresh"):
        assert client.post(url(name, scenario), {"version": 1}).status_code == status
    assert state(team_plan) == before


def test_sales_ops_see_what_is_theirs_to_promote_and_the_leader_what_is_left_for_ops(
    client, people, team_plan
):
    scenario = branch(people, team_plan, buffer_percent=12, churn_allowance_percent=3)
    client.force_login(people.ops)
    page = client.get(url("detail", scenario)).content.decode()
    assert "Promote 1 change…" in page
    assert "Left for the unit&#x27;s sales leaders to promote: Buffer." in page
    client.force_login(people.leader)
    page = client.get(url("detail", scenario)).content.decode()
    assert "Promote 1 change…" in page and "Left for sales ops to promote: Churn allowance." in page
    client.force_login(people.viewer)
    page = client.get(url("detail", scenario)).content.decode()
    assert "Promote into the plan" in page and "Yes, promote it" not in page
