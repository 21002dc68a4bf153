"""Three journeys in a real browser (Debian's Chromium through Playwright) against a live server:
a sales leader fills the five steps and submits, sales ops runs the metrics infrastructure, an
executive approves and downloads the one-pager. Screenshots land in test-artifacts/ when one fails."""

import datetime as dt
import subprocess
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from metrics.models import KPI, Actual, KPITarget
from orgs.models import FiscalCalendar
from planning.models import Plan, SalesTarget
from tests.factories import SellerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalogues")]


def test_a_sales_leader_fills_the_five_steps_and_submits(
    open_as, live_server, org, people, plan, eager_celery
):
    for n in range(3):
        SellerFactory(org_unit=org.team_a1, name=f"Rep {n}")
    forecasting = _capability(
        "Forecasting"
    )  # read before the browser starts: the server shares this database
    page = open_as("leader")
    base = f"{live_server.url}/plans/{plan.pk}"

    # Step 1: an objective, a sales target linked to it, cascaded to the sellers.
    page.goto(f"{base}/alignment/")
    page.click("text=Add objective")
    page.fill("#objectives .edit-row input[name=title]", "Win new logos")
    page.fill("#objectives .edit-row input[name=weight]", "100")
    page.click("#objectives .edit-row button[type=submit]")
    expect(page.locator("#objectives")).to_contain_text("Win new logos")
    page.goto(f"{base}/targets/")
    page.click("text=Add sales target")
    page.fill("#targets .edit-row input[name=new_business]", "900000")
    page.check("#targets .edit-row input[name=objectives]")
    page.click("#targets .edit-row button[type=submit]")
    expect(page.locator("#targets")).to_contain_text("$900,000")
    page.select_option("select[name=cascade_level]", "sellers")
    page.fill("input[name=buffer_percent]", "10")
    page.click("text=Run cascade")
    expect(page.locator(".alert-success")).to_contain_text("Target cascaded over 3 rows")
    expect(page.locator("#cascade-grid .sheet-note")).to_contain_text("Fully assigned")

    # Step 2: one capability assessed (the row saves once the three levels are chosen).
    page.goto(f"{base}/capabilities/")
    row = page.locator("tr#sheet-" + str(forecasting))
    for name, value in (("maturity", "1"), ("target_maturity", "3"), ("criticality", "4")):
        with page.expect_response(lambda r: "/sheet/" in r.url):  # each change saves the row, as a user waits
            row.locator(f"select[name={name}]").select_option(value)
        expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(
            0
        )  # row swapped in
    expect(page.locator("#ranked")).to_contain_text("Forecasting")

    # Step 3: a budget with two lines, and a move in the dialog.
    page.goto(f"{base}/budget/")
    page.fill("input[name=total]", "100000")
    page.click("text=Set up the budget")
    for name, opening, growth in (("Events", "40000", False), ("Partners", "20000", True)):
        page.click("text=Add budget line")
        page.fill("#budget-lines .edit-row input[name=name]", name)
        page.select_option("#budget-lines .edit-row select[name=category]", "programs")
        if growth:
            page.check("#budget-lines .edit-row input[name=growth]")
        page.fill("#budget-lines .edit-row input[name=opening]", opening)
        page.click("#budget-lines .edit-row button[type=submit]")
        expect(page.locator("#budget-lines")).to_contain_text(name)
    page.goto(f"{base}/budget/")
    page.click("text=Make a move")
    dialog = page.locator("#move-dialog")
    dialog.locator("input[value=fund_growth]").check()
    dialog.locator("select[name=source]").select_option(label="Events (40,000.00)")
    dialog.locator("select[name=target]").select_option(label="Partners (20,000.00) · growth")
    dialog.locator("input[name=amount]").fill("5000")
    dialog.locator("textarea[name=reason]").fill("Fewer events, more partners")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("#ledger")).to_contain_text("Fewer events, more partners")

    # Step 4: a KPI target set by phasing an annual figure.
    page.goto(f"{base}/metrics/?kpi=revenue")
    page.fill("#annual", "1200000")
    page.click("text=Phase over the months")
    expect(page.locator(".alert-success")).to_contain_text("12 monthly target(s) changed")

    # A change made meanwhile in another tab is not overwritten.
    page.goto(f"{base}/")
    page.click("text=Edit summary")
    other = page.context.new_page()
    other.goto(f"{base}/")
    other.click("text=Edit summary")
    other.fill("#summary-card textarea", "Changed in the other tab")
    other.click("#summary-card button[type=submit]")
    expect(other.locator("#summary-card")).to_contain_text("Saved.")
    page.fill("#summary-card textarea", "My older edit")
    page.click("#summary-card button[type=submit]")
    expect(page.locator("#summary-card .alert-error")).to_contain_text("changed by someone else")
    assert Plan.objects.get(pk=plan.pk).summary == "Changed in the other tab"

    # Step 5 is the one-pager; submit the plan.
    page.goto(f"{base}/")
    page.click("text=Submit for review")
    expect(page.locator(".plan-status")).to_contain_text("In review")


def _capability(name: str) -> int:
    from capabilities.models import Capability

    return Capability.objects.get(name=name).pk


def test_sales_ops_builds_the_metrics_infrastructure(
    open_as, live_server, org, people, plan, eager_celery, tmp_path
):
    page = open_as("ops")
    kpi = KPI.objects.get(code="pipeline-created")
    # A KPI made SMART: the missing parts filled in until all five pass.
    page.goto(f"{live_server.url}/kpis/{kpi.pk}/")
    expect(page.locator(".smart-list")).to_contain_text("Missing")
    page.fill("#id_annual_target", "5000000")
    page.fill("#id_alert_threshold", "80")
    page.fill("#id_owner", "Sales ops")
    page.click("text=Save KPI")
    expect(page.locator(".smart-list")).to_contain_text("Relevant")
    from planning.models import Objective

    objective = Objective.objects.create(plan=plan, title="Grow pipeline", weight=D("100"))
    objective.kpis.add(kpi)
    page.reload()
    expect(page.locator(".smart-list .badge-bad")).to_have_count(0)

    # The churn allowance of the plan.
    page.goto(f"{live_server.url}/plans/{plan.pk}/metrics/")
    page.fill("#id_allowance", "10")
    page.fill("#id_starting_arr", "10000000")
    page.click("text=Save churn policy")
    expect(page.locator("#churn")).to_contain_text("a rep at 90")

    # Actuals: a file with a bad row is refused whole, the fixed one loads.
    bad = tmp_path / "pipeline.csv"
    bad.write_text(
        "kpi,unit,date,value\npipeline-created,team-a1,2026-02-10,1000\npipeline-created,team-a1,2026-02-31,5\n"
    )
    page.goto(f"{live_server.url}/kpis/imports/")
    page.set_input_files("input[name=file]", str(bad))
    page.click("button:has-text('Upload')")
    expect(page.locator("#import-status")).to_contain_text("nothing was loaded")
    expect(page.locator("table")).to_contain_text("'2026-02-31' is not a date")
    assert not Actual.objects.exists()
    good = tmp_path / "pipeline-fixed.csv"
    good.write_text(
        "kpi,unit,date,value\npipeline-created,team-a1,2026-02-10,1000\npipeline-created,team-a1,2026-02-28,5\n"
    )
    page.goto(f"{live_server.url}/kpis/imports/")
    page.set_input_files("input[name=file]", str(good))
    page.click("button:has-text('Upload')")
    expect(page.locator("#import-status")).to_contain_text("2 new or changed values")
    assert Actual.objects.count() == 2

    # The quarter's rollup, run from the review page; its progress finishes.
    this_year = FiscalCalendar.load().rules.fiscal_year_of(dt.date.today())
    running = Plan.objects.create(org_unit=org.team_a1, fiscal_year=this_year)
    page.goto(f"{live_server.url}/plans/{running.pk}/metrics/review/?q=1")
    page.click("text=Run rollup now")
    expect(page.locator("#run-status")).to_contain_text("Computed")


def test_an_executive_approves_and_downloads_the_one_pager(
    open_as, live_server, plan, people, eager_celery, tmp_path
):
    SalesTarget.objects.create(plan=plan, new_business=D("750000"))
    Plan.objects.filter(pk=plan.pk).update(status="in_review")
    page = open_as("executive")
    expect(page.locator(".dashboard")).to_contain_text("Waiting for your approval")
    expect(page.locator(".dashboard")).to_contain_text(str(plan))
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.click("button:has-text('Approve')")  # the dialog lists what is open: the target serves no objective
    expect(page.locator("#decide-approve .decide-list")).to_contain_text("Revenue target serves no objective")
    page.click("#decide-approve button[type=submit]")
    expect(page.locator(".plan-status")).to_contain_text("Approved")
    page.click("text=One-page")
    with page.expect_download() as download:
        page.click("text=Download PDF (A4)")
    path = tmp_path / "one-pager.pdf"
    download.value.save_as(path)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info
    assert plan.org_unit.name in text and "APPROVED" in text and "$750,000" in text
    assert KPITarget.objects.count() == 0  # nothing else was touched
