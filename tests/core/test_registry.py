"""The registry of what the steps add to a plan: what each app registers in its ready(), in order, and
what it refuses."""

import pytest
from django.urls import reverse

from core.registry import (
    AlertSource,
    ContentKind,
    DashboardPanel,
    FundingRule,
    OverviewSection,
    Registry,
    RegistryError,
    SnapshotSection,
    Tab,
    TreeBranch,
    registry,
)


def test_it_holds_the_plan_tabs_in_step_order():
    # Overview, the five steps numbered 1–5, then History: the order of the entries, not of INSTALLED_APPS
    tabs = registry.entries(Tab)
    assert [(t.label, t.step) for t in tabs] == [
        ("Overview", None),
        ("Alignment", 1),
        ("Capabilities", 2),
        ("Budget", 3),
        ("Metrics", 4),
        ("Quotas", None),  # the sellers' quotas, published from an approved plan
        ("Scenarios", None),  # what-if branches of the plan
        ("One-page", 5),
        ("History", None),
    ]
    assert [t.key for t in tabs] == [
        "overview",
        "alignment",
        "capabilities",
        "budget",
        "metrics",
        "quotas",
        "scenarios",
        "onepager",
        "history",
    ]


def test_every_tab_and_overview_line_reverses_with_a_plan_id():
    for entry in [*registry.entries(Tab), *registry.entries(OverviewSection)]:
        assert reverse(entry.url_name, args=[7]).startswith("/plans/7/"), entry


def test_the_overview_lists_the_five_steps_beside_their_tabs():
    steps = registry.entries(OverviewSection)
    assert [s.title for s in steps] == [
        "Strategic alignment",
        "Capability assessment",
        "Functional budget",
        "SMART metrics",
        "One-page strategy",
    ]
    assert [s.url_name for s in steps] == [t.url_name for t in registry.entries(Tab) if t.step]


def test_it_holds_what_later_steps_add_to_a_plan_in_order():
    assert [k.key for k in registry.entries(ContentKind)] == [
        *("objectives", "strategies", "initiatives", "risks", "targets"),
        "actions",
        "budget-lines",
    ]
    assert [s.title for s in registry.entries(SnapshotSection)] == [
        *("Objectives", "Strategies", "Initiatives", "Risks", "Sales targets", "Target cascade"),
        *("Capability assessment", "Improvement roadmap"),
        "Budget",
        *("KPIs", "Churn policy"),
    ]
    assert [a.key for a in registry.entries(AlertSource)] == [
        *("orphan-targets", "unfunded-objectives"),
        "unaddressed-gaps",
        "pending-moves",
        "kpis-without-targets",
    ]
    assert [b.key for b in registry.entries(TreeBranch)] == ["budget-lines", "kpis"]
    assert [p.key for p in registry.entries(DashboardPanel)] == [
        "metrics-by-role",
        "my-number",
        "my-contests",
    ]


def test_funding_rules_say_what_funds_an_objective_and_an_improvement_action():
    objective = registry.funding("planning.Objective")
    assert [(r.related_name, r.label) for r in objective] == [
        ("initiatives", "initiative"),
        ("budget_lines", "budget line"),
        ("kpis", "KPI"),
    ]
    (budget_lines,) = registry.funding("capabilities.ImprovementAction")
    assert budget_lines.related_name == "budget_lines"


def test_a_budget_line_funds_an_action_only_with_money_on_it():
    (rule,) = registry.funding("capabilities.ImprovementAction")

    class Line:
        def __init__(self, amount: int) -> None:
            self.amount = amount

    assert rule.counts(Line(1)) and not rule.counts(Line(0))


def tab(key: str = "budget", order: int = 30) -> Tab:
    return Tab(key=key, label=key.title(), url_name="budgets:plan", step=3, order=order)


def test_registering_an_entry_twice_fails_naming_it():
    fresh = Registry()
    fresh.add(tab())
    with pytest.raises(RegistryError, match="Tab 'budget' is registered twice"):
        fresh.add(tab(order=31))


def test_an_entry_without_an_order_is_refused():
    with pytest.raises(TypeError, match="order"):
        Tab(key="budget", label="Budget", url_name="budgets:plan")  # type: ignore[call-arg]
    with pytest.raises(RegistryError, match="Tab 'budget' has no order"):
        Registry().add(tab(order=None))  # type: ignore[arg-type]


def test_two_entries_of_a_type_cannot_share_an_order():
    fresh = Registry()
    fresh.add(tab("budget", 30))
    with pytest.raises(RegistryError, match="Tab 'metrics' and 'budget' share order 30"):
        fresh.add(tab("metrics", 30))


def test_it_refuses_what_is_not_an_entry():
    with pytest.raises(RegistryError, match="not a registry entry"):
        Registry().add("budget")  # type: ignore[arg-type]


def test_a_fresh_registry_lists_its_entries_by_order_not_by_registration():
    fresh = Registry()
    fresh.add(tab("metrics", 40), tab("budget", 30))
    assert [t.key for t in fresh.entries(Tab)] == ["budget", "metrics"]
    assert fresh.entries(FundingRule) == []
