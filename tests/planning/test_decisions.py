"""Decisions that show their consequences: before approving a plan or sending it back, an executive reads
what is still open on it (planning.decisions.open_items, the overview's own list), each item linking to
where it is fixed; the dialog posts the same transition, and without script the buttons post as before."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from budgets import services as budgets
from capabilities.models import Capability, CapabilityAssessment
from capabilities.services import assessment_save
from metrics.models import KPI
from planning import decisions, services
from planning.content import content_create
from planning.models import Objective, Plan, SalesTarget

pytestmark = pytest.mark.usefixtures("catalogues")


def open_plan(plan: Plan, people) -> Plan:
    """Team A1's plan in review with one of each open item: an orphan target, an unfunded objective, a
    critical gap with no funded action, a move of 60,000 waiting (above the 50,000 threshold) and a KPI
    without an FY2028 target."""
    leader = people.leader
    logos = content_create(
        actor=leader, plan=plan, model=Objective, values={"title": "Win logos", "weight": 60}
    )
    content_create(
        actor=leader, plan=plan, model=Objective, values={"title": "Protect renewals", "weight": 40}
    )
    KPI.objects.get(code="revenue").objectives.add(logos)  # the KPI backs "Win logos"; it has no target
    content_create(
        actor=leader, plan=plan, model=SalesTarget, values={"name": "Expansion", "expansion": D("1")}
    )
    forecasting = Capability.objects.get(name="Forecasting")
    values = {"maturity": 1, "target_maturity": 3, "criticality": 4}
    assessment_save(actor=leader, plan=plan, capability=forecasting, version=None, values=values)
    budget = budgets.budget_create(actor=leader, plan=plan, total=D("1000000"))
    lines = [
        budgets.line_create(
            actor=leader, budget=budget, values={"name": name, "category": "programs"}, opening=D(a)
        )
        for name, a in (("Headcount", "500000"), ("Events", "100000"))
    ]
    budgets.move_request(
        actor=leader,
        budget=budget,
        kind="reallocate",
        source=lines[0],
        target=lines[1],
        amount=D("60000"),
        reason="More events",
    )
    plan.refresh_from_db()
    return services.plan_transition(actor=leader, plan=plan, name="submit", version=plan.version)


def items(plan: Plan) -> list[tuple[str, str, str]]:
    return [(a.label, a.text, a.url) for a in decisions.open_items(plan)]


def test_the_list_names_each_open_item_in_step_order_with_where_it_is_fixed(plan, people):
    plan = open_plan(plan, people)
    target = SalesTarget.objects.get(plan=plan)
    renewals = Objective.objects.get(title="Protect renewals")
    gap = CapabilityAssessment.objects.get(plan=plan)
    p = f"/plans/{plan.pk}"
    assert items(plan) == [
        ("Orphan target", "Expansion target serves no objective", f"{p}/targets/#targets-{target.pk}"),
        (
            "Unfunded",
            "Objective “Protect renewals” has no initiative, budget line or KPI behind it",
            f"{p}/alignment/#objectives-{renewals.pk}",
        ),
        (
            "Unaddressed",
            "Critical gap in Forecasting: maturity 1 of 3, no funded action",
            f"{p}/capabilities/#gap-{gap.pk}",
        ),
        (
            "Pending",
            "Budget move waiting for an executive: Reallocate $60,000: Headcount → Events",
            f"{p}/budget/#pending",
        ),
        ("No target", "KPI Revenue has no FY2028 target for Team A1", f"{p}/metrics/?kpi=revenue#targets"),
    ]


def test_a_plan_with_nothing_open_lists_nothing_and_says_what_was_checked(plan):
    assert items(plan) == []
    assert decisions.checked() == (
        "orphan targets, unfunded objectives, unaddressed high or critical gaps, pending budget moves "
        "or KPIs without targets"
    )


def test_more_than_ten_orphan_targets_are_named_ten_and_counted(plan, people):
    SalesTarget.objects.bulk_create(SalesTarget(plan=plan, name=f"T{n:02}") for n in range(13))
    listed = items(plan)
    assert [text for _, text, _ in listed] == [
        *(f"T{n:02} target serves no objective" for n in range(10)),
        "and 3 more orphan targets",
    ]
    assert listed[-1][2] == f"/plans/{plan.pk}/alignment/#traceability"


def test_the_executive_reads_the_open_items_in_the_approve_and_send_back_dialogs(client, plan, people):
    plan = open_plan(plan, people)
    client.force_login(people.executive)
    page = client.get(reverse("planning:plan", args=[plan.pk])).content.decode()
    for name, title in (
        ("approve", "Approve Team A1 · FY2028?"),
        ("send_back", "Send back Team A1 · FY2028?"),
    ):
        dialog = page[page.index(f'<dialog id="decide-{name}"') :]
        dialog = dialog[: dialog.index("</dialog>")]
        assert title in dialog
        assert "Still open on this plan (5)" in dialog
        assert "Critical gap in Forecasting: maturity 1 of 3, no funded action" in dialog
        assert "Budget move waiting for an executive: Reallocate $60,000: Headcount → Events" in dialog
        assert f'action="/plans/{plan.pk}/actions/{name}/"' in dialog
        assert f'name="version" value="{plan.version}"' in dialog
    assert 'data-dialog-open="decide-approve"' in page and "Approve anyway</button>" in page
    # Send back asks what must change inside its dialog; without script the page's form asks it instead.
    assert '<textarea id="decide-send_back-comment" name="comment" rows="3" required>' in page
    assert '<noscript>\n        <label for="comment-send_back">What needs to change?</label>' in page


def test_with_nothing_open_the_dialog_says_so(client, plan, people):
    Plan.objects.filter(pk=plan.pk).update(status="in_review")
    client.force_login(people.executive)
    page = client.get(reverse("planning:plan", args=[plan.pk])).content.decode()
    assert (
        '<span class="badge badge-good">Nothing open</span> No orphan targets, unfunded objectives, '
        "unaddressed high or critical gaps, pending budget moves or KPIs without targets on this plan."
        in page
    )
    assert ">Approve</button>" in page and "Approve anyway" not in page


def test_the_leader_submits_without_a_dialog(client, plan, people):
    client.force_login(people.leader)
    page = client.get(reverse("planning:plan", args=[plan.pk])).content.decode()
    assert ">Submit for review</button>" in page and "<dialog" not in page


def test_the_dialogs_form_posts_the_transition_a_send_back_needing_its_comment(client, plan, people):
    plan = open_plan(plan, people)
    client.force_login(people.executive)
    url = reverse("planning:transition", args=[plan.pk, "send_back"])
    refused = client.post(url, {"version": plan.version, "comment": ""}, follow=True)
    assert "Say what needs to change before sending the plan back." in refused.content.decode()
    plan.refresh_from_db()
    assert plan.status == "in_review"
    client.post(url, {"version": plan.version, "comment": "Fund the forecasting gap"})
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_the_overview_lists_the_same_items_as_the_dialog(client, plan, people):
    plan = open_plan(plan, people)
    client.force_login(people.viewer)  # no decision to take: no dialog, the same list on the page
    page = client.get(reverse("planning:plan", args=[plan.pk])).content.decode()
    attention = page[page.index('id="attention-title"') : page.index("</section>")]
    assert attention.count("<li>") == 5 and "KPI Revenue has no FY2028 target for Team A1" in attention
    assert "<dialog" not in page
