"""A team heads for its company's long-term goals: a team leader reads them (page and API) but cannot
change them; a sibling region's goals stay out of sight."""

from django.urls import reverse

from planning.models import LongTermGoal
from tests.conftest import api_as


def goal(unit, title):
    return LongTermGoal.objects.create(org_unit=unit, title=title, start_year=2026, end_year=2030)


def test_a_team_leader_reads_the_goals_above_the_team_and_changes_none(client, org, people):
    company = goal(org.company, "Double ARR by 2030")
    other_region = goal(org.region_b, "Open the Nordics")
    client.force_login(people.leader)  # leader of team A1
    assert client.get(reverse("planning:goal", args=[company.pk])).status_code == 200
    assert client.get(reverse("planning:goal", args=[other_region.pk])).status_code == 404
    listed = client.get(reverse("planning:goals")).content.decode()
    assert "Double ARR by 2030" in listed and "Open the Nordics" not in listed
    api = api_as(people.leader)
    assert api.get(f"/api/long-term-goals/{company.pk}/").status_code == 200
    assert api.get(f"/api/long-term-goals/{other_region.pk}/").status_code == 404
    refused = api.patch(f"/api/long-term-goals/{company.pk}/", {"title": "x", "version": 1}, format="json")
    assert refused.status_code == 403
    company.refresh_from_db()
    assert company.title == "Double ARR by 2030"


def test_the_goals_page_shows_the_goals_the_plans_show_marking_those_above_read_only(
    client, org, people, plan
):
    goal(org.company, "Double ARR by 2030")
    goal(org.team_a1, "Own the mid-market in A1")
    goal(org.team_a2, "A2's own road")  # a sibling team: neither its plans nor this page show it
    client.force_login(people.leader)  # sales leader of team A1
    alignment = client.get(reverse("planning:alignment", args=[plan.pk])).content.decode()
    listed = client.get(reverse("planning:goals")).content.decode()
    for title in ("Double ARR by 2030", "Own the mid-market in A1"):
        assert title in alignment and title in listed
    assert "A2's own road" not in alignment and "A2's own road" not in listed
    rows = listed[listed.index("<tbody>") : listed.index("</tbody>")].split("<tr ")[1:]
    assert [("Double ARR by 2030" in r, "Read-only" in r, "Can edit" in r) for r in rows] == [
        (True, True, False),  # the company's goal: read, not changed, from a team
        (False, False, True),
    ]
    assert "No long-term goal" not in listed


def test_a_user_whose_units_have_no_goal_reads_that_none_is_set(client, people):
    client.force_login(people.leader)
    listed = client.get(reverse("planning:goals")).content.decode()
    assert "No long-term goal for your units or the units above them yet." in listed
