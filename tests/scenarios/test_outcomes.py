"""Outcomes against hand-worked numbers. The calendar is the default one: FY2028 runs January–December
2028, so fiscal month n is calendar month n."""

from decimal import Decimal as D

import pytest

from budgets.models import Budget, BudgetLine
from metrics.selectors import churn_get
from planning import capacity
from planning.models import SalesTarget
from planning.snapshot import plan_snapshot
from scenarios.models import Scenario
from scenarios.outcomes import hires_needed, outcomes, plan_outcomes, smallest
from tests.factories import PlanFactory, SellerFactory

RAMP = [0, 25, 50, 75, 100]
TWO_HIRES = {"count": 2, "start_month": 4, "ramp": RAMP, "monthly_quota": 50000}
Q4 = D("0.0001")


def scenario(plan, **assumptions) -> Scenario:
    name = f"What if {Scenario.objects.filter(plan=plan).count() + 1}"
    return Scenario.objects.create(plan=plan, name=name, base_version=plan.version, assumptions=assumptions)


def test_ten_sellers_and_two_hires_from_month_4_make_133_seller_months(team_plan):
    # Ten sellers at full productivity all year: 10 × 12 = 120 seller-months.
    # Each hire starts in fiscal month 4 at ramp month 1: months 4, 5, 6, 7 at 0, .25, .5, .75, then
    # months 8…12 at 1 (5 months): 0 + .25 + .5 + .75 + 5 = 6.5 seller-months; two hires: 13.
    # 120 + 13 = 133 seller-months × 50,000 = 6,650,000.
    result = outcomes(scenario(team_plan, hires=[TWO_HIRES]))
    assert result.seller_months == D("133")
    assert result.capacity == D("6650000.00")
    assert result.capacity_total.headcount == 12
    # Against the 7,000,000 target: 6,650,000 ÷ 7,000,000 = 0.95.
    assert result.coverage == D("0.9500")


def test_new_business_needed_is_arr_times_growth_plus_churn(team_plan):
    # 10,000,000 × (20% growth + 8% churn) = 10,000,000 × 0.28 = 2,800,000.
    assert plan_outcomes(team_plan).new_business_needed == D("2800000.00")
    # The scenario's 25% growth and 10% churn: 10,000,000 × 0.35 = 3,500,000.
    assert outcomes(
        scenario(team_plan, growth_goal_percent=25, churn_rate_percent="10")
    ).new_business_needed == D("3500000.00")


def test_attrition_of_10_percent_with_a_2_month_lag_costs_45_5_twelfths_of_a_seller_month(team_plan):
    # Ten sellers, 10% a year: 10 × 0.10 = 1 leaver a year, 1/12 of a leaver each fiscal month m = 1…12.
    # A leaver leaving at the start of month m costs, month by month from m (the seat empty for 2 months,
    # then a replacement ramping 0/25/50/75/100 from ramp month 1):
    #   L = 1, 1 | 1, .75, .5, .25 | 0 …   in all 2 + 2.5 = 4.5 seller-months,
    # cut off at month 12, so a leaver in month m loses the first 13 − m terms of L:
    #   m = 1…7: 4.5 each (7 × 4.5 = 31.5); m = 8: 1+1+1+.75+.5 = 4.25; m = 9: 3.75; m = 10: 3;
    #   m = 11: 2; m = 12: 1.                      Σ = 31.5 + 4.25 + 3.75 + 3 + 2 + 1 = 45.5
    # At 1/12 of a leaver a month: 45.5 / 12 = 3.791666… seller-months lost.
    # Per seat it is the same sum: 0.10/12 × 45.5 = 0.3791666… for each of the ten seats.
    plan = outcomes(scenario(team_plan))
    attrition = {"rate_percent": 10, "backfill_lag": 2}
    after = outcomes(scenario(team_plan, attrition=attrition))
    lost = plan.seller_months - after.seller_months
    assert lost.quantize(Q4) == (D("45.5") / 12).quantize(Q4) == D("3.7917")
    # Capacity: each seat (12 − 0.3791666…) × 50,000 = 581,041.666… → 581,041.67 (to the cent, per seat,
    # as capacity() rounds); ten seats: 5,810,416.70.
    assert after.capacity == D("5810416.70")
    # Headcount is the seats', which are backfilled: still ten.
    assert after.capacity_total.headcount == 10
    # Hires are not subject to attrition: with the two hires, 133 − 3.7917 = 129.2083 seller-months.
    both = outcomes(scenario(team_plan, attrition=attrition, hires=[TWO_HIRES]))
    assert both.seller_months.quantize(Q4) == D("129.2083")


def test_attrition_without_a_lag_costs_only_the_replacements_ramp(team_plan):
    # Lag 0: the replacement starts in the leaver's month at ramp month 1: L = 1, .75, .5, .25 (2.5).
    # m = 1…9: 2.5 each (22.5); m = 10: 1+.75+.5 = 2.25; m = 11: 1.75; m = 12: 1. Σ = 27.5.
    # One leaver a year (10% of 10): 27.5 / 12 = 2.291666… seller-months lost.
    after = outcomes(scenario(team_plan, attrition={"rate_percent": 10, "backfill_lag": 0}))
    assert (D("120") - after.seller_months).quantize(Q4) == D("2.2917")


def test_the_hires_solver_returns_the_smallest_count_that_reaches_the_coverage(team_plan):
    # 10 sellers × 12 × 50,000 = 6,000,000 against 7,000,000; 110% coverage needs 7,700,000: 1,700,000 more.
    # A hire from month 3 at 0/25/50/75/100: 0 + .25 + .5 + .75 + 6 × 1 = 7.5 months × 50,000 = 375,000.
    # 4 hires: 1,500,000 (short); 5 hires: 1,875,000 (enough) → 5.
    needed = hires_needed(team_plan, coverage=D("1.1"), start_month=3, ramp=RAMP, monthly_quota=D("50000"))
    assert needed == 5
    hire = {"start_month": 3, "ramp": RAMP, "monthly_quota": 50000}
    assert outcomes(scenario(team_plan, hires=[{**hire, "count": 5}])).coverage >= D("1.1")
    short = Scenario.objects.create(
        plan=team_plan, name="One fewer", base_version=1, assumptions={"hires": [{**hire, "count": 4}]}
    )
    assert outcomes(short).coverage < D("1.1")
    # The quota defaults to the sellers' average (50,000 here), the ramp to 0/25/50/75/100.
    assert hires_needed(team_plan, coverage=D("1.1"), start_month=3) == 5


def test_the_hires_solver_counts_on_top_of_the_scenarios_own_hires(team_plan):
    # The scenario's two hires add 13 seller-months × 50,000 = 650,000: 6,650,000. Reaching 105% of
    # 7,000,000 (7,350,000) needs 700,000 more: hires from month 3 at 375,000 each → 2 (750,000), as 1
    # (375,000) is short.
    what_if = scenario(team_plan, hires=[TWO_HIRES])
    assert hires_needed(what_if, coverage=D("1.05"), start_month=3) == 2
    assert hires_needed(what_if, coverage=D("1"), start_month=3) == 1  # 350,000 short: one is enough


def test_the_hires_solver_says_none_when_no_count_reaches_it(team_plan):
    assert hires_needed(team_plan, coverage=D("2"), start_month=12, ramp=[0], limit=50) is None
    assert hires_needed(team_plan, coverage=D("0.5"), start_month=1) == 0


@pytest.mark.parametrize("answer", [0, 1, 2, 3, 7, 8, 9, 100, 1000])
def test_smallest_finds_the_first_count_that_reaches(answer):
    assert smallest(lambda n: n >= answer, 10_000) == answer


def test_plan_outcomes_are_what_the_plans_own_pages_show(team_plan):
    result = plan_outcomes(team_plan)
    rows, total = capacity.capacity(team_plan)
    assert (result.capacity_total, result.capacity_rows) == (total, rows)
    assert result.capacity == D("6000000.00") and result.annual_target == D("7000000")
    assert result.new_business_needed == churn_get(team_plan.churn_policy).new_business_needed
    # An empty scenario is the plan.
    assert outcomes(scenario(team_plan)) == result


def test_a_scenario_splits_the_target_with_the_cascades_functions(org, people):
    # Region A: 1,000,000 target; a 10% buffer split equally over teams A1 and A2: 1,100,000 / 2 = 550,000.
    region = PlanFactory(org_unit=org.region_a)
    SalesTarget.objects.create(plan=region, name="Revenue", new_business=D("1000000"))
    SellerFactory(org_unit=org.team_a1, monthly_quota=D("50000"))  # 600,000 a year
    result = outcomes(scenario(region, buffer_percent=10, split_method="equal"))
    assert result.split_recomputed and result.assigned == D("1100000.00")
    assert [(line.recipient, line.amount) for line in result.split] == [
        (org.team_a1, D("550000.00")),
        (org.team_a2, D("550000.00")),
    ]
    assert sum(result.split[0].months) == D("550000.00") and len(result.split[0].months) == 12
    a1, a2 = result.capacity_rows
    assert (a1.target, a1.capacity, a1.coverage) == (D("550000.00"), D("600000.00"), D("1.0909"))
    assert (a2.headcount, a2.coverage) == (0, D("0"))
    # The plan itself has no cascade yet: its split is empty and its rows carry no target.
    assert plan_outcomes(region).split == [] and plan_outcomes(region).capacity_rows[0].target is None


def test_hires_count_as_heads_in_a_headcount_split(org, people):
    # Region A: 1,000,000 split by headcount with no buffer. Team A1 has 3 sellers and A2 one; the scenario
    # hires 2 into A2 and 1 at the region itself (in no team's share): weights 3 : 3 → 500,000 each.
    # Without the hires: 3 : 1 → 750,000 and 250,000.
    region = PlanFactory(org_unit=org.region_a, cascade_method="headcount", buffer_percent=0)
    SalesTarget.objects.create(plan=region, name="Revenue", new_business=D("1000000"))
    for unit in (org.team_a1, org.team_a1, org.team_a1, org.team_a2):
        SellerFactory(org_unit=unit, monthly_quota=D("50000"))
    hires = [
        {"count": 2, "start_month": 7, "monthly_quota": 50000, "unit": org.team_a2.pk},
        {"count": 1, "start_month": 1, "monthly_quota": 50000},
    ]
    split = {line.recipient: line.amount for line in outcomes(scenario(region, hires=hires)).split}
    assert split == {org.team_a1: D("500000.00"), org.team_a2: D("500000.00")}
    before = {line.recipient: line.amount for line in outcomes(scenario(region, buffer_percent=0)).split}
    assert before == {org.team_a1: D("750000.00"), org.team_a2: D("250000.00")}


def test_a_quota_per_seller_overrides_every_sellers_quota(team_plan):
    # 10 × 12 × 40,000 = 4,800,000.
    assert outcomes(scenario(team_plan, quota_per_seller="40000")).capacity == D("4800000.00")


def fingerprint(plan) -> tuple:
    plan.refresh_from_db()
    lines = list(BudgetLine.objects.filter(plan=plan).values_list("pk", "amount", "version"))
    return plan.version, plan_snapshot(plan), lines


def test_a_scenario_never_changes_the_plan(team_plan):
    budget = Budget.objects.create(plan=team_plan, total=D("300000"))
    events = BudgetLine.objects.create(
        plan=team_plan, budget=budget, name="Events", category="programs", amount=D("100000"),
        baseline=D("100000"), expected_value=D("200000"),
    )  # fmt: skip
    coaching = BudgetLine.objects.create(
        plan=team_plan, budget=budget, name="Coaching", category="enablement", amount=D("200000"),
        baseline=D("200000"), expected_value=D("600000"),
    )  # fmt: skip
    before = fingerprint(team_plan)
    what_if = scenario(team_plan, hires=[TWO_HIRES])
    what_if.assumptions = {
        "hires": [TWO_HIRES],
        "attrition": {"rate_percent": 10, "backfill_lag": 2},
        "buffer_percent": 15,
        "quota_per_seller": 45000,
        "budget_moves": [{"source": events.pk, "target": coaching.pk, "amount": "40000"}],
    }
    what_if.full_clean()
    what_if.save()
    result = outcomes(what_if)
    hires_needed(what_if, coverage=D("1.2"), start_month=2)
    assert fingerprint(team_plan) == before
    # The move shows in the outcome only: Events 60,000, Coaching 240,000. Value per unit of cost:
    # Events 2 × 60,000 + Coaching 3 × 240,000 = 840,000 over 300,000 = 2.80 (the plan: 2.67).
    assert [(line.name, line.amount, line.change) for line in result.budget_lines] == [
        ("Coaching", D("240000"), D("40000")),
        ("Events", D("60000"), D("-40000")),
    ]
    assert result.value_per_cost == D("2.80") and plan_outcomes(team_plan).value_per_cost == D("2.67")


def test_a_move_that_takes_a_line_below_zero_is_flagged(team_plan):
    budget = Budget.objects.create(plan=team_plan, total=D("100"))
    a = BudgetLine.objects.create(plan=team_plan, budget=budget, name="A", category="other", amount=D("100"))
    b = BudgetLine.objects.create(plan=team_plan, budget=budget, name="B", category="other", amount=D("0"))
    result = outcomes(scenario(team_plan, budget_moves=[{"source": b.pk, "target": a.pk, "amount": 50}]))
    assert "Budget line B would go below zero." in result.warnings
