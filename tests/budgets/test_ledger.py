"""Step 3: the ledger moves money, keeps Σ lines + pool = total, and never lets a balance go negative."""

import random
import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection

from budgets import selectors, services
from budgets.models import Budget, BudgetLine, Move
from capabilities import selectors as capability_selectors
from capabilities.models import Capability, ImprovementAction
from capabilities.services import assessment_save
from core.exceptions import InvalidTransitionError
from planning import traceability
from planning.content import content_create
from planning.grid import GridImportError
from planning.models import Objective


def balances(budget):
    budget.refresh_from_db()
    lines = {line.name: line.amount for line in BudgetLine.objects.filter(budget=budget)}
    return lines | {"pool": budget.unallocated}


@pytest.fixture
def budget(plan, people):
    """1,000,000 with four lines opened from the pool; 150,000 stays unallocated."""
    budget = services.budget_create(actor=people.leader, plan=plan, total=D("1000000"))
    for name, category, opening, value, growth in [
        ("Headcount", "headcount", "500000", "1500000", False),
        ("Tools", "technology", "200000", "300000", False),
        ("Events", "programs", "100000", "100000", False),
        ("Partner program", "programs", "50000", "250000", True),
    ]:
        services.line_create(
            actor=people.leader,
            budget=budget,
            values={"name": name, "category": category, "expected_value": D(value), "growth": growth},
            opening=D(opening),
        )
    return budget


def line(budget, name):
    return BudgetLine.objects.get(budget=budget, name=name)


def move(budget, actor, kind, source, target, amount, reason="Worked example", **kw):
    return services.move_request(
        actor=actor,
        budget=budget,
        kind=kind,
        source=line(budget, source) if source else None,
        target=line(budget, target) if target else None,
        amount=D(amount),
        reason=reason,
        **kw,
    )


def test_a_worked_sequence_of_moves_with_the_balances_after_each(budget, people):
    leader = people.leader
    assert balances(budget) == {
        "Headcount": D("500000"), "Tools": D("200000"), "Events": D("100000"), "Partner program": D("50000"),
        "pool": D("150000"),
    }  # fmt: skip

    first = move(budget, leader, "reallocate", "Events", "Headcount", "40000")
    assert first.status == "posted"
    assert balances(budget) | {} == {
        "Headcount": D("540000"), "Tools": D("200000"), "Events": D("60000"), "Partner program": D("50000"),
        "pool": D("150000"),
    }  # fmt: skip

    move(budget, leader, "fund_growth", "Tools", "Partner program", "30000")
    assert (balances(budget)["Tools"], balances(budget)["Partner program"]) == (D("170000"), D("80000"))

    move(budget, leader, "deploy", None, "Partner program", "50000")
    assert (balances(budget)["pool"], balances(budget)["Partner program"]) == (D("100000"), D("130000"))

    big = move(budget, leader, "reallocate", "Tools", "Headcount", "120000")  # above the 50,000 threshold
    assert big.status == "pending"
    assert (balances(budget)["Tools"], balances(budget)["Headcount"]) == (D("170000"), D("540000"))

    services.move_approve(actor=people.executive, move=big, comment="Hiring plan agreed")
    assert (balances(budget)["Tools"], balances(budget)["Headcount"]) == (D("50000"), D("660000"))

    services.move_reverse(actor=leader, move=first, reason="Event budget restored after the offsite")
    assert (balances(budget)["Events"], balances(budget)["Headcount"]) == (D("100000"), D("620000"))

    move(
        budget,
        leader,
        "deploy",
        None,
        None,
        "20000",
        new_line={"name": "Vertical pilot", "category": "programs"},
    )
    assert balances(budget) == {
        "Headcount": D("620000"), "Tools": D("50000"), "Events": D("100000"), "Partner program": D("130000"),
        "Vertical pilot": D("20000"), "pool": D("80000"),
    }  # fmt: skip
    assert line(budget, "Vertical pilot").growth
    assert selectors.budget_check_list(budget) == []
    assert Move.objects.filter(budget=budget).count() == 4 + 5 + 1  # openings, moves, one reversal

    report = selectors.budget_report_get(budget, selectors.budget_lines_list(budget))
    assert report.moved == D("220000")  # 40 + 30 + 50 + 120 − 40 + 20 (thousands)
    assert report.growth_funded == D("100000")  # fund growth 30 + deploy 50 + deploy 20
    assert report.moved_to_high == D("220000") and report.share_to_high == D("0.2200")
    assert (report.value_before, report.value_after) == (D("2.53"), D("2.92"))  # 2.15M/850k → 2.685M/920k


def test_a_move_that_would_overdraw_is_refused_and_changes_nothing(budget, people):
    before, entries = balances(budget), Move.objects.count()
    with pytest.raises(ValidationError) as caught:
        move(budget, people.leader, "reallocate", "Events", "Tools", "100000.01")
    assert "“Events” has 100,000.00; moving 100,000.01 would take it below zero." in caught.value.messages
    with pytest.raises(ValidationError, match="The unallocated pool has 150,000.00"):
        move(budget, people.leader, "deploy", None, "Partner program", "150000.01")
    assert balances(budget) == before and Move.objects.count() == entries


def test_a_pending_move_changes_no_balance_until_approved_and_a_rejected_one_never(budget, people):
    before = balances(budget)
    pending = move(budget, people.leader, "reallocate", "Headcount", "Tools", "60000")
    assert pending.status == "pending" and balances(budget) == before
    with pytest.raises(PermissionDenied):
        services.move_approve(actor=people.leader, move=pending)
    with pytest.raises(ValidationError, match="Say why"):
        services.move_reject(actor=people.executive, move=pending, comment=" ")
    services.move_reject(actor=people.executive, move=pending, comment="Not this quarter")
    assert balances(budget) == before
    with pytest.raises(InvalidTransitionError):
        services.move_approve(actor=people.executive, move=pending)


def test_approval_rechecks_the_money_is_still_there(budget, people):
    pending = move(budget, people.leader, "reallocate", "Events", "Tools", "90000")
    move(budget, people.leader, "reallocate", "Events", "Headcount", "20000")  # Events now 80,000
    with pytest.raises(ValidationError, match="has 80,000.00"):
        services.move_approve(actor=people.executive, move=pending)
    assert Move.objects.get(pk=pending.pk).status == "pending"


def test_a_reversing_entry_restores_the_balances_once(budget, people):
    before = balances(budget)
    done = move(budget, people.leader, "fund_growth", "Headcount", "Partner program", "25000")
    reversal = services.move_reverse(actor=people.leader, move=done, reason="Wrong line")
    assert balances(budget) == before
    assert (reversal.kind, reversal.source.name, reversal.target.name) == (
        "reversal",
        "Partner program",
        "Headcount",
    )
    with pytest.raises(InvalidTransitionError, match="already been reversed"):
        services.move_reverse(actor=people.leader, move=done, reason="Again")
    with pytest.raises(InvalidTransitionError, match="cannot itself be reversed"):
        services.move_reverse(actor=people.leader, move=reversal, reason="Undo the undo")
    assert selectors.budget_check_list(budget) == []


def test_move_rules_and_the_total(budget, people):
    with pytest.raises(ValidationError, match="growth line"):
        move(budget, people.leader, "fund_growth", "Tools", "Events", "10")
    with pytest.raises(ValidationError, match="unallocated funds from the pool"):
        move(budget, people.leader, "deploy", "Tools", "Partner program", "10")
    with pytest.raises(ValidationError, match="Say why"):
        move(budget, people.leader, "reallocate", "Tools", "Events", "10", reason=" ")
    with pytest.raises(ValidationError, match="already allocated"):
        services.budget_update(
            actor=people.leader, budget=budget, version=budget.version, total=D("800000"), currency="USD"
        )
    grown = services.budget_update(
        actor=people.leader, budget=budget, version=budget.version, total=D("1200000"), currency="eur"
    )
    assert (grown.unallocated, grown.currency) == (D("350000"), "EUR")
    with pytest.raises(PermissionDenied):
        move(budget, people.viewer, "reallocate", "Tools", "Events", "10")
    with pytest.raises(ValidationError, match="only through moves"):
        services.line_update(
            actor=people.leader, line=line(budget, "Tools"), version=1, values={"amount": D("1")}
        )


def test_the_database_refuses_a_negative_line_even_past_the_service(budget):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.filter(budget=budget, name="Tools").update(amount=D("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.filter(pk=budget.pk).update(unallocated=D("-1"))


def test_a_budget_line_funds_objectives_and_improvement_actions(budget, plan, people):
    objective = content_create(
        actor=people.leader, plan=plan, model=Objective, values={"title": "Grow", "weight": D("1")}
    )
    assert list(traceability.unfunded_objectives(plan)) == [objective]
    gap = assessment_save(
        actor=people.leader,
        plan=plan,
        capability=Capability.objects.get(name="Forecasting"),
        version=None,
        values={"maturity": 1, "target_maturity": 3, "criticality": 4},
    )
    action = content_create(
        actor=people.leader,
        plan=plan,
        model=ImprovementAction,
        values={"assessment": gap, "title": "Cadence"},
    )
    assert [a.pk for a in capability_selectors.assessment_unaddressed_list(plan)] == [gap.pk]
    services.line_create(
        actor=people.leader,
        budget=budget,
        values={
            "name": "Forecast tool",
            "category": "technology",
            "objective": objective,
            "improvement_action": action,
        },
        opening=D("10000"),
    )
    assert list(traceability.unfunded_objectives(plan)) == []
    assert (
        capability_selectors.assessment_unaddressed_list(plan) == []
    )  # an action with budget behind it addresses the gap


def test_spend_by_month_and_an_import_with_a_bad_row(budget, people):
    tools = line(budget, "Tools")
    services.spend_set(actor=people.leader, line=tools, months=[D("15000")] * 3 + [D("0")] * 9)
    rows = {r.name: r for r in selectors.budget_lines_list(budget)}
    assert (rows["Tools"].spent, rows["Tools"].variance) == (D("45000"), D("155000"))
    good = (2, "Events", ["1000"] * 12)
    bad = (3, "Nope", ["1"] * 12)
    with pytest.raises(GridImportError) as caught:
        services.spend_import(actor=people.leader, budget=budget, rows=[good, bad])
    assert [(e.line, e.message) for e in caught.value.errors] == [(3, "not a line of this budget.")]
    assert selectors.budget_lines_list(budget)[0].spent == 0 or rows["Events"].spent == 0
    assert sum(r.spent for r in selectors.budget_lines_list(budget)) == D(
        "45000"
    )  # nothing from the bad file
    assert services.spend_import(actor=people.leader, budget=budget, rows=[good]) == 1
    assert {r.name: r.spent for r in selectors.budget_lines_list(budget)}["Events"] == D("12000")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hundreds_of_concurrent_random_moves_keep_the_invariant(org, people):
    from planning.models import Plan

    plan = Plan.objects.create(org_unit=org.team_a1, fiscal_year=2028)
    budget = services.budget_create(actor=people.leader, plan=plan, total=D("100000"))
    names = [f"Line {n}" for n in range(6)]
    for index, name in enumerate(names):
        services.line_create(
            actor=people.leader,
            budget=budget,
            values={"name": name, "category": "programs", "growth": index % 2 == 0},
            opening=D("15000"),
        )
    counts = {"posted": 0, "refused": 0}
    lock = threading.Lock()

    def mover(seed: int) -> None:
        close_old_connections()
        rng = random.Random(seed)
        lines = list(BudgetLine.objects.filter(budget=budget))
        for _ in range(60):
            source, target = rng.sample(lines, 2)
            kind = rng.choice(["reallocate", "reallocate", "deploy"])
            try:
                services.move_request(
                    actor=people.leader,
                    budget=budget,
                    kind="deploy" if kind == "deploy" and target.growth else "reallocate",
                    source=None if kind == "deploy" and target.growth else source,
                    target=target,
                    amount=D(rng.randint(1, 900_000)) / 100,  # up to 9,000.00: some overdraw and are refused
                    reason=f"thread {seed}",
                )
                outcome = "posted"
            except ValidationError:
                outcome = "refused"
            with lock:
                counts[outcome] += 1
        connection.close()  # this thread's own connection, so the test database can be dropped

    threads = [threading.Thread(target=mover, args=(seed,)) for seed in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counts["posted"] + counts["refused"] == 480 and counts["posted"] > 200
    assert selectors.budget_check_list(budget) == []
    assert all(line.amount >= 0 for line in BudgetLine.objects.filter(budget=budget))
    assert (
        Move.objects.filter(budget=budget, status="posted").exclude(kind="opening").count()
        == counts["posted"]
    )
