"""The catalogue never lets a parent unit show a sum of percentages."""

import pytest
from django.core.exceptions import ValidationError

from metrics import services
from metrics.models import KPI


def test_the_default_percentages_are_ratios_of_summed_kpis(db):
    for code, (top, bottom) in {
        "churn": ("arr-churned", "arr-opening"),
        "customer-retention": ("customers-retained", "customers-opening"),
        "sales-growth": ("bookings-growth", "bookings-prior-year"),
        "win-rate": ("deals-won", "opportunities-closed"),
    }.items():
        kpi = KPI.objects.select_related("numerator", "denominator").get(code=code)
        assert (kpi.aggregation, kpi.numerator.code, kpi.denominator.code) == ("ratio", top, bottom)
        assert kpi.numerator.aggregation == kpi.denominator.aggregation == "sum"
    percentages = KPI.objects.filter(unit="percent")
    assert set(percentages.values_list("aggregation", flat=True)) == {"ratio"}


@pytest.mark.parametrize("aggregation", ["sum", "last"])
def test_a_percentage_that_would_be_added_up_is_refused(people, aggregation):
    with pytest.raises(ValidationError, match="A percentage cannot be added up across sellers and units"):
        services.kpi_create(
            actor=people.ops,
            values={"code": "nps", "name": "NPS", "unit": "percent", "aggregation": aggregation},
        )
    assert not KPI.objects.filter(code="nps").exists()


def test_an_average_percentage_is_allowed(people):
    kpi = services.kpi_create(
        actor=people.ops, values={"code": "csat", "name": "CSAT", "unit": "percent", "aggregation": "average"}
    )
    assert kpi.aggregation == "average"


def test_a_side_of_a_ratio_stays_summed(people):
    won = KPI.objects.get(code="deals-won")
    with pytest.raises(
        ValidationError, match="Lead conversion rate, Win rate divide by or into this KPI: it stays summed."
    ):
        services.kpi_update(actor=people.ops, kpi=won, version=won.version, values={"aggregation": "last"})
    won.refresh_from_db()
    assert won.aggregation == "sum"


def test_a_ratio_of_an_average_is_refused(people):
    csat = services.kpi_create(
        actor=people.ops, values={"code": "csat", "name": "CSAT", "unit": "count", "aggregation": "average"}
    )
    with pytest.raises(ValidationError, match="A ratio is built from two summed KPIs."):
        services.kpi_create(
            actor=people.ops,
            values={
                "code": "r",
                "name": "R",
                "unit": "percent",
                "aggregation": "ratio",
                "numerator": csat,
                "denominator": KPI.objects.get(code="leads"),
            },
        )
