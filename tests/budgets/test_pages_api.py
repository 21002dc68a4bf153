"""The budget tab and API by role: set up, move in a dialog, approve, reverse, spend, 404 outside."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from budgets import services
from budgets.models import Budget, BudgetLine, Move
from tests.conftest import api_as, sheet_post

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def budget(plan, people):
    budget = services.budget_create(actor=people.leader, plan=plan, total=D("300000"))
    for name, opening, growth in (("Headcount", "200000", False), ("Programs", "50000", True)):
        services.line_create(
            actor=people.leader,
            budget=budget,
            values={"name": name, "category": "programs", "growth": growth, "expected_value": D(opening) * 2},
            opening=D(opening),
        )
    return budget


def test_setting_up_a_budget_in_the_page(client, plan, people):
    client.force_login(people.leader)
    url = reverse("budgets:plan", args=[plan.pk])
    assert "Set up the budget" in client.get(url).content.decode()
    client.post(reverse("budgets:save", args=[plan.pk]), {"total": "250000", "currency": "eur"})
    budget = Budget.objects.get(plan=plan)
    assert (budget.total, budget.unallocated, budget.currency) == (D("250000"), D("250000"), "EUR")


def test_a_move_in_the_dialog_posts_or_shows_the_error_beside_the_field(client, budget, plan, people):
    client.force_login(people.leader)
    url = reverse("budgets:move", args=[plan.pk])
    headcount, programs = (BudgetLine.objects.get(name=n) for n in ("Headcount", "Programs"))
    bad = client.post(
        url,
        {
            "kind": "fund_growth",
            "source": headcount.pk,
            "target": programs.pk,
            "amount": "250000",
            "reason": "x",
        },
        **HTMX,
    )
    assert bad.status_code == 422
    assert "“Headcount” has 200,000.00; moving 250,000.00 would take it below zero." in bad.content.decode()
    good = client.post(
        url,
        {
            "kind": "fund_growth",
            "source": headcount.pk,
            "target": programs.pk,
            "amount": "25000",
            "reason": "x",
        },
        **HTMX,
    )
    assert good.status_code == 204 and "/budget/?move=" in good["HX-Redirect"]
    programs.refresh_from_db()
    assert programs.amount == D("75000")
    page = client.get(reverse("budgets:plan", args=[plan.pk])).content.decode()
    assert "Fund growth" in page and "$25,000" in page and "Posted" in page


def test_the_executive_approves_a_pending_move_in_the_page(client, budget, plan, people):
    headcount, programs = (BudgetLine.objects.get(name=n) for n in ("Headcount", "Programs"))
    pending = services.move_request(
        actor=people.leader, budget=budget, kind="reallocate", source=headcount, target=programs,
        amount=D("80000"), reason="Shift to programs",
    )  # fmt: skip
    client.force_login(people.executive)
    page = client.get(reverse("budgets:plan", args=[plan.pk])).content.decode()
    assert "Waiting for approval" in page and "Approve" in page and "Make a move" not in page
    client.post(reverse("budgets:decide", args=[plan.pk, pending.pk, "approve"]), {"comment": "OK"})
    assert Move.objects.get(pk=pending.pk).status == "posted"
    assert BudgetLine.objects.get(name="Programs").amount == D("130000")


def test_spend_cells_save_in_place_and_a_negative_month_changes_nothing(client, budget, plan, people):
    client.force_login(people.ops)  # sales ops record spend too
    line = BudgetLine.objects.get(name="Headcount")
    url = reverse("budgets:spend-cells", args=[plan.pk])
    edits = [{"row": str(line.pk), "col": f"m{i}", "value": "1,000", "version": 0} for i in range(1, 13)]
    ok = sheet_post(client, url, edits)
    assert ok.status_code == 200
    row = ok.json()["rows"][str(line.pk)]
    assert row["spent"]["text"] == "12,000" and row["spent"]["title"] == "$12,000.00"
    assert row["m3"]["version"] == 1
    bad = sheet_post(client, url, [{"row": str(line.pk), "col": "m3", "value": "-5", "version": 1}])
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["message"].endswith("enter 0 or more, not -5.")
    stale = sheet_post(client, url, [{"row": str(line.pk), "col": "m3", "value": "5", "version": 0}])
    assert stale.status_code == 409 and "Someone changed this month" in stale.json()["message"]
    assert sum(s.amount for s in line.spend.all()) == D("12000")


def test_outsiders_get_404_and_viewers_read_only(client, budget, plan, people):
    client.force_login(people.outsider)
    assert client.get(reverse("budgets:plan", args=[plan.pk])).status_code == 404
    assert api_as(people.outsider).get(f"/api/budgets/{budget.pk}/").status_code == 404
    client.force_login(people.viewer)
    page = client.get(reverse("budgets:plan", args=[plan.pk])).content.decode()
    assert "Make a move" not in page and "Reallocation ledger" in page
    line = BudgetLine.objects.get(name="Headcount")
    response = api_as(people.viewer).post(
        "/api/budget-moves/",
        {
            "budget": budget.pk,
            "kind": "reallocate",
            "source": line.pk,
            "target": line.pk + 1,
            "amount": "1",
            "reason": "x",
        },
        format="json",
    )
    assert response.status_code == 403


def test_the_api_moves_money_and_refuses_edits_of_the_ledger(budget, people):
    api = api_as(people.leader)
    headcount, programs = (BudgetLine.objects.get(name=n) for n in ("Headcount", "Programs"))
    created = api.post(
        "/api/budget-moves/",
        {
            "budget": budget.pk,
            "kind": "reallocate",
            "source": headcount.pk,
            "target": programs.pk,
            "amount": "1000",
            "reason": "API",
        },
        format="json",
    )
    assert created.status_code == 201 and created.data["status"] == "posted"
    assert (
        api.patch(f"/api/budget-moves/{created.data['id']}/", {"amount": "5"}, format="json").status_code
        == 405
    )
    assert api.delete(f"/api/budget-moves/{created.data['id']}/").status_code == 405
    overdraw = api.post(
        "/api/budget-moves/",
        {
            "budget": budget.pk,
            "kind": "reallocate",
            "source": programs.pk,
            "target": headcount.pk,
            "amount": "999999",
            "reason": "API",
        },
        format="json",
    )
    assert overdraw.status_code == 400 and "below zero" in str(overdraw.data)
    reversed_ = api.post(
        f"/api/budget-moves/{created.data['id']}/reverse/", {"reason": "oops"}, format="json"
    )
    assert reversed_.status_code == 201 and reversed_.data["kind"] == "reversal"
    report = api.get(f"/api/budgets/{budget.pk}/report/").json()
    assert report["problems"] == [] and report["moved"] == "0.00"
    line = api.post(
        "/api/budget-lines/",
        {"budget": budget.pk, "name": "Tools", "category": "technology", "opening": "50000"},
        format="json",
    )
    assert line.status_code == 201 and line.data["amount"] == "50000.00"
    spend = api.put(f"/api/budget-lines/{line.data['id']}/spend/", {"months": ["100"] * 12}, format="json")
    assert spend.status_code == 200, spend.data
    assert spend.json()["months"][0] == "100.00"
    too_much = api.post(
        "/api/budget-lines/",
        {"budget": budget.pk, "name": "More", "category": "other", "opening": "1"},
        format="json",
    )
    assert too_much.status_code == 400 and "Only 0.00 is unallocated" in str(too_much.data)
