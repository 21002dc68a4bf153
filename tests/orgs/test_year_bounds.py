"""Years of long-term goals and seller dates stay in 2000–2100, whichever way they arrive: the page's
form, a service, the API, or straight into the database."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from orgs.models import Seller
from orgs.services import seller_create
from planning.goals import goal_create
from planning.models import LongTermGoal
from tests.conftest import api_as


def goal_values(start: int, end: int) -> dict:
    return {"title": "Double ARR", "start_year": start, "end_year": end}


def test_the_goal_service_refuses_years_outside_2000_to_2100(people, org):
    for start, end in ((1995, 1999), (2098, 2102), (30000, 30004)):
        with pytest.raises(ValidationError) as refused:
            goal_create(actor=people.leader, org_unit=org.team_a1, values=goal_values(start, end))
        assert "Enter a year from 2000 to 2100." in str(refused.value), (start, end)
    goal = goal_create(actor=people.leader, org_unit=org.team_a1, values=goal_values(2097, 2100))
    assert goal.years[-1] == 2100  # the last year allowed, a span of 4
    assert LongTermGoal.objects.count() == 1


def test_the_goals_page_shows_the_bound_beside_the_field(client, people, org):
    client.force_login(people.leader)
    body = {"org_unit": org.team_a1.pk, **goal_values(1990, 1994)}
    response = client.post(reverse("planning:goals"), body)
    assert "Enter a year from 2000 to 2100." in response.content.decode()
    assert not LongTermGoal.objects.exists()


def test_the_goals_api_refuses_years_outside_the_range(people, org):
    body = {"org_unit": org.team_a1.pk, **goal_values(2099, 2103)}
    response = api_as(people.leader).post("/api/long-term-goals/", body, format="json")
    assert response.status_code == 400
    assert response.json()["end_year"] == ["Ensure this value is less than or equal to 2100."]  # DRF's words
    assert not LongTermGoal.objects.exists()


def seller_values(org, start: dt.date, end: dt.date | None = None) -> dict:
    return {
        "name": "Sam",
        "email": "sam@example.com",
        "org_unit": org.team_a1,
        "start_date": start,
        "end_date": end,
    }


def test_seller_dates_outside_2000_to_2100_are_refused_by_the_service_and_the_api(people, org):
    for start, end in ((dt.date(1999, 12, 31), None), (dt.date(2024, 1, 1), dt.date(2101, 1, 1))):
        with pytest.raises(ValidationError) as refused:
            seller_create(actor=people.leader, values=seller_values(org, start, end))
        assert "Enter a date from 2000 to 2100." in str(refused.value)
    body = {"name": "Sam", "email": "sam@example.com", "org_unit": org.team_a1.pk, "start_date": "0001-01-01"}
    response = api_as(people.leader).post("/api/sellers/", body, format="json")
    assert response.status_code == 400
    assert response.json()["start_date"] == ["Enter a date from 2000 to 2100. 0001-01-01 is outside."]
    assert not Seller.objects.exists()
    seller_create(actor=people.leader, values=seller_values(org, dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
    assert Seller.objects.count() == 1  # both ends of the range are inside it


def test_the_database_holds_the_bounds_too(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        LongTermGoal.objects.create(org_unit=org.team_a1, **goal_values(1990, 1994))
    with pytest.raises(IntegrityError), transaction.atomic():
        Seller.objects.create(**seller_values(org, dt.date(1990, 1, 1)))
