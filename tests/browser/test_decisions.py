"""Decisions that show their consequences, in Chromium: an executive's Approve on the demo's plan in review
opens a dialog listing its pending move and its unaddressed gaps, Cancel changes nothing, confirming
approves; Send back asks what must change inside its dialog. The strategy tree fits a phone."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from capabilities.models import CapabilityAssessment
from planning.models import Initiative, Objective, Plan, Strategy
from tests.browser.conftest import PASSWORD
from tests.planning.test_decisions import open_plan

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalogues")]


def test_an_executive_reads_what_is_open_before_approving_the_demo_plan(open_as, live_server):
    call_command("seed_demo", stdout=io.StringIO())
    executive = get_user_model().objects.get(username="exec")
    executive.set_password(PASSWORD)
    executive.save()
    plan = Plan.objects.get(org_unit__name="Enterprise West", fiscal_year=2028)
    assert plan.status == "in_review"
    page = open_as("exec")
    page.goto(f"{live_server.url}/plans/{plan.pk}/")

    page.click("button:has-text('Approve')")
    dialog = page.locator("#decide-approve")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_have_text("Approve Enterprise West · FY2028?")
    listed = dialog.locator(".decide-list")
    expect(listed).to_contain_text(
        "Budget move waiting for an executive: Reallocate $60,000: Account executives → Enablement"
    )
    expect(listed).to_contain_text("Critical gap in CRM hygiene: maturity 2 of 4, no funded action")
    expect(listed.locator("a", has_text="CRM hygiene")).to_have_attribute(
        "href", f"/plans/{plan.pk}/capabilities/#gap-{_gap(plan, 'CRM hygiene')}"
    )

    dialog.locator("button:has-text('Cancel')").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".plan-status")).to_contain_text("In review")
    plan.refresh_from_db()
    assert plan.status == "in_review"

    page.click("button:has-text('Approve')")
    dialog.locator("button:has-text('Approve anyway')").click()
    expect(page.locator(".plan-status")).to_contain_text("Approved")
    plan.refresh_from_db()
    assert plan.status == "approved" and plan.approved_by == executive


def _gap(plan: Plan, capability: str) -> int:
    return CapabilityAssessment.objects.get(plan=plan, capability__name=capability).pk


def test_an_executive_sends_a_plan_back_saying_what_must_change_in_the_dialog(
    open_as, live_server, plan, people
):
    plan = open_plan(plan, people)
    page = open_as("executive")
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    expect(page.locator("#comment-send_back")).to_have_count(
        0
    )  # with script the comment is asked in the dialog
    page.click("button:has-text('Send back')")
    dialog = page.locator("#decide-send_back")
    expect(dialog.locator(".decide-list li")).to_have_count(5)
    expect(dialog.locator("textarea[name=comment]")).to_be_focused()
    dialog.locator("button[type=submit]").click()  # empty: the browser asks for the comment, nothing is sent
    expect(dialog).to_be_visible()
    dialog.locator("textarea[name=comment]").fill("Fund the forecasting gap")
    dialog.locator("button[type=submit]").click()
    expect(page.locator(".plan-status")).to_contain_text("Draft")
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_the_strategy_tree_unfolded_fits_a_phone(open_as, live_server, plan, people):
    plan = open_plan(plan, people)
    logos = Objective.objects.get(plan=plan, title="Win logos")
    strategy = Strategy.objects.create(
        plan=plan, title="Vertical plays for financial services and healthcare providers"
    )
    strategy.objectives.add(logos)
    initiative = Initiative.objects.create(
        plan=plan,
        title="Hire and ramp four enterprise account executives",
        owner="Regional sales leader",
        strategy=strategy,
    )
    initiative.objectives.add(logos)
    page = open_as("leader", 390, 844)
    page.goto(f"{live_server.url}/plans/{plan.pk}/alignment/")
    tree = page.locator("#strategy-tree")
    expect(tree).to_contain_text("Hire and ramp four enterprise account executives")
    page.evaluate("document.querySelectorAll('#strategy-tree details').forEach(d => { d.open = true; })")
    expect(tree).to_contain_text("Revenue")  # a KPI, inside a group folded until now
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
