from decimal import Decimal as D

import pytest

from metrics.models import ChurnPolicy
from planning.models import SalesTarget
from tests.factories import PlanFactory, SellerFactory


@pytest.fixture
def team_plan(org, people):
    """Team A1's FY2028 plan (fiscal year = calendar 2028): ten sellers at a full 50,000 a month all year
    (they started in 2024), a 7,000,000 target, and a churn policy: ARR 10,000,000, 8% churn a year, 20%
    growth."""
    plan = PlanFactory(org_unit=org.team_a1)
    for _ in range(10):
        SellerFactory(org_unit=org.team_a1, monthly_quota=D("50000"))
    SalesTarget.objects.create(plan=plan, name="Revenue", new_business=D("7000000"))
    ChurnPolicy.objects.create(
        plan=plan,
        starting_arr=D("10000000"),
        expected_churn=D("8"),
        measurement_period=ChurnPolicy.Period.ANNUAL,
        net_growth_goal=D("20"),
    )
    return plan
