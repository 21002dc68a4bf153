"""A scenario's drafted budget moves, edited as rows of its assumptions form and shown line by line.

Team A1's plan (conftest) gets a budget of two lines: A at 50,000 (stated to bring 100,000: 2.00 per unit)
and B at 20,000 (stated to bring 80,000: 4.00 per unit). Value per unit of cost, the plan:
(2 × 50,000 + 4 × 20,000) ÷ 70,000 = 180,000 ÷ 70,000 = 2.57."""

from decimal import Decimal as D
from html import escape

import pytest
from django.urls import reverse

from budgets.models import Budget, BudgetLine
from core import formatting
from scenarios import services
from scenarios.models import Scenario
from tests.factories import PlanFactory


@pytest.fixture
def lines(team_plan):
    budget = Budget.objects.create(plan=team_plan, total=D("70000"))

    def line(name: str, category: str, amount: str, value: str) -> BudgetLine:
        return BudgetLine.objects.create(
            plan=team_plan, budget=budget, name=name, category=category, amount=D(amount),
            baseline=D(amount), expected_value=D(value),
        )  # fmt: skip

    return line("A", "programs", "50000", "100000"), line("B", "enablement", "20000", "80000")


def page_url(scenario: Scenario) -> str:
    return reverse("scenarios:detail", args=[scenario.plan_id, scenario.pk])


def branch(people, plan, **assumptions) -> Scenario:
    return services.scenario_create(actor=people.leader, plan=plan, name="Moves", assumptions=assumptions)


def move_rows(*rows: tuple) -> dict:
    """Form data for move rows: (source, target, amount) each, "" for a blank field."""
    data = {}
    for i, (source, target, amount) in enumerate(rows):
        data |= {f"move_source_{i}": source, f"move_target_{i}": target, f"move_amount_{i}": amount}
    return data


def post(client, scenario: Scenario, **data):
    values = {"version": scenario.version, "name": scenario.name, "notes": scenario.notes}
    return client.post(page_url(scenario), values | data)


def unchanged(scenario: Scenario) -> bool:
    before = (scenario.version, scenario.assumptions)
    scenario.refresh_from_db()
    return (scenario.version, scenario.assumptions) == before


def test_two_move_rows_are_saved_exactly_with_their_lines_and_amounts(client, people, team_plan, lines):
    a, b = lines
    scenario = branch(people, team_plan)
    client.force_login(people.leader)
    response = post(client, scenario, **move_rows((a.pk, b.pk, "12000"), (b.pk, a.pk, "2500.50")))
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.version == 2
    assert scenario.assumptions == {
        "budget_moves": [
            {"source": a.pk, "target": b.pk, "amount": 12000},  # a whole number as a JSON number
            {"source": b.pk, "target": a.pk, "amount": "2500.5"},  # otherwise a decimal string
        ]
    }


def test_the_form_shows_the_drafted_moves_filled_in_and_two_blank_rows(client, people, team_plan, lines):
    a, b = lines
    scenario = branch(people, team_plan, budget_moves=[{"source": a.pk, "target": b.pk, "amount": 12000}])
    client.force_login(people.leader)
    response = client.get(page_url(scenario))
    form = response.context["form"]
    assert [[f.value() for f in row] for row in form.move_row_fields()] == [
        [a.pk, b.pk, 12000],
        [None, None, None],
        [None, None, None],
    ]
    page = response.content.decode()
    assert f"A · Programs · {formatting.money(D('50000'))}" in page  # each line with its current amount
    assert "edited through the API" not in page


def test_a_blank_row_is_dropped_and_the_next_rows_errors_stay_beside_it(client, people, team_plan, lines):
    a, b = lines
    scenario = branch(people, team_plan)
    client.force_login(people.leader)
    # Row 0 blank, row 1 moving nothing: the schema's budget_moves[0] is the form's row 1.
    response = post(client, scenario, **move_rows(("", "", ""), (a.pk, b.pk, "0")))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["move_amount_1"] == [
        "budget_moves[0].amount: the amount moved must be a number above 0; got 0."
    ]
    assert "move_amount_0" not in errors and unchanged(scenario)
    response = post(client, scenario, **move_rows(("", "", ""), (a.pk, b.pk, "100")))
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.assumptions == {"budget_moves": [{"source": a.pk, "target": b.pk, "amount": 100}]}


def test_a_move_within_one_line_is_refused_beside_its_to_line_and_nothing_is_saved(
    client, people, team_plan, lines
):
    a, b = lines
    scenario = branch(people, team_plan)
    client.force_login(people.leader)
    response = post(client, scenario, **move_rows((a.pk, b.pk, "100"), (b.pk, b.pk, "100")))
    assert response.status_code == 422
    message = "budget_moves[1].target: a move needs two different lines."
    assert response.context["form"].errors["move_target_1"] == [message]
    page = response.content.decode()
    assert page.index('id="id_move_target_1"') < page.index(message) < page.index('id="id_move_amount_1"')
    assert unchanged(scenario)


def test_an_amount_of_zero_is_refused_beside_that_rows_amount(client, people, team_plan, lines):
    a, b = lines
    scenario = branch(people, team_plan)
    client.force_login(people.leader)
    response = post(client, scenario, **move_rows((a.pk, b.pk, "0")))
    assert response.status_code == 422
    message = "budget_moves[0].amount: the amount moved must be a number above 0; got 0."
    assert response.context["form"].errors["move_amount_0"] == [message]
    assert unchanged(scenario)


def test_a_half_filled_row_says_what_it_lacks(client, people, team_plan, lines):
    a, _ = lines
    scenario = branch(people, team_plan)
    client.force_login(people.leader)
    response = post(client, scenario, **move_rows((a.pk, "", "500")))
    assert response.status_code == 422
    assert response.context["form"].errors["move_target_0"] == ["budget_moves[0].target: required."]
    assert unchanged(scenario)


def test_a_line_of_another_plan_is_refused_and_nothing_is_saved(client, people, team_plan, lines, org):
    a, _ = lines
    other_plan = PlanFactory(org_unit=org.team_a2)
    budget = Budget.objects.create(plan=other_plan, total=D("100"))
    foreign = BudgetLine.objects.create(plan=other_plan, budget=budget, name="X", category="other")
    scenario = branch(people, team_plan)
    client.force_login(people.leader)
    response = post(client, scenario, **move_rows((a.pk, foreign.pk, "100")))
    assert response.status_code == 422
    assert "move_target_0" in response.context["form"].errors  # the select offers this plan's lines only
    assert unchanged(scenario)


def test_a_drafted_move_on_a_line_gone_from_the_plan_shows_the_services_refusal(
    client, people, team_plan, lines
):
    a, b = lines
    scenario = branch(people, team_plan, budget_moves=[{"source": a.pk, "target": b.pk, "amount": 100}])
    gone = b.pk
    b.delete()
    client.force_login(people.leader)
    response = post(client, scenario, **move_rows((a.pk, gone, "100")))
    assert response.status_code == 422
    message = f"budget_moves: line {gone} is not in this plan's budget."
    assert message in response.context["form"].non_field_errors()
    assert escape(message) in response.content.decode()
    assert unchanged(scenario)
    # Clearing the row drops the move.
    response = post(client, scenario, **move_rows(("", "", "")))
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.assumptions == {}


def test_the_page_shows_the_budget_by_line_after_the_moves(client, people, team_plan, lines):
    a, b = lines
    scenario = branch(people, team_plan, budget_moves=[{"source": a.pk, "target": b.pk, "amount": 10000}])
    client.force_login(people.leader)
    page = client.get(page_url(scenario)).content.decode()
    table = page[page.index('id="budget-head"') : page.index('id="solver-head"')]
    money = formatting.money
    # A: 50,000 − 10,000 = 40,000; B: 20,000 + 10,000 = 30,000; the total stays 70,000.
    row_a, row_b = row(table, "A"), row(table, "B")
    assert [money(D("50000")), money(D("40000")), money(D("-10000"))] == cells(row_a)[:3]
    assert [money(D("20000")), money(D("30000")), "+" + money(D("10000"))] == cells(row_b)[:3]
    assert "Programs" in row_a and "2.00" in row_a and "4.00" in row_b
    assert cells(row(table, "Total")) == [money(D("70000")), money(D("70000")), money(D("0"))]
    # Value per unit of cost, the scenario: (2 × 40,000 + 4 × 30,000) ÷ 70,000 = 200,000 ÷ 70,000 = 2.86.
    assert "the plan 2.57, this scenario <strong>2.86</strong>" in table
    assert "Below zero" not in page


def row(table: str, heading: str) -> str:
    """The table row whose heading cell starts with `heading`."""
    start = table.index(f'<th scope="row">{heading}<')
    return table[start : table.index("</tr>", start)]


def cells(text: str) -> list[str]:
    """The text of a row's right-aligned cells, in order."""
    parts = text.split('<td class="num nowrap')[1:]
    return [part.split(">", 1)[1].split("<", 1)[0].strip() for part in parts]


def test_a_move_that_takes_a_line_below_zero_is_flagged_in_words(client, people, team_plan, lines):
    a, b = lines
    scenario = branch(people, team_plan, budget_moves=[{"source": b.pk, "target": a.pk, "amount": 25000}])
    client.force_login(people.leader)
    page = client.get(page_url(scenario)).content.decode()
    table = page[page.index('id="budget-head"') : page.index('id="solver-head"')]
    row_b = row(table, "B")
    # B: 20,000 − 25,000 = −5,000; A: 50,000 + 25,000 = 75,000.
    assert cells(row_b)[1] == formatting.money(D("-5000")) and "Below zero" in row_b
    assert "Below zero" not in row(table, "A")
    assert "Budget line B would go below zero." in page


def test_a_plan_without_budget_lines_offers_no_move_rows(client, people, team_plan):
    scenario = branch(people, team_plan)
    client.force_login(people.leader)
    response = client.get(page_url(scenario))
    assert response.context["form"].move_row_fields() == []
    page = response.content.decode()
    assert "The plan has no budget yet" in page
    assert "The plan has no budget lines yet, so there is nothing to move." in page
    assert 'id="id_move_source_0"' not in page


def test_a_reader_sees_each_move_in_words(client, people, team_plan, lines):
    a, b = lines
    scenario = branch(
        people,
        team_plan,
        budget_moves=[
            {"source": a.pk, "target": b.pk, "amount": 12000},
            {"source": b.pk, "target": a.pk, "amount": "500.5"},
        ],
    )
    client.force_login(people.viewer)
    page = client.get(page_url(scenario)).content.decode()
    assert f"{formatting.money(12000)} from A to B" in page
    assert f"{formatting.money(D('500.5'))} from B to A" in page
    assert "drafted</dd>" not in page
