"""Who gets what on the plan pages and the plan API: 404 for what a user may not see."""

import pytest
from django.test import Client
from django.urls import reverse

from planning.models import Plan
from planning.services import plan_transition
from tests.conftest import api_as

ROLES = ["leader", "sibling", "ops", "executive", "viewer", "outsider", "anonymous"]


def expect(**codes):
    return [pytest.param(role, codes[role], id=role) for role in ROLES]


def user_for(people, role):
    return None if role == "anonymous" else getattr(people, role)


def page_client(people, role) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(user_for(people, role))
    return client


@pytest.mark.parametrize(
    "name",
    [
        "planning:plan",
        "planning:history",
        "planning:alignment",
        "capabilities:plan",
        "budgets:plan",
        "metrics:plan",
        "onepager:plan",
    ],
)
@pytest.mark.parametrize(
    "role,status",
    expect(leader=200, sibling=404, ops=200, executive=200, viewer=200, outsider=404, anonymous=302),
)
def test_plan_pages(plan, people, name, role, status):
    response = page_client(people, role).get(reverse(name, args=[plan.pk]))
    assert response.status_code == status
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "role,status",
    expect(leader=302, sibling=404, ops=403, executive=403, viewer=403, outsider=404, anonymous=302),
)
def test_editing_the_summary_in_the_page(plan, people, role, status):
    response = page_client(people, role).post(
        reverse("planning:summary", args=[plan.pk]), {"summary": "x", "version": 1}
    )
    assert response.status_code == status
    plan.refresh_from_db()
    assert (plan.summary == "x") == (role == "leader")


@pytest.mark.parametrize(
    "role,status",
    expect(leader=302, sibling=404, ops=403, executive=403, viewer=403, outsider=404, anonymous=302),
)
def test_submitting_in_the_page(plan, people, role, status):
    response = page_client(people, role).post(
        reverse("planning:transition", args=[plan.pk, "submit"]), {"version": 1}
    )
    assert response.status_code == status
    plan.refresh_from_db()
    assert (plan.status == Plan.Status.IN_REVIEW) == (role == "leader")


@pytest.mark.parametrize(
    "role,status",
    expect(leader=200, sibling=404, ops=200, executive=200, viewer=200, outsider=404, anonymous=401),
)
def test_api_retrieve(plan, people, role, status):
    assert api_as(user_for(people, role)).get(f"/api/plans/{plan.pk}/").status_code == status


@pytest.mark.parametrize(
    "role,count", expect(leader=1, sibling=0, ops=1, executive=1, viewer=1, outsider=0, anonymous=None)
)
def test_api_list(plan, people, role, count):
    response = api_as(user_for(people, role)).get("/api/plans/")
    if count is None:
        assert response.status_code == 401
    else:
        assert response.json()["count"] == count


@pytest.mark.parametrize(
    "role,status",
    expect(leader=200, sibling=404, ops=403, executive=403, viewer=403, outsider=404, anonymous=401),
)
def test_api_update(plan, people, role, status):
    response = api_as(user_for(people, role)).patch(
        f"/api/plans/{plan.pk}/", {"summary": "x", "version": 1}, format="json"
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    "role,status",
    expect(leader=200, sibling=404, ops=403, executive=403, viewer=403, outsider=404, anonymous=401),
)
def test_api_submit(plan, people, role, status):
    assert (
        api_as(user_for(people, role)).post(f"/api/plans/{plan.pk}/submit/", {"version": 1}).status_code
        == status
    )


@pytest.mark.parametrize(
    "role,status",
    expect(leader=403, sibling=404, ops=403, executive=200, viewer=403, outsider=404, anonymous=401),
)
def test_api_approve(plan, people, role, status):
    plan = plan_transition(actor=people.leader, plan=plan, name="submit", version=1)
    response = api_as(user_for(people, role)).post(
        f"/api/plans/{plan.pk}/approve/", {"version": plan.version}
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    "role,status",
    expect(leader=201, sibling=400, ops=201, executive=403, viewer=403, outsider=400, anonymous=401),
)
def test_api_create(org, people, role, status):
    # A unit the user may not see is answered like one that does not exist (400 "invalid pk"), not 403.
    body = {"org_unit": org.team_a1.pk, "fiscal_year": 2029}
    assert api_as(user_for(people, role)).post("/api/plans/", body, format="json").status_code == status
