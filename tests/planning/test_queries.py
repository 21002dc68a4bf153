"""List pages and endpoints cost the same number of queries at two data sizes."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgs.models import FiscalCalendar, Role
from tests.conftest import api_as
from tests.factories import MembershipFactory, OrgUnitFactory, PlanFactory, UserFactory


def make_plans(parent, count):
    for _ in range(count):
        PlanFactory(org_unit=OrgUnitFactory(parent=parent))


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_home_page_and_plan_list_cost_the_same_for_3_or_40_plans(client, org):
    FiscalCalendar.load()  # created on first use; not part of what a page costs
    user = UserFactory(username="exec2")
    MembershipFactory(user=user, org_unit=org.company, role=Role.EXECUTIVE)
    client.force_login(user)

    def measure():
        fresh = type(user).objects.get(pk=user.pk)  # each request loads its user anew
        return queries(lambda: client.get(reverse("planning:home"))), queries(
            lambda: api_as(fresh).get("/api/plans/")
        )

    make_plans(org.region_a, 3)
    small = measure()
    make_plans(org.region_b, 37)
    assert measure() == small


def test_the_org_page_costs_the_same_for_few_or_many_units(client, org, people):
    client.force_login(people.ops)
    small = queries(lambda: client.get(reverse("orgs:tree")))
    for _ in range(30):
        OrgUnitFactory(parent=org.region_b)
    assert queries(lambda: client.get(reverse("orgs:tree"))) == small
