"""The review page names fiscal months as the grids do ("Nov 2026 · P11"), not by their number."""

from decimal import Decimal as D

from django.urls import reverse

from metrics.models import KPI, TargetAdjustment
from tests.factories import PlanFactory


def test_an_adjustment_names_its_fiscal_month(client, org, people):
    plan = PlanFactory(org_unit=org.team_a1, fiscal_year=2026)
    revenue = KPI.objects.get(code="revenue")
    client.force_login(people.leader)
    form = {"quarter": "4", "kpi": revenue.pk, "period": "11", "value": "1500", "reason": "Late renewals"}
    response = client.post(reverse("metrics:qbr-adjust", args=[plan.pk]), form, follow=True)
    page = response.content.decode()
    assert "Revenue target for Nov 2026 · P11 adjusted at the Q4 review." in page
    assert "Revenue · Nov 2026 · P11" in page
    assert TargetAdjustment.objects.get(plan=plan).after == D("1500")
