from decimal import Decimal as D

import pytest

from orgs.models import Role
from planning.models import SalesTarget
from tests.factories import MembershipFactory, PlanFactory, UserFactory


@pytest.fixture
def region_lead(org):
    """Sales leader of region A, the parent of teams A1 and A2."""
    user = UserFactory(username="region_lead")
    MembershipFactory(user=user, org_unit=org.region_a, role=Role.SALES_LEADER)
    return user


@pytest.fixture
def region_plan(org, people):
    """Region A's FY2028 plan with a 1,000,000 target (600k new, 300k expansion, 100k renewal)."""
    plan = PlanFactory(org_unit=org.region_a)
    SalesTarget.objects.create(
        plan=plan, name="Revenue", new_business=D("600000"), expansion=D("300000"), renewal=D("100000")
    )
    return plan
