"""The strategy tree on the alignment tab: each objective → the strategies serving it → their initiatives
(owner, status, quarters), with the KPIs measuring the objective and the budget lines funding it, counts
and totals on each node; what is linked to no objective is listed apart."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets import services as budgets
from metrics.models import KPI, KPITarget
from planning import tree
from planning.models import Initiative, Objective, Strategy

pytestmark = pytest.mark.usefixtures("catalogues")


@pytest.fixture
def shaped(plan, people):
    """Two objectives; "Vertical plays" serves "Win logos" with two initiatives, one of them also behind
    "Expand"; two budget lines fund "Win logos" (one through "Hire AEs"), one funds nothing; Revenue has a
    target, Win rate none; a strategy serves no objective."""
    logos = Objective.objects.create(plan=plan, title="Win logos", weight=D("60"))
    expand = Objective.objects.create(plan=plan, title="Expand", weight=D("40"))
    plays = Strategy.objects.create(plan=plan, title="Vertical plays")
    plays.objectives.add(logos)
    Strategy.objects.create(plan=plan, title="Someday")
    hire = Initiative.objects.create(
        plan=plan,
        title="Hire AEs",
        owner="Dana",
        strategy=plays,
        start_quarter=1,
        end_quarter=2,
        status="at_risk",
    )
    hire.objectives.add(logos)
    partners = Initiative.objects.create(
        plan=plan, title="Partners", strategy=plays, start_quarter=3, end_quarter=3
    )
    partners.objectives.add(logos, expand)
    budget = budgets.budget_create(actor=people.leader, plan=plan, total=D("500000"))
    for name, amount, objective, initiative in (
        ("Account executives", "250000", logos, hire),
        ("Pipeline programs", "80000", logos, None),
        ("Spare", "5000", None, None),
    ):
        values = {"name": name, "category": "programs", "objective": objective, "initiative": initiative}
        budgets.line_create(actor=people.leader, budget=budget, values=values, opening=D(amount))
    revenue, win_rate = KPI.objects.get(code="revenue"), KPI.objects.get(code="win-rate")
    revenue.objectives.add(logos)
    win_rate.objectives.add(logos)
    KPITarget.objects.create(
        kpi=revenue, org_unit=plan.org_unit, fiscal_year=plan.fiscal_year, period=1, value=9
    )
    return plan


def test_each_objective_carries_its_strategies_initiatives_kpis_and_budget_lines(shaped):
    found = tree.plan_tree(shaped)
    logos, expand = found.objectives
    assert logos.objective.title == "Win logos" and not logos.unfunded
    (plays,) = logos.strategies
    assert [(i.initiative.title, i.tone) for i in plays.initiatives] == [
        ("Hire AEs", "warn"),
        ("Partners", "muted"),
    ]
    lines, kpis = logos.groups
    assert [(leaf.name, leaf.amount) for leaf in lines.leaves] == [
        ("Account executives", D("250000.00")),
        ("Pipeline programs", D("80000.00")),
    ]
    assert lines.total == D("330000.00")  # 250,000 + 80,000
    # FY2028 has not begun: Revenue has a target and waits; Win rate has none.
    assert [(leaf.name, leaf.status) for leaf in kpis.leaves] == [
        ("Revenue", "Not started"),
        ("Win rate", "No target"),
    ]
    # The line through "Hire AEs" shows on the initiative and adds up on its strategy.
    assert [[leaf.name for leaf in g.leaves] for g in plays.initiatives[0].groups] == [["Account executives"]]
    assert [g.total for g in plays.groups] == [D("250000.00")]
    # "Partners" is behind "Expand" too, though its strategy serves only "Win logos".
    assert expand.strategies == [] and [i.initiative.title for i in expand.others] == ["Partners"]
    assert [(g.branch.title, g.leaves) for g in expand.groups] == [("Budget lines", []), ("KPIs", [])]
    assert [s.title for s in found.loose_strategies] == ["Someday"]
    assert [leaf.name for leaf in found.loose_leaves] == ["Spare"] and found.loose_count == 2


def test_the_alignment_tab_shows_the_tree_with_counts_and_totals(client, shaped, people):
    client.force_login(people.viewer)
    page = client.get(reverse("planning:alignment", args=[shaped.pk])).content.decode()
    assert '<h2 id="tree-title">Strategy tree</h2>' in page
    assert "60% · 1 strategy · 2 initiatives · Budget lines 2 ($330,000) · KPIs 2" in page
    assert "2 initiatives · Budget lines 1 ($250,000)" in page  # the strategy: its initiatives' lines
    assert "Dana · Q1–Q2 · Budget lines 1 ($250,000)" in page and "no owner · Q3</span>" in page
    assert '<span class="badge badge-warn">At risk</span>' in page
    assert "40% · 0 strategies · 1 initiative · Budget lines 0 · KPIs 0" in page
    assert "Budget lines: none linked." in page
    assert 'Not linked</span> to any objective <span class="badge badge-warn">2</span>' in page
    partial = client.get(reverse("planning:tree", args=[shaped.pk])).content.decode()
    assert partial.startswith('<section class="card strategy-tree" id="strategy-tree"')


def test_an_empty_plan_says_how_the_tree_grows(client, plan, people):
    client.force_login(people.leader)
    page = client.get(reverse("planning:tree", args=[plan.pk])).content.decode()
    assert "No objectives yet. Add one below, then link strategies" in page


def test_the_tree_costs_the_same_queries_for_2_or_20_objectives(client, shaped, people):
    client.force_login(people.leader)
    url = reverse("planning:tree", args=[shaped.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    count()  # the first request creates the fiscal calendar row this fresh database lacks
    small = count()
    budget = shaped.budget
    for n in range(18):
        objective = Objective.objects.create(plan=shaped, title=f"O{n}", weight=1)
        strategy = Strategy.objects.create(plan=shaped, title=f"S{n}")
        strategy.objectives.add(objective)
        initiative = Initiative.objects.create(plan=shaped, title=f"I{n}", strategy=strategy)
        initiative.objectives.add(objective)
        KPI.objects.get(code="win-rate").objectives.add(objective)
        values = {"name": f"L{n}", "category": "programs", "objective": objective, "initiative": initiative}
        budgets.line_create(actor=people.leader, budget=budget, values=values, opening=D(1))
    assert count() == small


def test_a_plan_of_many_objectives_shows_its_tree_a_page_at_a_time(client, shaped, people):
    # 2 objectives of the fixture and 53 more: pages of 50, the unlinked items on every page.
    Objective.objects.bulk_create(
        Objective(plan=shaped, title=f"Objective {n:02}", weight=1) for n in range(53)
    )
    client.force_login(people.viewer)
    page = client.get(reverse("planning:alignment", args=[shaped.pk])).content.decode()
    tree_part = page[
        page.index('id="strategy-tree"') : page.index("</section>", page.index('id="strategy-tree"'))
    ]
    assert tree_part.count('<span class="tree-kind">Objective</span>') == 50
    assert "Objective 47</strong>" in tree_part and "Objective 48</strong>" not in tree_part
    assert "1–50 of 55 objectives" in tree_part
    assert 'href="?tree_page=2#strategy-tree">Next →</a>' in tree_part
    assert 'Not linked</span> to any objective <span class="badge badge-warn">2</span>' in tree_part
    second = client.get(reverse("planning:tree", args=[shaped.pk]), {"tree_page": 2}).content.decode()
    assert second.count('<span class="tree-kind">Objective</span>') == 5
    assert "Objective 48</strong>" in second and "51–55 of 55 objectives" in second
    assert f'hx-get="/plans/{shaped.pk}/alignment/tree/?tree_page=2"' in second
    assert 'href="?tree_page=1#strategy-tree">← Previous</a>' in second
