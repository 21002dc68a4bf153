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
