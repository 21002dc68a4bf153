"""The grid component in a real browser (Debian's Chromium through Playwright) on Region A's cascade grid:
three teams, 1,200,000 split equally (400,000.00 each: 33,333.34 in the first four months, 33,333.33 in
the other eight). Keys move like a spreadsheet, a pasted block saves whole or not at all, undo puts the
values back, a row total spreads by seasonality, the grid fits 1440 px, and re-running the cascade asks
first."""

from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from core.models import AuditEntry
from orgs.models import FiscalCalendar, Role
from planning import calc, cascade
from planning.models import SalesTarget, SeasonalityProfile, TargetAllocation
from tests.factories import MembershipFactory, OrgUnitFactory, PlanFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalogues")]
EQUAL = [D("33333.34")] * 4 + [D("33333.33")] * 8


@pytest.fixture
def grid(org, people):
    lead = UserFactory(username="region_lead")
    MembershipFactory(user=lead, org_unit=org.region_a, role=Role.SALES_LEADER)
    OrgUnitFactory(name="Team A3", code="team-a3", parent=org.region_a)
    plan = PlanFactory(org_unit=org.region_a)
    SalesTarget.objects.create(plan=plan, name="Revenue", new_business=D("1200000"))
    cascade.cascade_run(
        actor=lead, plan=plan, version=plan.version, method="equal", level="units", buffer_percent=D("0")
    )
    return plan


def months(plan) -> list[list[D]]:
    rows = TargetAllocation.objects.filter(plan=plan).order_by("org_unit__path")
    return [r.month_amounts for r in rows]


def open_grid(open_as, live_server, plan, width=1440):
    page = open_as("region_lead", width, 900)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/plans/{plan.pk}/targets/")
    expect(page.locator("#cascade-grid .sheet-cell").first).to_be_visible()
    return page


def cell(page, row: int, col: str):
    return page.locator("#cascade-grid tbody tr").nth(row).locator(f'.sheet-cell[data-col="{col}"]')


def where(page) -> tuple[str, str]:
    return tuple(
        page.evaluate(
            "() => { const e = document.activeElement;"
            " return [e.closest('tr').querySelector('th').childNodes[0].textContent.trim(), e.dataset.col]; }"
        )
    )


def paste(page, text: str):
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    page.keyboard.press("Control+V")


def status(page):
    return page.locator("#cascade-grid .sheet-status")


def test_keys_move_across_a_row_and_down_a_column_and_the_grid_fits_1440(open_as, live_server, grid):
    page = open_grid(open_as, live_server, grid)
    scroll = page.evaluate("() => { const s = document.querySelector('#cascade-grid .sheet-scroll');"
                           " return [s.scrollWidth, s.clientWidth]; }")  # fmt: skip
    assert scroll[0] <= scroll[1]  # all 12 months and the total, no horizontal scroll
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1440
    cell(page, 0, "m1").click()
    assert where(page) == ("Team A1", "m1")
    page.keyboard.press("ArrowRight")
    assert where(page) == ("Team A1", "m2")
    page.keyboard.press("Tab")
    assert where(page) == ("Team A1", "m3")
    page.keyboard.press("Shift+Tab")
    assert where(page) == ("Team A1", "m2")
    page.keyboard.press("ArrowDown")
    assert where(page) == ("Team A2", "m2")
    page.keyboard.press("Enter")
    assert where(page) == ("Team A3", "m2")
    page.keyboard.press("ArrowUp")
    assert where(page) == ("Team A2", "m2")
    page.keyboard.type("1000")  # typed over the cell; leaving it saves it
    page.keyboard.press("Tab")
    expect(status(page)).to_have_text("Saved 1 cell.")
    assert where(page) == ("Team A2", "m3")  # focus stayed in the grid
    expect(cell(page, 1, "m2").locator("xpath=..")).to_have_class("num col-m2 is-saved")
    assert months(grid)[1][1] == D("1000")
    page.keyboard.press("Escape")
    assert where(page) == ("Team A2", "m3")


def test_a_reason_typed_in_the_toolbar_goes_with_every_save_until_changed(open_as, live_server, grid):
    page = open_grid(open_as, live_server, grid)
    page.get_by_label("Why", exact=True).click()
    page.keyboard.type("Finance moved the Q1 budget")
    page.keyboard.press("Tab")  # from the Why box straight into the grid's first cell
    assert where(page) == ("Team A1", "m1")
    page.keyboard.type("1000")
    page.keyboard.press("Tab")
    expect(status(page)).to_have_text("Saved 1 cell, with your reason.")
    page.keyboard.type("2000")  # the same reason goes with the next save
    page.keyboard.press("Enter")
    expect(status(page)).to_have_text("Saved 1 cell, with your reason.")
    row = TargetAllocation.objects.get(plan=grid, org_unit__code="team-a1")
    assert [e.comment for e in history(row)] == ["Finance moved the Q1 budget"] * 2
    page.get_by_label("Why", exact=True).fill("y" * 301)
    expect(status(page)).to_have_text(
        "Nothing saves while the reason is 301 characters long; shorten it to 300 or fewer."
    )
    cell(page, 1, "m1").click()
    page.keyboard.type("5")
    page.keyboard.press("Tab")
    expect(cell(page, 1, "m1")).to_have_attribute("aria-invalid", "true")
    assert months(grid)[1] == EQUAL and len(history(row)) == 2  # nothing was sent
    page.reload()
    expect(page.get_by_label("Why", exact=True)).to_have_value("")  # a new visit starts without a reason


def history(row) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_id=str(row.pk), content_type__model="targetallocation"))


def test_a_pasted_block_saves_36_cells_and_undo_puts_them_back(open_as, live_server, grid):
    page = open_grid(open_as, live_server, grid)
    before = months(grid)
    block = "\n".join("\t".join(f"{10_000 * (r + 1):,}" for _ in range(12)) for r in range(3)) + "\n"
    cell(page, 0, "m1").click()
    paste(page, block)
    expect(status(page)).to_have_text("Saved 36 cells.")
    assert months(grid) == [[D("10000")] * 12, [D("20000")] * 12, [D("30000")] * 12]
    footer = page.locator("#cascade-grid tfoot")
    expect(footer.locator('td[data-col="total"]')).to_have_text("720,000")
    expect(footer.locator('td[data-col="m7"]')).to_have_text("60,000")
    expect(page.locator("#cascade-grid tbody tr").nth(2).locator(".col-total input")).to_have_value("360,000")
    page.click("#cascade-grid [data-sheet-undo]")
    expect(status(page)).to_have_text("Saved 36 cells.")
    expect(footer.locator('td[data-col="total"]')).to_have_text("1,200,000")
    assert months(grid) == before == [EQUAL] * 3
    page.click("#cascade-grid [data-sheet-redo]")
    expect(footer.locator('td[data-col="total"]')).to_have_text("720,000")


def test_a_paste_with_one_bad_cell_changes_nothing_and_marks_the_cell(open_as, live_server, grid):
    page = open_grid(open_as, live_server, grid)
    block = "5,000\t5,000\t5,000\n5,000\t12,34\t5,000\n"
    cell(page, 0, "m1").click()
    paste(page, block)
    expect(status(page)).to_contain_text("Nothing was saved: Team A2, Feb 2028 · P2: '12,34'")
    bad = cell(page, 1, "m2")
    expect(bad).to_have_attribute("aria-invalid", "true")
    expect(bad.locator("xpath=..")).to_have_class("num col-m2 is-failed")
    expect(cell(page, 1, "m1")).to_have_value("33,333")  # the block's good cells show what is stored
    expect(cell(page, 1, "m1")).to_have_attribute("title", "$33,333.34")
    assert months(grid) == [EQUAL] * 3


def test_a_row_total_spreads_by_the_seasonality_to_the_cent(open_as, live_server, grid, org):
    weights = ["4", "6", "10", "6", "8", "10", "6", "8", "10", "8", "9", "15"]
    grid.seasonality = SeasonalityProfile.objects.create(
        org_unit=org.company, name="Quarter ends", weights=weights
    )
    grid.save()
    page = open_grid(open_as, live_server, grid)
    total = page.locator("#cascade-grid tbody tr").nth(0).locator('.sheet-cell[data-col="total"]')
    total.click()
    page.keyboard.type("1,234,567.89")
    page.keyboard.press("Enter")
    expect(status(page)).to_have_text("Saved 1 cell.")
    expected = calc.phase(D("1234567.89"), grid.seasonality.weight_decimals, FiscalCalendar.load().rules)
    assert months(grid)[0] == expected and sum(expected) == D("1234567.89")
    expect(cell(page, 0, "m12")).to_have_value(f"{expected[11]:,.0f}")
    expect(cell(page, 0, "m12")).to_have_attribute("title", f"${expected[11]:,.2f}")


def test_re_running_the_cascade_asks_first_and_cancelling_changes_nothing(open_as, live_server, grid):
    page = open_grid(open_as, live_server, grid)
    versions = list(TargetAllocation.objects.filter(plan=grid).values_list("pk", "version"))
    page.fill("input[name=buffer_percent]", "10")
    page.click("text=Re-run cascade")
    expect(page.locator("#cascade-confirm")).to_be_visible()
    expect(page.locator("#cascade-confirm")).to_contain_text("Replace the grid")
    expect(page.locator("main")).to_contain_text("440,000")  # each team's 400,000 + 10%
    page.click("text=Cancel")
    expect(page.locator("#cascade-grid")).to_be_visible()
    assert months(grid) == [EQUAL] * 3
    assert list(TargetAllocation.objects.filter(plan=grid).values_list("pk", "version")) == versions
