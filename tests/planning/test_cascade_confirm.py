"""Re-running the cascade and importing the grid over values already there ask first, say what will
change, change nothing until confirmed, and can be undone unless the grid changed since.

Region A's FY2028 plan has a 1,000,000 target; its first cascade (equal split over teams A1 and A2, no
buffer) gives each team 500,000.00, 41,666.67 in each of the first eight months and 41,666.66 in the last
four (500,000 / 12 = 41,666.666…: the 8 cents left over go to the first eight months).
"""

import csv
import io
import re
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEntry
from orgs.models import FiscalCalendar, Role
from planning import cascade, gridfile
from planning import grid as target_grid
from planning.models import SalesTarget, TargetAllocation
from tests.factories import MembershipFactory, PlanFactory, UserFactory
from tests.test_crawl import MissingVariables

FIRST = [D("41666.67")] * 8 + [D("41666.66")] * 4  # 500,000.00 over 12 months


@pytest.fixture(autouse=True)
def every_variable_resolves(settings):
    """The confirmation pages answer a post only, so the crawl (tests/test_crawl.py) never opens them:
    each test here checks that every variable of the pages it renders resolves."""
    recorder = MissingVariables()
    templates = [dict(engine, OPTIONS=dict(engine.get("OPTIONS", {}))) for engine in settings.TEMPLATES]
    templates[0]["OPTIONS"]["string_if_invalid"] = recorder
    settings.TEMPLATES = templates
    yield
    assert not [found for found in recorder.found if found[0].startswith(CONFIRM_PAGES)]


CONFIRM_PAGES = ("planning/cascade_confirm.html", "planning/import_confirm.html")


@pytest.fixture
def region_lead(org):
    user = UserFactory(username="region_lead")
    MembershipFactory(user=user, org_unit=org.region_a, role=Role.SALES_LEADER)
    return user


@pytest.fixture
def plan(org, people, region_lead):
    """Region A's FY2028 plan, cascaded once: teams A1 and A2 at 500,000.00 each."""
    plan = PlanFactory(org_unit=org.region_a)
    SalesTarget.objects.create(plan=plan, name="Revenue", new_business=D("1000000"))
    cascade.cascade_run(
        actor=region_lead,
        plan=plan,
        version=plan.version,
        method="equal",
        level="units",
        buffer_percent=D("0"),
    )
    plan.refresh_from_db()
    return plan


@pytest.fixture
def leader(client, region_lead):
    client.force_login(region_lead)
    return client


def rows(plan) -> dict[str, tuple[list[D], int]]:
    """Each team's months and version."""
    return {
        r.org_unit.code: (r.month_amounts, r.version)
        for r in TargetAllocation.objects.filter(plan=plan).select_related("org_unit")
    }


def amounts(plan) -> dict[str, D]:
    return {code: sum(months) for code, (months, _) in rows(plan).items()}


def edit(plan, actor, code: str, months: list[D]) -> None:
    row = TargetAllocation.objects.get(plan=plan, org_unit__code=code)
    target_grid.allocation_update(
        actor=actor, allocation=row, version=row.version, months=months, weight=row.weight
    )


def cascade_post(client, plan, buffer: str = "10", **extra):
    plan.refresh_from_db()
    data = {
        "version": plan.version,
        "cascade_method": "equal",
        "cascade_level": "units",
        "buffer_percent": buffer,
    }
    return client.post(reverse("planning:cascade", args=[plan.pk]), {**data, **extra})


def confirm_fields(html: str) -> dict[str, str]:
    """The hidden fields of the confirmation's form, as "Replace the grid" posts them."""
    form = re.search(r'<form[^>]*id="cascade-confirm".*?</form>', html, re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


def test_the_first_cascade_on_an_empty_grid_runs_without_asking(leader, org, region_lead):
    plan = PlanFactory(org_unit=org.region_a)
    SalesTarget.objects.create(plan=plan, name="Revenue", new_business=D("1000000"))
    response = cascade_post(leader, plan, buffer="0")
    assert response.status_code == 302
    assert amounts(plan) == {"team-a1": D("500000.00"), "team-a2": D("500000.00")}


def test_re_running_the_cascade_shows_what_changes_and_changes_nothing(leader, plan):
    before, version, history = rows(plan), plan.version, AuditEntry.objects.count()
    response = cascade_post(leader, plan, buffer="10")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="cascade-confirm"' in html and "Replace the grid</button>" in html and ">Cancel</a>" in html
    assert "by <strong>equal split</strong> over <strong>child units</strong>" in html
    # 1,000,000 + 10% = 1,100,000 split equally: each team 500,000.00 → 550,000.00, +50,000.00.
    assert html.count("$500,000<") == 2 and html.count("$550,000<") == 2  # whole dollars on the page
    assert html.count("+$50,000<") == 2
    assert "$1,000,000<" in html and "$1,100,000<" in html and "+$100,000<" in html  # the totals
    assert "edited by hand" not in html
    assert rows(plan) == before  # the same months, at the same versions
    plan.refresh_from_db()
    assert plan.version == version and AuditEntry.objects.count() == history


def test_replace_the_grid_writes_the_new_amounts(leader, plan):
    page = cascade_post(leader, plan, buffer="10").content.decode()
    response = leader.post(reverse("planning:cascade", args=[plan.pk]), confirm_fields(page))
    assert response.status_code == 302
    assert amounts(plan) == {"team-a1": D("550000.00"), "team-a2": D("550000.00")}
    # 550,000 / 12 = 45,833.333…: 4 cents left over go to the first four months.
    assert rows(plan)["team-a1"][0] == [D("45833.34")] * 4 + [D("45833.33")] * 8
    assert "Target cascaded over 2 rows." in messages_of(response)


def test_a_row_edited_by_hand_is_flagged(leader, plan, region_lead):
    edit(plan, region_lead, "team-a1", [D("50000")] * 12)  # 600,000.00: an even spread, but not the cascade's
    html = cascade_post(leader, plan, buffer="10").content.decode()
    assert html.count("edited by hand — will be replaced") == 1
    team_a1 = re.search(r"<tr[^>]*>\s*<th scope=\"row\">Team A1.*?</tr>", html, re.S).group(0)
    assert "edited by hand — will be replaced" in team_a1
    assert "$600,000<" in team_a1 and "−$50,000<" in team_a1  # 600,000.00 → 550,000.00
    assert "including <strong>1 row edited by hand</strong>" in html
    preview = cascade.cascade_preview(plan, "equal", "units", D("10"))
    assert [(str(line.recipient), line.edited) for line in preview.lines] == [
        ("Team A1", True),
        ("Team A2", False),
    ]


def test_cancel_is_a_link_back_that_leaves_the_rows(leader, plan):
    before = rows(plan)
    html = cascade_post(leader, plan, buffer="10").content.decode()
    cancel = re.search(r'<a class="btn" href="([^"]+)">Cancel</a>', html).group(1)
    assert cancel == reverse("planning:targets", args=[plan.pk]) + "#cascade"
    assert leader.get(cancel).status_code == 200
    assert rows(plan) == before


def test_a_split_over_sellers_lists_the_unit_rows_that_leave(leader, plan, org):
    from tests.factories import SellerFactory

    SellerFactory(org_unit=org.team_a1, name="Ann")
    preview = cascade.cascade_preview(plan, "equal", "sellers", D("0"))
    assert [(str(line.recipient), line.now, line.after) for line in preview.lines] == [
        ("Ann", None, D("1000000.00")),
        ("Team A1", D("500000.00"), None),
        ("Team A2", D("500000.00"), None),
    ]
    assert preview.change == 0


def test_undo_puts_back_the_exact_months_and_settings(leader, plan, region_lead):
    hand = [D("30000")] * 6 + [D("70000")] * 6  # 600,000.00, not as any profile would phase it
    edit(plan, region_lead, "team-a1", hand)
    before = rows(plan)
    assert before["team-a1"] == (hand, 2) and before["team-a2"] == (FIRST, 1)
    page = cascade_post(leader, plan, buffer="10").content.decode()
    leader.post(reverse("planning:cascade", args=[plan.pk]), confirm_fields(page))
    assert amounts(plan) == {"team-a1": D("550000.00"), "team-a2": D("550000.00")}
    targets = leader.get(reverse("planning:targets", args=[plan.pk])).content.decode()
    assert 'id="cascade-undo"' in targets and "Undo last cascade" in targets

    response = leader.post(reverse("planning:cascade-undo", args=[plan.pk]))
    assert response.status_code == 302
    assert "Cascade undone: the grid's 2 rows are back as they were." in messages_of(response)
    assert rows(plan) == before  # the hand-edited months and the versions, exactly
    plan.refresh_from_db()
    assert plan.buffer_percent == D("0")
    entry = AuditEntry.objects.filter(plan_id=plan.pk).first()
    assert entry.comment == "Undid the cascade: the grid is back as it was before it."
    assert entry.changes["cascade"] == [
        ["Team A1: 550,000.00", "Team A2: 550,000.00"],
        ["Team A1: 600,000.00", "Team A2: 500,000.00"],
    ]
    targets = leader.get(reverse("planning:targets", args=[plan.pk])).content.decode()
    assert 'id="cascade-undo"' not in targets  # used up


def test_a_stale_undo_is_refused_and_changes_nothing(leader, plan, region_lead):
    page = cascade_post(leader, plan, buffer="10").content.decode()
    leader.post(reverse("planning:cascade", args=[plan.pk]), confirm_fields(page))
    edit(plan, region_lead, "team-a2", [D("1000")] * 12)  # someone edits a row after the cascade
    after = rows(plan)
    targets = leader.get(reverse("planning:targets", args=[plan.pk])).content.decode()
    assert 'id="cascade-undo"' not in targets  # no longer offered
    history = AuditEntry.objects.count()
    response = leader.post(reverse("planning:cascade-undo", args=[plan.pk]))
    assert response.status_code == 302
    assert cascade.UNDO_STALE in messages_of(response)
    assert rows(plan) == after and AuditEntry.objects.count() == history


def test_a_confirmation_the_grid_moved_under_asks_again_and_changes_nothing(leader, plan, region_lead):
    page = cascade_post(leader, plan, buffer="10").content.decode()
    edit(plan, region_lead, "team-a1", [D("50000")] * 12)  # edited while the confirmation was open
    edited = rows(plan)
    response = leader.post(reverse("planning:cascade", args=[plan.pk]), confirm_fields(page))
    assert response.status_code == 409
    html = response.content.decode()
    assert "The grid or the plan changed since you looked." in html
    assert "edited by hand — will be replaced" in html
    assert rows(plan) == edited


# --- importing the grid over values already there ------------------------------------------------


@pytest.fixture
def april_start(db):
    """A fiscal year from February: FY2028 runs Feb 2027 – Jan 2028, so period 3 is April 2027."""
    calendar = FiscalCalendar.load()
    FiscalCalendar.objects.filter(pk=calendar.pk).update(start_month=2)


def grid_file(plan, team_a1: list[str], team_a2: list[str] | None = None) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(gridfile.header(FiscalCalendar.load().rules, plan.fiscal_year))
    writer.writerow(["team-a1", "Team A1", *team_a1, ""])
    if team_a2 is not None:
        writer.writerow(["team-a2", "Team A2", *team_a2, ""])
    return SimpleUploadedFile("grid.csv", out.getvalue().encode())


def import_post(client, plan, upload):
    return client.post(reverse("planning:grid-import", args=[plan.pk]), {"file": upload})


def token_of(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def test_an_import_over_values_lists_each_changed_cell_by_fiscal_month(leader, plan, april_start):
    before = rows(plan)
    months = [str(m) for m in FIRST]
    months[2] = "50000"  # P3: 41,666.67 → 50,000.00
    months[11] = "0"  # P12: 41,666.66 → 0
    response = import_post(leader, plan, grid_file(plan, months, [str(m) for m in FIRST]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-confirm"' in html and "Apply</button>" in html and ">Cancel</a>" in html
    assert "The file changes <strong>2 cells</strong> in 1 row" in html
    assert "1 row of the file matches what is there" in html
    cells = re.findall(r"<tr><th scope=\"row\">(.*?)</th><td>(.*?)</td><td class=\"num\">(.*?)</td>"
                       r"<td class=\"num\">(.*?)</td>", html)  # fmt: skip
    assert cells == [
        ("Team A1", "Apr 2027 · P3", "$41,666.67", "$50,000.00"),
        ("Team A1", "Jan 2028 · P12", "$41,666.66", "$0.00"),
    ]
    assert rows(plan) == before  # nothing written yet


def test_apply_writes_the_file_and_undo_puts_the_cells_back(leader, plan, april_start):
    before = rows(plan)
    html = import_post(leader, plan, grid_file(plan, ["50000"] * 12)).content.decode()
    response = leader.post(reverse("planning:grid-import-apply", args=[plan.pk]), {"token": token_of(html)})
    assert response.status_code == 302
    assert "Imported: 1 row(s) changed, 0 unchanged." in messages_of(response)
    assert rows(plan)["team-a1"] == ([D("50000.00")] * 12, 2)
    assert rows(plan)["team-a2"] == before["team-a2"]
    targets = leader.get(reverse("planning:targets", args=[plan.pk])).content.decode()
    assert 'id="grid-import-undo"' in targets and "Undo the import of grid.csv" in targets
    again = leader.post(reverse("planning:grid-import-apply", args=[plan.pk]), {"token": token_of(html)})
    assert "That import is no longer waiting" in messages_of(again)  # a token is used once

    response = leader.post(reverse("planning:grid-import-undo", args=[plan.pk]))
    assert "Import of grid.csv undone: 1 row(s) are back." in messages_of(response)
    assert rows(plan)["team-a1"] == (FIRST, 3)  # the months as before, at a new version
    assert rows(plan)["team-a2"] == before["team-a2"]


def test_a_stale_import_confirmation_is_refused_and_changes_nothing(leader, plan, region_lead):
    html = import_post(leader, plan, grid_file(plan, ["50000"] * 12)).content.decode()
    edit(plan, region_lead, "team-a1", [D("1000")] * 12)  # edited while the confirmation was open
    edited = rows(plan)
    response = leader.post(reverse("planning:grid-import-apply", args=[plan.pk]), {"token": token_of(html)})
    assert response.status_code == 302
    assert "The grid changed since grid.csv was read, so nothing was imported." in messages_of(response)
    assert rows(plan) == edited


def test_a_stale_import_undo_is_refused_and_changes_nothing(leader, plan, region_lead):
    html = import_post(leader, plan, grid_file(plan, ["50000"] * 12)).content.decode()
    leader.post(reverse("planning:grid-import-apply", args=[plan.pk]), {"token": token_of(html)})
    edit(plan, region_lead, "team-a1", [D("1000")] * 12)
    edited = rows(plan)
    targets = leader.get(reverse("planning:targets", args=[plan.pk])).content.decode()
    assert 'id="grid-import-undo"' not in targets
    response = leader.post(reverse("planning:grid-import-undo", args=[plan.pk]))
    assert "The grid changed since grid.csv was imported, so nothing was undone." in messages_of(response)
    assert rows(plan) == edited


def test_an_import_that_only_fills_empty_cells_applies_without_asking(leader, plan, region_lead):
    edit(plan, region_lead, "team-a1", [D("0")] * 12)
    response = import_post(leader, plan, grid_file(plan, ["1000"] * 12))
    assert response.status_code == 302
    assert rows(plan)["team-a1"] == ([D("1000.00")] * 12, 3)
    assert "Undo the import of grid.csv" in messages_of(response)


def test_a_viewer_is_not_shown_a_confirmation(client, plan, people):
    client.force_login(people.viewer)
    assert cascade_post(client, plan).status_code == 403
    assert import_post(client, plan, grid_file(plan, ["50000"] * 12)).status_code == 403
