"""Scenarios compared with the plan: the walk of capacity from the plan to each scenario (every level one
call of outcomes.compute), its chart, the refusals of a bad ?s=, the XLSX, and the tab's link to it all.

Team A1's plan (conftest): ten sellers at 50,000 a month all year = 120 seller-months, capacity 6,000,000
against a target of 7,000,000 (coverage 0.86). FY2028 runs January–December 2028."""

import io
import json
import re
from decimal import Decimal as D
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from budgets.models import Budget, BudgetLine
from core import formatting
from planning.snapshot import plan_snapshot
from scenarios import services
from scenarios.compare import budget_flag, capacity_walk, waterfall
from scenarios.models import Scenario
from scenarios.outcomes import basis, compute, outcomes, plan_outcomes
from tests.factories import PlanFactory

RAMP = [0, 25, 50, 75, 100]
TWO_HIRES = {"count": 2, "start_month": 4, "ramp": RAMP, "monthly_quota": 50000}
ATTRITION = {"rate_percent": 10, "backfill_lag": 2}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def scenario(plan, name="What if", **assumptions) -> Scenario:
    return Scenario.objects.create(plan=plan, name=name, base_version=plan.version, assumptions=assumptions)


def branch(people, plan, name="More hires", **assumptions) -> Scenario:
    return services.scenario_create(actor=people.leader, plan=plan, name=name, assumptions=assumptions)


def compare_url(plan, name="scenarios:compare") -> str:
    return reverse(name, args=[plan.pk])


def walk_of(plan, **assumptions):
    return capacity_walk(basis(plan), assumptions)


# The walk ----------------------------------------------------------------------------------------------


def test_the_walk_goes_from_the_plan_by_quota_then_attrition_then_hires(team_plan):
    walk = walk_of(team_plan, hires=[TWO_HIRES], attrition=ATTRITION, quota_per_seller=60000)
    # Quota: 120 seller-months × (60,000 − 50,000) = +1,200,000 → 7,200,000.
    # Attrition (10%, lag 2; test_outcomes works it): each seat loses 0.10/12 × 45.5 = 0.3791666…
    #   seller-months, × 60,000 = 22,750 a seat, 227,500 for ten → 6,972,500.
    # Hires at their own 50,000 (not thinned by attrition): 2 × 6.5 months × 50,000 = +650,000 → 7,622,500.
    assert [(s.label, s.change, s.level) for s in walk.steps] == [
        ("Quota per seller", D("1200000.00"), D("7200000.00")),
        ("Attrition", D("-227500.00"), D("6972500.00")),
        ("Hires", D("650000.00"), D("7622500.00")),
    ]
    assert (walk.plan, walk.scenario, walk.change) == (D("6000000.00"), D("7622500.00"), D("1622500.00"))


def test_the_steps_add_up_to_the_scenarios_capacity_less_the_plans_to_the_cent(team_plan):
    # An awkward quota, a lag of 1 and hires at the scenario's quota: per-seat rounding to the cent
    # happens at every level, and the steps still add up exactly.
    assumptions = {
        "quota_per_seller": "51234.57",
        "attrition": {"rate_percent": 7, "backfill_lag": 1},
        "hires": [{"count": 3, "start_month": 5, "ramp": [0, 33, 66, 100]}],
        "buffer_percent": 12,  # moves no capacity: no step of its own
    }
    base = basis(team_plan)
    walk = capacity_walk(base, assumptions)
    plan, mine = compute(base, {}).capacity, compute(base, assumptions).capacity
    assert [s.label for s in walk.steps] == ["Quota per seller", "Attrition", "Hires"]
    assert sum(s.change for s in walk.steps) == mine - plan == walk.change
    assert walk.steps[-1].level == mine == outcomes(scenario(team_plan, **assumptions)).capacity
    assert all(s.change == s.change.quantize(D("0.01")) for s in walk.steps)


def test_the_walk_has_only_the_steps_the_scenario_sets(team_plan):
    assert [s.label for s in walk_of(team_plan, hires=[TWO_HIRES]).steps] == ["Hires"]
    assert [s.label for s in walk_of(team_plan, attrition=ATTRITION).steps] == ["Attrition"]
    nothing = walk_of(team_plan, buffer_percent=60, growth_goal_percent=5)
    assert nothing.steps == [] and nothing.plan == nothing.scenario == D("6000000.00")


def test_the_chart_is_a_waterfall_whose_bars_add_up(team_plan):
    walk = walk_of(team_plan, hires=[TWO_HIRES], quota_per_seller=60000)
    trace = waterfall(walk)["data"][0]
    assert trace["type"] == "waterfall"
    assert trace["y"] == ["Plan capacity", "Quota per seller", "Hires", "Scenario capacity"]
    assert trace["measure"] == ["absolute", "relative", "relative", "total"]
    # 6,000,000 + 1,200,000 + 650,000 = 7,850,000
    assert trace["x"] == [6000000.0, 1200000.0, 650000.0, 7850000.0]
    assert sum(trace["x"][:-1]) == trace["x"][-1]
    json.dumps(waterfall(walk))  # the page embeds it as JSON


def test_a_budget_line_below_zero_is_a_broken_rule(team_plan):
    budget = Budget.objects.create(plan=team_plan, total=D("100"))
    a = BudgetLine.objects.create(plan=team_plan, budget=budget, name="A", category="other", amount=D("100"))
    b = BudgetLine.objects.create(plan=team_plan, budget=budget, name="B", category="other", amount=D("0"))
    moved = scenario(team_plan, budget_moves=[{"source": b.pk, "target": a.pk, "amount": 50}])
    assert budget_flag(outcomes(moved)) == "Budget line below zero: B"
    assert budget_flag(plan_outcomes(team_plan)) == ""


# The page ----------------------------------------------------------------------------------------------


def test_compare_draws_each_scenarios_walk_with_its_figures_in_words(client, people, team_plan):
    hires = branch(people, team_plan, hires=[TWO_HIRES])
    buffer = branch(people, team_plan, name="Big buffer", buffer_percent=60)
    client.force_login(people.leader)
    page = client.get(compare_url(team_plan), {"s": [hires.pk, buffer.pk]}).content.decode()
    assert f'data-chart="walk-{hires.pk}"' in page and f'id="walk-{hires.pk}"' in page
    assert "vendor/plotly" in page and "cdn" not in page.lower()
    # The text alternative: the walk in the chart's aria-label and in a table beside it.
    money = formatting.money
    assert f"Capacity from the plan's {money(D('6000000'))}: Hires +{money(D('650000'))}" in unescape(page)
    assert "+" + formatting.money(D("650000")) in page and formatting.money(D("6650000")) in page
    # Big buffer moves no capacity: no chart, and it says why.
    assert f'data-chart="walk-{buffer.pk}"' not in page and "sets no quota per seller" in page


def test_compare_flags_a_budget_line_below_zero_in_words(client, people, team_plan):
    budget = Budget.objects.create(plan=team_plan, total=D("100"))
    a = BudgetLine.objects.create(plan=team_plan, budget=budget, name="A", category="other", amount=D("100"))
    b = BudgetLine.objects.create(plan=team_plan, budget=budget, name="Events", category="other", amount=0)
    moved = scenario(team_plan, budget_moves=[{"source": b.pk, "target": a.pk, "amount": 50}])
    client.force_login(people.leader)
    page = client.get(compare_url(team_plan), {"s": moved.pk}).content.decode()
    assert "Budget line below zero: Events" in page and "flagged" in page
    # In the summary above the table too (the plan's 6,000,000 covers 0.86 of its 7,000,000 target):
    assert "<li>The plan: Coverage below 1</li>" in page
    assert "<li>What if: Coverage below 1; Budget line below zero: Events</li>" in page


def test_a_text_that_is_not_an_id_is_refused_by_name(client, people, team_plan):
    scenario_ = branch(people, team_plan)
    client.force_login(people.leader)
    for url in (compare_url(team_plan), compare_url(team_plan, "scenarios:compare_xlsx")):
        response = client.get(url, {"s": [scenario_.pk, "abc"]}, follow=True)
        assert response.redirect_chain[-1][0] == reverse("scenarios:plan", args=[team_plan.pk])
        assert "“abc” is not a scenario id" in response.content.decode()


@pytest.mark.parametrize("bad", ["-1", "1.5", "²", "٣"])
def test_signs_decimals_and_other_digits_are_not_ids(client, people, team_plan, bad):
    client.force_login(people.leader)
    response = client.get(compare_url(team_plan), {"s": bad}, follow=True)
    assert f"“{bad}” is not a scenario id" in response.content.decode()


def test_a_scenario_that_is_not_this_plans_is_not_found(client, people, team_plan, org):
    mine = branch(people, team_plan)
    elsewhere = branch(people, PlanFactory(org_unit=org.team_a1, fiscal_year=2029), name="Other plan")
    client.force_login(people.leader)
    for url in (compare_url(team_plan), compare_url(team_plan, "scenarios:compare_xlsx")):
        assert client.get(url, {"s": [mine.pk, elsewhere.pk]}).status_code == 404
        assert client.get(url, {"s": [mine.pk, 987654]}).status_code == 404
        assert client.get(url, {"s": "9" * 30}).status_code == 404  # no row of any database


def test_a_repeated_id_counts_once(client, people, team_plan):
    ids = [branch(people, team_plan, name=f"S{i}").pk for i in range(4)]
    client.force_login(people.leader)
    response = client.get(compare_url(team_plan), {"s": ids + ids[:2]})
    assert response.status_code == 200 and response.context["scenarios"] == list(
        Scenario.objects.filter(pk__in=ids).order_by("name")
    )
    once = client.get(compare_url(team_plan), {"s": [ids[0], ids[0]]})
    assert len(once.context["scenarios"]) == 1


def test_no_id_asks_for_one(client, people, team_plan):
    client.force_login(people.leader)
    response = client.get(compare_url(team_plan), {"s": ""}, follow=True)
    assert "Pick one to four scenarios" in response.content.decode()


# The XLSX ----------------------------------------------------------------------------------------------


def test_the_xlsx_holds_the_pages_figures_as_numbers(client, people, team_plan):
    before = plan_snapshot(team_plan)
    hires = branch(people, team_plan, hires=[TWO_HIRES])
    buffer = branch(people, team_plan, name="Big buffer", buffer_percent=60)
    client.force_login(people.leader)
    page = client.get(compare_url(team_plan), {"s": [hires.pk, buffer.pk]})
    assert 'href="' + compare_url(team_plan, "scenarios:compare_xlsx") in page.content.decode()
    response = client.get(compare_url(team_plan, "scenarios:compare_xlsx"), {"s": [hires.pk, buffer.pk]})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="team-a1-FY2028-scenarios-')
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Compare"]
    assert str(team_plan) in sheet["A1"].value and timezone.localdate().isoformat() in sheet["A2"].value
    # Scenarios by name: Big buffer, then More hires; each a value and a difference.
    assert [c.value for c in sheet[4]] == [
        "Figure",
        "The plan",
        "Big buffer",
        "Big buffer: difference",
        "More hires",
        "More hires: difference",
        "Rules broken",
    ]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=5)}
    lines = {plan_figure.label: (plan_figure, cells) for plan_figure, cells in page.context["lines"]}
    capacity = rows["Ramped capacity"]
    plan_figure, (big, more) = lines["Ramped capacity"]
    assert (
        [c.value for c in capacity[1:6]]
        == [
            float(plan_figure.value),
            float(big.value),
            float(big.difference),
            float(more.value),
            float(more.difference),
        ]
        == [6000000.0, 6000000.0, 0.0, 6650000.0, 650000.0]
    )
    assert {c.number_format for c in capacity[1:6]} == {"#,##0.00"}
    # The buffer as a percentage (60% → 0.6), coverage to two places: 6,650,000 ÷ 7,000,000 = 0.95.
    assert rows["Buffer"][2].value == 0.6 and rows["Buffer"][2].number_format == "0.00%"
    assert rows["Coverage"][4].value == 0.95 and rows["Coverage"][4].number_format == "0.00"
    assert rows["Buffer"][-1].value == "Big buffer: Buffer above 50%"
    assert "More hires: Coverage below 1" in rows["Coverage"][-1].value
    steps = [[c.value for c in row] for row in book["Capacity steps"].iter_rows(min_row=2)]
    assert ["More hires", "Hires", 650000.0, 6650000.0] in steps
    assert plan_snapshot(team_plan) == before


def test_a_scenario_named_like_a_formula_stays_text_in_the_xlsx(client, people, team_plan):
    odd = branch(people, team_plan, name="=1+2")
    client.force_login(people.leader)
    response = client.get(compare_url(team_plan, "scenarios:compare_xlsx"), {"s": odd.pk})
    cell = load_workbook(io.BytesIO(response.content))["Compare"]["C4"]
    assert (cell.value, cell.data_type) == ("=1+2", "s")


@pytest.mark.parametrize("who", ["sibling", "outsider"])
def test_whoever_may_not_read_the_plan_gets_no_xlsx(client, people, team_plan, who):
    scenario_ = branch(people, team_plan)
    client.force_login(getattr(people, who))
    xlsx = compare_url(team_plan, "scenarios:compare_xlsx")
    assert client.get(xlsx, {"s": scenario_.pk}).status_code == 404


def test_the_viewer_reads_the_xlsx(client, people, team_plan):
    scenario_ = branch(people, team_plan)
    client.force_login(people.viewer)
    xlsx = compare_url(team_plan, "scenarios:compare_xlsx")
    assert client.get(xlsx, {"s": scenario_.pk}).status_code == 200


# The tab's link ----------------------------------------------------------------------------------------


def test_the_tab_links_to_comparing_all_its_scenarios(client, people, team_plan):
    ids = [branch(people, team_plan, name=f"S{i}").pk for i in range(2)]
    client.force_login(people.viewer)
    page = client.get(reverse("scenarios:plan", args=[team_plan.pk])).content.decode()
    link = re.search(r'href="([^"]+)">Compare all 2 scenarios</a>', page)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    assert url == compare_url(team_plan) + "?" + "&".join(f"s={i}" for i in sorted(ids))
    assert client.get(url).status_code == 200


def test_the_tab_offers_no_compare_all_past_four(client, people, team_plan):
    for i in range(5):
        branch(people, team_plan, name=f"S{i}")
    client.force_login(people.leader)
    page = client.get(reverse("scenarios:plan", args=[team_plan.pk])).content.decode()
    assert "Compare all" not in page and "Compare the ticked" in page
