"""Editing Step 1 in the browser: in place with htmx, errors beside the field, stale edits refused."""

import io
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from planning import bottom_up, content
from planning.models import Objective, TargetAllocation, TargetSubmission
from tests.factories import PlanFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def leader_client(client, people):
    client.force_login(people.leader)
    return client


def url(name, plan, *args):
    return reverse(f"planning:{name}", args=[plan.pk, *args])


def test_adding_an_objective_in_place_returns_its_row_and_refreshes_the_panels(leader_client, plan):
    form = leader_client.get(url("content-new", plan, "objectives"), **HTMX)
    assert form.status_code == 200 and b'name="title"' in form.content
    response = leader_client.post(
        url("content-new", plan, "objectives"), {"title": "Win logos", "weight": "60"}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "alignment-changed"
    objective = Objective.objects.get(plan=plan)
    assert f'id="objectives-{objective.pk}"'.encode() in response.content
    assert b"Win logos" in response.content and b"60%" in response.content


def test_a_bad_value_is_reported_beside_its_field_and_nothing_is_saved(leader_client, plan):
    response = leader_client.post(
        url("content-new", plan, "objectives"), {"title": "", "weight": "140"}, **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required." in html
    assert "Ensure this value is less than or equal to 100." in html
    assert not Objective.objects.exists()


def test_initiative_quarters_out_of_order_are_refused_with_a_message(leader_client, plan):
    response = leader_client.post(
        url("content-new", plan, "initiatives"),
        {"title": "Hire", "status": "planned", "start_quarter": "3", "end_quarter": "2"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "The end quarter cannot be before the start quarter." in response.content.decode()


def test_a_stale_edit_is_refused_with_the_latest_values(leader_client, plan, people):

    objective = content.content_create(
        actor=people.leader, plan=plan, model=Objective, values={"title": "First", "weight": D("50")}
    )
    content.content_update(actor=people.leader, instance=objective, version=1, values={"title": "Second"})
    response = leader_client.post(
        url("content", plan, "objectives", objective.pk),
        {"title": "Mine", "weight": "50", "version": "1"},
        **HTMX,
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else since you opened it" in html
    assert 'value="Second"' in html  # the form now shows the saved values to redo the edit on
    assert Objective.objects.get().title == "Second"


def test_a_viewer_sees_the_page_but_no_edit_controls_and_cannot_post(client, plan, people):
    client.force_login(people.viewer)
    page = client.get(url("alignment", plan))
    assert page.status_code == 200 and b"Add objective" not in page.content
    refused = client.post(url("content-new", plan, "objectives"), {"title": "X", "weight": "1"}, **HTMX)
    assert refused.status_code in (400, 403)
    assert not Objective.objects.exists()


def test_someone_outside_the_subtree_gets_404(client, plan, people):
    client.force_login(people.outsider)
    assert client.get(url("alignment", plan)).status_code == 404
    assert client.get(url("targets", plan)).status_code == 404
    other = PlanFactory(org_unit=people.sibling.memberships.get().org_unit)
    client.force_login(people.leader)
    assert client.get(url("targets", other)).status_code == 404  # a sibling team's plan


def test_the_page_warns_when_the_buffer_is_above_50_percent(client, region_plan, region_lead):
    client.force_login(region_lead)
    client.post(
        url("cascade", region_plan),
        {
            "version": region_plan.version,
            "cascade_method": "equal",
            "cascade_level": "units",
            "buffer_percent": "60",
        },
    )
    page = client.get(url("targets", region_plan)).content.decode()
    assert "Buffer above 50%." in page and "$1,600,000.00" in page


def test_export_then_import_a_file_with_a_bad_row_lists_it_and_changes_nothing(
    client, region_plan, region_lead
):
    client.force_login(region_lead)
    client.post(
        url("cascade", region_plan),
        {
            "version": region_plan.version,
            "cascade_method": "equal",
            "cascade_level": "units",
            "buffer_percent": "0",
        },
    )
    export = client.get(url("grid-export", region_plan, "xlsx"))
    assert export["Content-Disposition"] == 'attachment; filename="region-a-FY2028-targets.xlsx"'
    book = load_workbook(io.BytesIO(export.content))
    sheet = book.active
    assert sheet["A2"].value == "team-a1" and sheet["O2"].value == 500000.0
    sheet["D3"] = "lots"
    out = io.BytesIO()
    book.save(out)
    before = list(TargetAllocation.objects.values_list("months", "version"))
    response = client.post(
        url("grid-import", region_plan), {"file": SimpleUploadedFile("edited.xlsx", out.getvalue())}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "edited.xlsx was not imported: nothing changed." in html
    assert "team-a2" in html and "Feb 2028 · P2 (column 4): &#x27;lots&#x27;" in html
    assert list(TargetAllocation.objects.values_list("months", "version")) == before
    csv_export = client.get(url("grid-export", region_plan, "csv"))
    assert csv_export.content.decode("utf-8-sig").startswith("Code,Name,P1 Jan 2028")


def test_bottom_up_in_the_page_submit_then_the_parent_approves(client, org, people, region_plan, region_lead):
    team_plan = PlanFactory(org_unit=org.team_a1)
    client.force_login(people.leader)
    client.post(url("submission", team_plan, "save"), {"amount": "250000", "note": "Pipeline"})
    own = TargetSubmission.objects.get(plan=team_plan)
    client.post(url("submission", team_plan, "submit"), {"version": own.version})
    own.refresh_from_db()
    assert own.status == "submitted"
    client.force_login(region_lead)
    page = client.get(url("targets", region_plan)).content.decode()
    assert "Submitted" in page and "$250,000" in page
    client.post(
        url("submission-decide", region_plan, team_plan.pk), {"version": own.version, "decision": "approve"}
    )
    assert bottom_up.bottom_up(region_plan).approved_total == D("250000.00")


def test_goal_and_profile_pages(client, org, people):
    client.force_login(people.ops)
    response = client.post(
        reverse("planning:goals"),
        {"org_unit": org.company.pk, "title": "Double ARR", "start_year": "2027", "end_year": "2028"},
    )
    assert "A long-term goal spans 3 to 10 fiscal years; this one spans 2." in response.content.decode()
    response = client.post(
        reverse("planning:goals"),
        {"org_unit": org.company.pk, "title": "Double ARR", "start_year": "2027", "end_year": "2031"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("planning:settings"),
        {
            "form": "derive",
            "derive-org_unit": org.company.pk,
            "derive-name": "Bookings",
            "derive-actuals": "1 2 3",
        },
    )
    assert "Give exactly 12 monthly amounts; found 3." in response.content.decode()
    actuals = "\n".join(["100"] * 11 + ["900"])
    response = client.post(
        reverse("planning:settings"),
        {
            "form": "derive",
            "derive-org_unit": org.company.pk,
            "derive-name": "Bookings",
            "derive-actuals": actuals,
        },
    )
    assert response.status_code == 302
    from planning.models import SeasonalityProfile

    profile = SeasonalityProfile.objects.get()
    assert profile.weights[11] == "45.00" and profile.weights[0] == "5.00"


def test_an_approved_revision_freezes_the_step_1_records(client, plan, people):
    from planning import services

    content.content_create(
        actor=people.leader, plan=plan, model=Objective, values={"title": "Win logos", "weight": D("100")}
    )
    plan = services.plan_transition(actor=people.leader, plan=plan, name="submit", version=plan.version)
    plan = services.plan_transition(actor=people.executive, plan=plan, name="approve", version=plan.version)
    sections = plan.revisions.get().snapshot["sections"]
    assert sections["Objectives"] == [{"Objective": "Win logos", "Weight %": "100.00", "Long-term goal": ""}]
    client.force_login(people.viewer)
    page = client.get(reverse("planning:revision", args=[plan.pk, 1])).content.decode()
    assert "Win logos" in page and "Target cascade" in page


def test_step1_tables_show_fifty_rows_a_page_and_the_panel_counts_them_all(leader_client, plan):
    Objective.objects.bulk_create(Objective(plan=plan, title=f"Goal {n:02}", weight=1) for n in range(60))
    first = leader_client.get(url("alignment", plan)).content.decode()
    assert first.count('<tr id="objectives-') == 50
    assert "1–50 of 60 objectives" in first and "objectives_page=2#objectives" in first
    assert "Objective weights add up to 60%" in first  # the total of all 60, not of the page
    assert ">60</span> Unfunded objectives" in first and "and 50 more" in first
    second = leader_client.get(url("alignment", plan) + "?objectives_page=2").content.decode()
    assert second.count('<tr id="objectives-') == 10 and "51–60 of 60 objectives" in second
    row = "<td><strong>Goal 59</strong>"  # its row in the table; the strategy tree above lists all 60
    assert row in second and row not in first
